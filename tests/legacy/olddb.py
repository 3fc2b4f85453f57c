"""Factories for the old Go/Supabase database: plain INSERTs into the schema of old_schema.sql."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

SCHEMA = Path(__file__).with_name("old_schema.sql")
BASE = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

TABLES = (
    "wallet_audit_log", "wallet_documents", "feedback", "poll_votes", "poll_options", "polls",
    "chat_message_reactions", "chat_group_members", "chat_messages", "chat_groups",
    "notifications", "todos", "trip_invitations", "trip_memberships", "categories", "locations",
    "expenses", "trips", "user_push_tokens", "user_profiles", "auth.users",
)  # fmt: skip


def create_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_schema(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA.read_text())


class OldDb:
    """Seeds rows one call each, with sensible defaults; every call returns the new id."""

    def __init__(self, url: str):
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True)
        self.clock = BASE

    def close(self):
        self.conn.close()

    def truncate(self):
        self.conn.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")

    def tick(self, minutes: int = 1) -> datetime:
        self.clock += timedelta(minutes=minutes)
        return self.clock

    def insert(self, table: str, **values) -> dict:
        values = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in values.items()}
        cols = ", ".join(f'"{k}"' for k in values)
        marks = ", ".join(["%s"] * len(values))
        self.conn.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608 - test data
            list(values.values()),
        )
        return values

    def user(self, *, email=None, username=None, profile=True, **auth) -> uuid.UUID:
        uid = uuid.uuid4()
        email = email or f"old-{uid.hex[:8]}@example.com"
        at = self.tick()
        self.insert(
            "auth.users",
            id=uid,
            email=email,
            encrypted_password=auth.pop("encrypted_password", "$2a$10$" + "x" * 53),
            email_confirmed_at=auth.pop("email_confirmed_at", at),
            created_at=at,
            updated_at=at,
            **auth,
        )
        if profile:
            self.insert(
                "user_profiles",
                id=uid,
                email=email,
                username=username or f"old_{uid.hex[:8]}",
                first_name="Ada",
                last_name="Lovelace",
                avatar_url="https://old.example.com/avatars/a.png",
                preferences={"theme": "dark"},
                contact_email=f"contact-{uid.hex[:6]}@example.com",
                created_at=at,
                updated_at=at,
            )
        return uid

    def trip(self, owner, **values) -> uuid.UUID:
        tid = uuid.uuid4()
        at = self.tick().replace(tzinfo=None)
        self.insert(
            "trips",
            **{
                "id": tid,
                "name": "Lisbon",
                "description": "Old trip",
                "start_date": date(2026, 3, 1),
                "end_date": date(2026, 3, 8),
                "destination_name": "Lisbon",
                "destination_latitude": 38.72,
                "destination_longitude": -9.14,
                "status": "PLANNING",
                "created_by": owner,
                "created_at": at,
                "updated_at": at,
                "background_image_url": "https://old.example.com/trips/bg.jpg",
                **values,
            },
        )
        return tid

    def member(self, trip, user, role="MEMBER", **values) -> uuid.UUID:
        mid = uuid.uuid4()
        at = self.tick().replace(tzinfo=None)
        self.insert(
            "trip_memberships",
            **{"id": mid, "trip_id": trip, "user_id": user, "role": role,
               "created_at": at, "updated_at": at, **values},
        )  # fmt: skip
        return mid

    def group(self, trip, user) -> uuid.UUID:
        gid = uuid.uuid4()
        at = self.tick()
        self.insert("chat_groups", id=gid, trip_id=trip, name="General", created_by=user,
                    created_at=at, updated_at=at)  # fmt: skip
        return gid

    def message(self, group, user, content="Hello", **values) -> uuid.UUID:
        mid = uuid.uuid4()
        at = self.tick()
        self.insert(
            "chat_messages",
            **{"id": mid, "group_id": group, "user_id": user, "content": content,
               "created_at": at, "updated_at": at, **values},
        )  # fmt: skip
        return mid

    def simple(self, table: str, **values) -> uuid.UUID:
        """A row of any table with an ``id``, timestamped now on the test clock."""
        rid = values.pop("id", uuid.uuid4())
        at = self.tick()
        stamps = {"created_at": at}
        if table not in ("poll_options", "poll_votes", "feedback", "wallet_audit_log"):
            stamps["updated_at"] = at
        self.insert(table, **{"id": rid, **stamps, **values})
        return rid
