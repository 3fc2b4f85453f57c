"""An old Go/Supabase database at realistic size, for timing ``import_legacy``.

    .venv/bin/python bench/legacy_dataset.py [--url URL] [--scale 1.0]

Creates (or recreates) the database ``nc_legacy_src_bench`` on the server of DATABASE_URL (or
127.0.0.1:5432), loads the old schema of ``tests/legacy/old_schema.sql`` and fills it with COPY:
at scale 1, 10,000 users with profiles and push tokens, 3,000 trips of ten members, 300,000
chat messages (reactions, read positions, a second group in every tenth trip), 30,000 todos,
6,000 polls with options and votes, 50,000 locations, 100,000 notifications, invitations,
feedback, wallet documents with their audit log, and expenses (a table the import skips).
Seeded with a fixed random seed, so two runs make the same rows.
"""

import argparse
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCHEMA = ROOT / "tests" / "legacy" / "old_schema.sql"
DATABASE = "nc_legacy_src_bench"
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 86400
WORDS = [
    "flight",
    "hostel",
    "beach",
    "museum",
    "dinner",
    "train",
    "ferry",
    "market",
    "hike",
    "sunset",
    "tickets",
    "visa",
]


@dataclass(frozen=True)
class Spec:
    users: int = 10_000
    trips: int = 3_000
    members_per_trip: int = 10
    messages: int = 300_000
    todos_per_trip: int = 10
    polls_per_trip: int = 2
    locations: int = 50_000
    notifications_per_user: int = 10

    @classmethod
    def scaled(cls, scale: float) -> "Spec":
        base = cls()
        return cls(
            users=max(12, int(base.users * scale)),
            trips=max(3, int(base.trips * scale)),
            members_per_trip=base.members_per_trip,
            messages=max(30, int(base.messages * scale)),
            todos_per_trip=base.todos_per_trip,
            polls_per_trip=base.polls_per_trip,
            locations=max(10, int(base.locations * scale)),
            notifications_per_user=base.notifications_per_user,
        )


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return url.rsplit("/", 1)[0]


def create_empty(url_base: str, name: str) -> str:
    """A new empty database (dropped first if it exists); returns its URL."""
    with psycopg.connect(f"{url_base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{url_base}/{name}"


def create(url_base: str, name: str = DATABASE) -> str:
    """A new database with the old schema loaded; returns its URL."""
    url = create_empty(url_base, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA.read_text())
    return url


class _Gen:
    def __init__(self, conn: psycopg.Connection, spec: Spec):
        self.conn = conn
        self.spec = spec
        self.rng = random.Random(15)
        self.counts: dict[str, int] = {}

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def when(self) -> datetime:
        return START + timedelta(seconds=self.rng.randrange(SPAN_SECONDS))

    def copy(self, table: str, columns: str, rows) -> None:
        n = 0
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
                n += 1
        self.counts[table] = n

    def run(self) -> dict[str, int]:
        s, rng = self.spec, self.rng
        users = [self.uid() for _ in range(s.users)]
        joined = {u: self.when() for u in users}
        password = "$2a$10$" + "b" * 53
        self.copy(
            "auth.users",
            "id, email, encrypted_password, email_confirmed_at, created_at, updated_at",
            ((u, f"u{i}@example.com", password, joined[u], joined[u], joined[u])
             for i, u in enumerate(users)),
        )  # fmt: skip
        self.copy(
            "user_profiles",
            "id, email, username, first_name, last_name, avatar_url, preferences, contact_email,"
            " created_at, updated_at",
            ((u, f"u{i}@example.com", f"user{i}", "Ada", "Lovelace",
              f"https://old.example.com/avatars/{u}.jpg", '{"theme": "dark"}',
              f"c{i}@example.com", joined[u], joined[u]) for i, u in enumerate(users)),
        )  # fmt: skip
        self.copy(
            "user_push_tokens",
            "id, user_id, token, device_type, created_at, updated_at",
            ((self.uid(), u, f"ExponentPushToken[{u.hex[:20]}]", rng.choice(("ios", "android")),
              joined[u], joined[u]) for u in users[::2]),
        )  # fmt: skip

        trips, members = [], {}
        for _ in range(s.trips):
            t = self.uid()
            crew = rng.sample(users, min(s.members_per_trip, len(users)))
            trips.append(t)
            members[t] = crew
        trip_at = {t: self.when() for t in trips}

        def trip_rows():
            for t in trips:
                start = date(2025, 1, 1) + timedelta(days=rng.randrange(600))
                at = trip_at[t].replace(tzinfo=None)
                yield (t, f"Trip {t.hex[:6]}", "A trip", start, start + timedelta(days=7),
                       "Lisbon", 38.72, -9.14, "PLANNING", members[t][0], at, at,
                       f"https://old.example.com/trips/{t}.jpg")  # fmt: skip

        self.copy(
            "trips",
            "id, name, description, start_date, end_date, destination_name, destination_latitude,"
            " destination_longitude, status, created_by, created_at, updated_at,"
            " background_image_url",
            trip_rows(),
        )
        self.copy(
            "trip_memberships",
            "id, trip_id, user_id, role, created_at, updated_at",
            ((self.uid(), t, u, "OWNER" if i == 0 else "MEMBER",
              trip_at[t].replace(tzinfo=None), trip_at[t].replace(tzinfo=None))
             for t in trips for i, u in enumerate(members[t])),
        )  # fmt: skip
        self.copy(
            "trip_invitations",
            "id, trip_id, inviter_id, invitee_email, role, status, expires_at, created_at,"
            " updated_at",
            ((self.uid(), t, members[t][0], f"friend-{t.hex[:8]}@example.com", "MEMBER",
              "PENDING", trip_at[t] + timedelta(days=7), trip_at[t], trip_at[t]) for t in trips),
        )  # fmt: skip

        groups = {t: [self.uid()] for t in trips}
        for t in trips[::10]:
            groups[t].append(self.uid())
        self.copy(
            "chat_groups",
            "id, trip_id, name, created_by, created_at, updated_at",
            ((g, t, "General", members[t][0], trip_at[t], trip_at[t])
             for t in trips for g in groups[t]),
        )  # fmt: skip
        last_message: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]] = {}
        reactions = []

        def message_rows():
            per_trip = max(1, s.messages // len(trips))
            for t in trips:
                at = trip_at[t]
                for _ in range(per_trip):
                    m = self.uid()
                    g = rng.choice(groups[t])
                    sender = rng.choice(members[t])
                    at = at + timedelta(seconds=rng.randrange(1, 600))
                    last_message[g] = (m, t)
                    if rng.random() < 0.1:
                        reactions.append((m, rng.choice(members[t]), rng.choice("👍❤️😂🎉"), at))
                    words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 15)))
                    yield (m, g, sender, words, at, at)

        self.copy(
            "chat_messages",
            "id, group_id, user_id, content, created_at, updated_at",
            message_rows(),
        )
        seen = set()
        self.copy(
            "chat_message_reactions",
            "message_id, user_id, reaction, created_at",
            (r for r in reactions if (r[0], r[1], r[2]) not in seen and not seen.add(r[:3])),
        )
        self.copy(
            "chat_group_members",
            "group_id, user_id, joined_at, last_read_message_id",
            ((g, u, trip_at[t], last_message[g][0])
             for t in trips for g in groups[t] if g in last_message for u in members[t]),
        )  # fmt: skip
        self.copy(
            "todos",
            "id, trip_id, text, status, created_by, created_at, updated_at",
            ((self.uid(), t, f"Book the {rng.choice(WORDS)}",
              rng.choice(("COMPLETE", "INCOMPLETE")), rng.choice(members[t]),
              trip_at[t], trip_at[t]) for t in trips for _ in range(s.todos_per_trip)),
        )  # fmt: skip
        polls = [(self.uid(), t) for t in trips for _ in range(s.polls_per_trip)]
        self.copy(
            "polls",
            "id, trip_id, question, created_by, created_at, updated_at, expires_at",
            ((p, t, "Where next?", members[t][0], trip_at[t], trip_at[t],
              trip_at[t] + timedelta(days=1)) for p, t in polls),
        )  # fmt: skip
        options = [(self.uid(), p, t, text) for p, t in polls for text in ("A", "B", "C")]
        self.copy(
            "poll_options",
            "id, poll_id, text, position, created_by, created_at",
            ((o, p, text, i % 3, members[t][0], trip_at[t])
             for i, (o, p, t, text) in enumerate(options)),
        )  # fmt: skip

        def vote_rows():
            for i in range(0, len(options), 3):
                _, p, t, _ = options[i]
                for voter in members[t][:5]:
                    o = options[i + rng.randrange(3)][0]
                    yield (self.uid(), p, o, voter, trip_at[t])

        self.copy("poll_votes", "id, poll_id, option_id, user_id, created_at", vote_rows())

        def location_rows():
            for _ in range(s.locations):
                t = rng.choice(trips)
                at = self.when()
                yield (self.uid(), t, rng.choice(members[t]), 38.7 + rng.random(),
                       -9.1 + rng.random(), 10.0, at,
                       rng.choice(("precise", "approximate", "hidden")), True,
                       at.replace(tzinfo=None), at.replace(tzinfo=None))  # fmt: skip

        self.copy(
            "locations",
            "id, trip_id, user_id, latitude, longitude, accuracy, timestamp, privacy,"
            " is_sharing_enabled, created_at, updated_at",
            location_rows(),
        )
        self.copy(
            "notifications",
            "id, user_id, type, metadata, is_read, created_at, updated_at",
            ((self.uid(), u, "TRIP_UPDATE", '{"tripName": "Trip"}', rng.random() < 0.5,
              joined[u], joined[u]) for u in users for _ in range(s.notifications_per_user)),
        )  # fmt: skip
        documents = [(self.uid(), u) for u in users[::5]]
        self.copy(
            "wallet_documents",
            "id, user_id, wallet_type, document_type, name, file_path, file_size, mime_type,"
            " metadata, created_at, updated_at",
            ((d, u, "personal", "passport", "Passport", f"wallet/{u}/{d}.pdf", 120_000,
              "application/pdf", '{"expiry_date": "2031-01-01"}', joined[u], joined[u])
             for d, u in documents),
        )  # fmt: skip
        self.copy(
            "wallet_audit_log",
            "id, user_id, document_id, action, created_at",
            ((self.uid(), u, d, "upload", joined[u]) for d, u in documents),
        )
        self.copy(
            "feedback",
            "id, name, email, message, created_at",
            ((self.uid(), "Ada", f"u{i}@example.com", "Lovely app, thank you!", self.when())
             for i in range(max(1, s.users // 20))),
        )  # fmt: skip
        self.copy(
            "expenses",
            "id, trip_id, user_id, amount, description, created_at, updated_at",
            ((self.uid(), t, members[t][0], 12.5, "Dinner", trip_at[t].replace(tzinfo=None),
              trip_at[t].replace(tzinfo=None)) for t in trips),
        )  # fmt: skip
        self.conn.execute("ANALYZE")
        return self.counts


def generate(url: str, spec: Spec) -> dict[str, int]:
    """Fill an empty old-schema database; returns the row count per table."""
    with psycopg.connect(url, autocommit=True) as conn:
        return _Gen(conn, spec).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    started = time.monotonic()
    url = create(server_url())
    counts = generate(url, Spec.scaled(args.scale))
    took = time.monotonic() - started
    print(f"old database {DATABASE}: {sum(counts.values()):,} rows in {took:.1f} s")
    for table, n in counts.items():
        print(f"  {table}: {n:,}")


if __name__ == "__main__":
    main()
