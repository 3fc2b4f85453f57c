# ruff: noqa: S608 - every query here is a constant of this module; values travel as parameters
"""What each table of the old Go/Supabase database becomes here, as SQL run on the old database.

Every source query returns the target table's columns, already converted (enums to text,
timestamps without zone read as UTC, NULL texts as ""), plus three bookkeeping columns:
``_reason`` (why the row cannot be imported; ``skip: ...`` for rows with no place here, such as
soft-deleted invitations), ``_ts`` (the change time the watermark follows) and ``_sid`` (the
source id, text, for the quarantine). The same query serves the import and ``--verify``, so the
two can never disagree on what a row should look like.
"""

from dataclasses import dataclass, field

ALLOWED_WALLET_MIME = ("application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif")
WALLET_MAX_BYTES = 10 * 1024 * 1024
FEEDBACK_SOURCES = ("landing", "app_bug", "app_feedback")
AUDIT_ACTIONS = ("upload", "view", "download", "update", "delete")
MAX_POLL_OPTIONS = 20

USERS = "users_user"
TRIPS = "trips_trip"


@dataclass(frozen=True)
class ForeignKey:
    """A reference checked against the target before writing. ``required``: a row whose
    reference is missing is quarantined with ``reason``; otherwise the reference is cleared."""

    column: str
    table: str
    reason: str = ""
    required: bool = True


@dataclass(frozen=True)
class Table:
    source: str  # the report's key: the old table name
    target: str  # the target table (db_table)
    columns: tuple[str, ...]
    query: str  # selects ``columns`` + _reason, _ts, _sid
    fks: tuple[ForeignKey, ...] = ()
    insert_only: tuple[str, ...] = ()  # set on first import only; later edits here win
    checksum: tuple[str, ...] = ("id",)  # key fields compared by --verify
    pk: str = "id"
    append_only: bool = False  # the target refuses updates (an audit log)
    target_filter: str = "TRUE"  # which target rows --verify counts

    @property
    def verified_columns(self) -> tuple[str, ...]:
        """The checksum's columns less optional references, which the import clears when the
        row they point to was not imported (a message of a deleted user keeps no sender)."""
        optional = {fk.column for fk in self.fks if not fk.required}
        return tuple(c for c in self.checksum if c not in optional)

    @property
    def update_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c != self.pk and c not in self.insert_only)


@dataclass(frozen=True)
class Skipped:
    """An old table with no counterpart; reported with its row count."""

    source: str
    why: str
    count_query: str = field(default="")


def utc(column: str) -> str:
    """A ``timestamp without time zone`` column of the old schema, read as the UTC it holds."""
    return f"({column} AT TIME ZONE 'UTC')"


def _users_query(auth_columns: set[str]) -> str:
    deleted = "u.deleted_at" if "deleted_at" in auth_columns else "NULL::timestamptz"
    return f"""
        SELECT u.id,
               '!'::varchar AS password,
               NULL::timestamptz AS last_login,
               FALSE AS is_superuser,
               coalesce(p.username, 'user_' || left(replace(u.id::text, '-', ''), 12))
                   ::varchar AS username,
               coalesce(p.first_name, '')::varchar AS first_name,
               coalesce(p.last_name, '')::varchar AS last_name,
               FALSE AS is_staff,
               TRUE AS is_active,
               coalesce(u.created_at, p.created_at, 'epoch'::timestamptz) AS date_joined,
               coalesce(u.email, p.email)::varchar AS email,
               coalesce(p.contact_email, '')::varchar AS contact_email,
               coalesce(p.avatar_url, '')::varchar AS avatar_url,
               ''::varchar AS avatar_key,
               'approximate'::varchar AS location_privacy_preference,
               coalesce(p.preferences, '{{}}'::jsonb)::text AS preferences,
               greatest(u.updated_at, p.updated_at, u.created_at, 'epoch'::timestamptz)
                   AS updated_at,
               CASE
                   WHEN {deleted} IS NOT NULL THEN 'skip: deleted in Supabase'
                   WHEN coalesce(u.email, p.email) IS NULL THEN 'no email address'
                   WHEN char_length(coalesce(p.username, '')) > 150 THEN 'username over 150'
                   WHEN char_length(coalesce(p.first_name, '')) > 150
                     OR char_length(coalesce(p.last_name, '')) > 150 THEN 'name over 150'
               END AS _reason,
               greatest(u.updated_at, p.updated_at, u.created_at, 'epoch'::timestamptz) AS _ts,
               u.id::text AS _sid
          FROM auth.users u LEFT JOIN user_profiles p ON p.id = u.id
    """


def _credentials_query(auth_columns: set[str]) -> str:
    def col(name: str, cast: str) -> str:
        return f"u.{name}" if name in auth_columns else f"NULL::{cast}"

    return f"""
        SELECT u.id AS user_id,
               coalesce(u.email, '')::varchar AS email,
               coalesce({col("encrypted_password", "text")}, '')::varchar AS encrypted_password,
               {col("email_confirmed_at", "timestamptz")} AS email_confirmed_at,
               {col("banned_until", "timestamptz")} AS banned_until,
               {col("deleted_at", "timestamptz")} AS deleted_at,
               NULL::text AS _reason,
               greatest(u.updated_at, u.created_at, 'epoch'::timestamptz) AS _ts,
               u.id::text AS _sid
          FROM auth.users u
    """


USER_FK = ForeignKey("user_id", USERS, "user missing (deleted in Supabase or quarantined)")
TRIP_FK = ForeignKey("trip_id", TRIPS, "trip missing (not imported or quarantined)")


def tables(auth_columns: set[str]) -> list[Table]:
    """The old tables in the order they must be imported (references before referrers)."""
    return [
        Table(
            source="auth.users",
            target=USERS,
            columns=(
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "is_staff",
                "is_active",
                "date_joined",
                "email",
                "contact_email",
                "avatar_url",
                "avatar_key",
                "location_privacy_preference",
                "preferences",
                "updated_at",
            ),
            query=_users_query(auth_columns),
            insert_only=(
                "password",
                "last_login",
                "is_superuser",
                "is_staff",
                "is_active",
                "avatar_key",
            ),
            checksum=("id", "username", "email", "contact_email"),
            target_filter="id IN (SELECT user_id FROM legacy_legacycredential)",
        ),
        Table(
            source="auth.users (credentials)",
            target="legacy_legacycredential",
            columns=(
                "user_id",
                "email",
                "encrypted_password",
                "email_confirmed_at",
                "banned_until",
                "deleted_at",
            ),
            query=_credentials_query(auth_columns),
            fks=(ForeignKey("user_id", USERS, "skip: user not imported"),),
            pk="user_id",
            checksum=("user_id", "email", "encrypted_password"),
        ),
        Table(
            source="user_push_tokens",
            target="users_pushtoken",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "user_id",
                "token",
                "device_type",
                "is_active",
                "last_used_at",
            ),
            query="""
                SELECT t.id, coalesce(t.created_at, 'epoch') AS created_at,
                       coalesce(t.updated_at, t.created_at, 'epoch') AS updated_at,
                       t.user_id, t.token::varchar, t.device_type::varchar,
                       coalesce(t.is_active, TRUE) AS is_active, t.last_used_at,
                       NULL::text AS _reason,
                       coalesce(t.updated_at, t.created_at, 'epoch') AS _ts, t.id::text AS _sid
                  FROM user_push_tokens t
            """,
            fks=(USER_FK,),
            checksum=("id", "user_id", "token", "is_active"),
        ),
        Table(
            source="trips",
            target=TRIPS,
            columns=(
                "id",
                "created_at",
                "updated_at",
                "name",
                "description",
                "start_date",
                "end_date",
                "destination_place_id",
                "destination_address",
                "destination_name",
                "destination_latitude",
                "destination_longitude",
                "status",
                "background_image_url",
                "background_image_key",
                "created_by_id",
                "deleted_at",
            ),
            query=f"""
                SELECT t.id, {utc("t.created_at")} AS created_at, {utc("t.updated_at")} AS updated_at,
                       t.name::varchar, coalesce(t.description, '') AS description,
                       t.start_date, t.end_date,
                       coalesce(t.destination_place_id, '')::varchar AS destination_place_id,
                       coalesce(t.destination_address, '')::varchar AS destination_address,
                       coalesce(t.destination_name, '')::varchar AS destination_name,
                       t.destination_latitude, t.destination_longitude, t.status::text AS status,
                       coalesce(t.background_image_url, '')::varchar AS background_image_url,
                       ''::varchar AS background_image_key, t.created_by AS created_by_id,
                       t.deleted_at,
                       CASE
                           WHEN t.end_date < t.start_date THEN 'end date before start date'
                           WHEN t.destination_latitude NOT BETWEEN -90 AND 90
                             OR t.destination_longitude NOT BETWEEN -180 AND 180
                               THEN 'destination coordinates out of range'
                           WHEN char_length(t.destination_place_id) > 255
                             OR char_length(t.destination_name) > 255
                             OR char_length(t.destination_address) > 512
                               THEN 'destination text too long'
                       END AS _reason,
                       {utc("t.updated_at")} AS _ts, t.id::text AS _sid
                  FROM trips t
            """,  # noqa: E501
            fks=(ForeignKey("created_by_id", USERS, required=False),),
            insert_only=("background_image_key",),
            checksum=("id", "name", "start_date", "end_date", "status", "created_by_id"),
        ),
        Table(
            source="trip_memberships",
            target="trips_membership",
            columns=("id", "created_at", "updated_at", "trip_id", "user_id", "role", "status"),
            query=f"""
                SELECT m.id, {utc("m.created_at")} AS created_at,
                       {utc("m.updated_at")} AS updated_at, m.trip_id, m.user_id,
                       m.role::text AS role,
                       CASE WHEN m.deleted_at IS NULL THEN m.status::text ELSE 'INACTIVE' END
                           AS status,
                       NULL::text AS _reason, {utc("m.updated_at")} AS _ts, m.id::text AS _sid
                  FROM trip_memberships m
            """,
            fks=(TRIP_FK, ForeignKey("user_id", USERS, "membership of a deleted or missing user")),
            checksum=("id", "trip_id", "user_id", "role", "status"),
        ),
        Table(
            source="trip_invitations",
            target="invitations_invitation",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "trip_id",
                "inviter_id",
                "invitee_email",
                "invitee_id",
                "role",
                "status",
                "expires_at",
                "email_sent_at",
                "resend_count",
                "responded_at",
                "revoked_by_id",
                "invitee_email_private",
            ),
            # email_sent_at: the old backend sent the email; the new one must not send it again.
            # invitee_email_private: the old backend invited by address only, never by user id.
            query="""
                SELECT i.id, i.created_at, i.updated_at, i.trip_id, i.inviter_id,
                       lower(i.invitee_email)::varchar AS invitee_email, i.invitee_id,
                       i.role::text AS role, i.status::text AS status, i.expires_at,
                       i.created_at AS email_sent_at, 0 AS resend_count,
                       CASE WHEN i.status <> 'PENDING' THEN i.updated_at END AS responded_at,
                       NULL::uuid AS revoked_by_id, false AS invitee_email_private,
                       CASE
                           WHEN i.deleted_at IS NOT NULL THEN 'skip: deleted'
                           WHEN i.role = 'OWNER' THEN 'role OWNER cannot be invited'
                           WHEN char_length(i.invitee_email) > 254 THEN 'email too long'
                       END AS _reason,
                       i.updated_at AS _ts, i.id::text AS _sid
                  FROM trip_invitations i
            """,
            fks=(
                TRIP_FK,
                ForeignKey("inviter_id", USERS, required=False),
                ForeignKey("invitee_id", USERS, required=False),
            ),
            insert_only=("email_sent_at", "resend_count", "revoked_by_id"),
            checksum=("id", "trip_id", "invitee_email", "role", "status"),
        ),
        Table(
            source="todos",
            target="todos_todo",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "trip_id",
                "text",
                "status",
                "created_by_id",
                "assigned_to_id",
                "due_date",
                "completed_at",
                "completed_by_id",
                "deleted_at",
            ),
            query="""
                SELECT t.id, t.created_at, t.updated_at, t.trip_id, t.text::varchar,
                       t.status::text AS status, t.created_by AS created_by_id,
                       NULL::uuid AS assigned_to_id, NULL::date AS due_date,
                       CASE WHEN t.status = 'COMPLETE' THEN t.updated_at END AS completed_at,
                       NULL::uuid AS completed_by_id, t.deleted_at,
                       CASE
                           WHEN char_length(t.text) = 0 THEN 'empty text'
                           WHEN char_length(t.text) > 255 THEN 'text longer than 255'
                       END AS _reason,
                       t.updated_at AS _ts, t.id::text AS _sid
                  FROM todos t
            """,
            fks=(TRIP_FK, ForeignKey("created_by_id", USERS, required=False)),
            checksum=("id", "trip_id", "text", "status", "created_by_id"),
        ),
        Table(
            source="chat_messages",
            target="chat_chatmessage",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "trip_id",
                "sender_id",
                "content",
                "reply_to_id",
                "client_message_id",
                "edited_at",
                "deleted_at",
            ),
            # Chat groups collapse into their trip: the new chat has one room per trip.
            query="""
                SELECT m.id, m.created_at, m.updated_at, g.trip_id, m.user_id AS sender_id,
                       CASE WHEN m.deleted_at IS NULL THEN m.content ELSE '' END AS content,
                       NULL::uuid AS reply_to_id, NULL::varchar AS client_message_id,
                       NULL::timestamptz AS edited_at, m.deleted_at,
                       CASE
                           WHEN m.deleted_at IS NULL AND char_length(m.content) = 0
                               THEN 'empty message'
                           WHEN m.deleted_at IS NULL AND char_length(m.content) > 1000
                               THEN 'message longer than 1000 characters'
                       END AS _reason,
                       m.updated_at AS _ts, m.id::text AS _sid
                  FROM chat_messages m JOIN chat_groups g ON g.id = m.group_id
            """,
            fks=(TRIP_FK, ForeignKey("sender_id", USERS, required=False)),
            checksum=("id", "trip_id", "sender_id", "content"),
        ),
        Table(
            source="chat_message_reactions",
            target="chat_chatreaction",
            columns=("id", "created_at", "updated_at", "message_id", "user_id", "emoji"),
            query="""
                SELECT md5('reaction:' || r.message_id || ':' || r.user_id || ':' || r.reaction)
                           ::uuid AS id,
                       r.created_at, r.created_at AS updated_at, r.message_id, r.user_id,
                       r.reaction::varchar AS emoji,
                       CASE
                           WHEN char_length(r.reaction) > 10 THEN 'reaction longer than 10'
                           WHEN char_length(btrim(r.reaction)) = 0 THEN 'empty reaction'
                       END AS _reason,
                       r.created_at AS _ts,
                       r.message_id || ':' || r.user_id || ':' || r.reaction AS _sid
                  FROM chat_message_reactions r
            """,
            fks=(ForeignKey("message_id", "chat_chatmessage", "message missing"), USER_FK),
            checksum=("id", "message_id", "user_id", "emoji"),
        ),
        Table(
            source="chat_group_members",
            target="chat_chatreadstate",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "trip_id",
                "user_id",
                "last_read_message_id",
                "last_read_at",
            ),
            # One read position per trip and member: the furthest of their groups' positions.
            query="""
                SELECT DISTINCT ON (g.trip_id, gm.user_id)
                       md5('read:' || g.trip_id || ':' || gm.user_id)::uuid AS id,
                       gm.joined_at AS created_at, greatest(gm.joined_at, m.created_at)
                           AS updated_at,
                       g.trip_id, gm.user_id, m.id AS last_read_message_id,
                       m.created_at AS last_read_at, NULL::text AS _reason,
                       greatest(gm.joined_at, m.created_at) AS _ts,
                       g.trip_id || ':' || gm.user_id AS _sid
                  FROM chat_group_members gm
                  JOIN chat_groups g ON g.id = gm.group_id
                  JOIN chat_messages m ON m.id = gm.last_read_message_id
              ORDER BY g.trip_id, gm.user_id, m.created_at DESC, m.id DESC
            """,
            fks=(TRIP_FK, USER_FK),
            checksum=("id", "trip_id", "user_id", "last_read_message_id"),
        ),
        Table(
            source="polls",
            target="polls_poll",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "trip_id",
                "question",
                "status",
                "allow_multiple_votes",
                "created_by_id",
                "closed_by_id",
                "closed_at",
                "expires_at",
                "deleted_at",
            ),
            query="""
                SELECT p.id, p.created_at, p.updated_at, p.trip_id, p.question::varchar,
                       p.status::text AS status, p.allow_multiple_votes,
                       p.created_by AS created_by_id,
                       CASE WHEN p.status = 'CLOSED' THEN p.closed_by END AS closed_by_id,
                       CASE WHEN p.status = 'CLOSED' THEN coalesce(p.closed_at, p.updated_at) END
                           AS closed_at,
                       p.expires_at, p.deleted_at,
                       CASE
                           WHEN char_length(p.question) = 0 THEN 'empty question'
                           WHEN p.expires_at <= p.created_at THEN 'expires before it was created'
                       END AS _reason,
                       p.updated_at AS _ts, p.id::text AS _sid
                  FROM polls p
            """,
            fks=(
                TRIP_FK,
                ForeignKey("created_by_id", USERS, required=False),
                ForeignKey("closed_by_id", USERS, required=False),
            ),
            checksum=("id", "trip_id", "question", "status", "expires_at"),
        ),
        Table(
            source="poll_options",
            target="polls_polloption",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "poll_id",
                "text",
                "position",
                "created_by_id",
            ),
            # Positions are renumbered 0..n-1 per poll: the old column defaults to 0 for all.
            query=f"""
                SELECT o.id, o.created_at, o.created_at AS updated_at, o.poll_id,
                       o.text::varchar, o.rank - 1 AS position, o.created_by AS created_by_id,
                       CASE
                           WHEN char_length(o.text) = 0 THEN 'empty option'
                           WHEN o.rank > {MAX_POLL_OPTIONS} THEN 'more than {MAX_POLL_OPTIONS} options'
                           WHEN o.ci_rank > 1 THEN 'same text as another option of the poll'
                       END AS _reason,
                       o.created_at AS _ts, o.id::text AS _sid
                  FROM (SELECT po.*,
                               row_number() OVER (PARTITION BY po.poll_id
                                                  ORDER BY po.position, po.created_at, po.id)
                                   AS rank,
                               row_number() OVER (PARTITION BY po.poll_id, lower(po.text)
                                                  ORDER BY po.position, po.created_at, po.id)
                                   AS ci_rank
                          FROM poll_options po) o
            """,  # noqa: E501
            fks=(
                ForeignKey("poll_id", "polls_poll", "poll missing (not imported or quarantined)"),
                ForeignKey("created_by_id", USERS, required=False),
            ),
            checksum=("id", "poll_id", "text", "position"),
        ),
        Table(
            source="poll_votes",
            target="polls_pollvote",
            columns=("id", "created_at", "updated_at", "option_id", "user_id"),
            query="""
                SELECT v.id, v.created_at, v.created_at AS updated_at, v.option_id, v.user_id,
                       CASE
                           WHEN o.id IS NULL THEN 'vote for a missing option'
                           WHEN o.poll_id <> v.poll_id THEN 'vote for an option of another poll'
                       END AS _reason,
                       v.created_at AS _ts, v.id::text AS _sid
                  FROM poll_votes v LEFT JOIN poll_options o ON o.id = v.option_id
            """,
            fks=(
                ForeignKey("option_id", "polls_polloption", "vote for a missing option"),
                USER_FK,
            ),
            checksum=("id", "option_id", "user_id"),
        ),
        Table(
            source="locations",
            target="locations_location",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "user_id",
                "trip_id",
                "latitude",
                "longitude",
                "accuracy",
                "privacy",
                "is_sharing_enabled",
                "sharing_expires_at",
                "recorded_at",
            ),
            # Approximate and hidden positions are rounded before they are written, as the
            # new API does, so no precise position the user did not share is ever stored.
            query=f"""
                SELECT l.id, {utc("l.created_at")} AS created_at,
                       {utc("l.updated_at")} AS updated_at, l.user_id, l.trip_id,
                       CASE WHEN l.privacy = 'precise' THEN l.latitude
                            ELSE round(l.latitude::numeric, 2)::float8 END AS latitude,
                       CASE WHEN l.privacy = 'precise' THEN l.longitude
                            ELSE round(l.longitude::numeric, 2)::float8 END AS longitude,
                       CASE WHEN l.privacy = 'precise' THEN l.accuracy
                            ELSE greatest(coalesce(l.accuracy, 0), 1000)::float8 END AS accuracy,
                       l.privacy::text AS privacy,
                       coalesce(l.is_sharing_enabled, FALSE) AS is_sharing_enabled,
                       l.sharing_expires_at, l."timestamp" AS recorded_at,
                       CASE
                           WHEN l.deleted_at IS NOT NULL THEN 'skip: deleted'
                           WHEN l.latitude NOT BETWEEN -90 AND 90
                             OR l.longitude NOT BETWEEN -180 AND 180
                               THEN 'coordinates out of range'
                           WHEN l.accuracy < 0 THEN 'negative accuracy'
                       END AS _reason,
                       {utc("l.updated_at")} AS _ts, l.id::text AS _sid
                  FROM locations l
            """,
            fks=(USER_FK, TRIP_FK),
            checksum=("id", "user_id", "trip_id", "privacy"),
        ),
        Table(
            source="notifications",
            target="notifications_notification",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "user_id",
                "type",
                "metadata",
                "read",
                "read_at",
                "pushed_at",
            ),
            # pushed_at: the old backend pushed it already; the push task must not again.
            query="""
                SELECT n.id, n.created_at, n.updated_at, n.user_id, n.type::text AS type,
                       n.metadata::text AS metadata, n.is_read AS read,
                       CASE WHEN n.is_read THEN n.updated_at END AS read_at,
                       n.created_at AS pushed_at,
                       NULL::text AS _reason, n.updated_at AS _ts, n.id::text AS _sid
                  FROM notifications n
            """,
            fks=(USER_FK,),
            insert_only=("pushed_at",),
            checksum=("id", "user_id", "type", "read"),
        ),
        Table(
            source="feedback",
            target="feedback_feedback",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "name",
                "email",
                "message",
                "source",
                "user_id",
            ),
            query=f"""
                SELECT f.id, f.created_at, f.created_at AS updated_at, f.name::varchar,
                       f.email::varchar, f.message, coalesce(f.source, 'landing')::varchar AS source,
                       NULL::uuid AS user_id,
                       CASE
                           WHEN coalesce(f.source, 'landing') NOT IN {FEEDBACK_SOURCES}
                               THEN 'unknown source ' || quote_literal(f.source)
                           WHEN char_length(btrim(f.name)) < 1 THEN 'blank name'
                           WHEN char_length(btrim(f.message)) < 10 THEN 'message too short'
                       END AS _reason,
                       f.created_at AS _ts, f.id::text AS _sid
                  FROM feedback f
            """,  # noqa: E501
            checksum=("id", "email", "source"),
        ),
        Table(
            source="wallet_documents",
            target="wallet_walletdocument",
            columns=(
                "id",
                "created_at",
                "updated_at",
                "user_id",
                "trip_id",
                "wallet_type",
                "document_type",
                "name",
                "description",
                "storage_key",
                "file_size",
                "mime_type",
                "metadata",
                "expires_on",
                "deleted_at",
            ),
            query=f"""
                SELECT d.id, d.created_at, d.updated_at, d.user_id, d.trip_id,
                       d.wallet_type::text AS wallet_type, d.document_type::text AS document_type,
                       d.name::varchar, coalesce(d.description, '') AS description,
                       d.file_path::varchar AS storage_key, d.file_size, d.mime_type::varchar,
                       coalesce(d.metadata, '{{}}'::jsonb)::text AS metadata,
                       CASE WHEN d.metadata->>'expiry_date' ~ '^\\d{{4}}-\\d{{2}}-\\d{{2}}$'
                            THEN (d.metadata->>'expiry_date')::date END AS expires_on,
                       d.deleted_at,
                       CASE
                           WHEN d.file_size > {WALLET_MAX_BYTES} THEN 'file larger than 10 MB'
                           WHEN d.mime_type NOT IN {ALLOWED_WALLET_MIME}
                               THEN 'MIME type ' || quote_literal(d.mime_type) || ' not allowed'
                       END AS _reason,
                       d.updated_at AS _ts, d.id::text AS _sid
                  FROM wallet_documents d
            """,
            fks=(
                USER_FK,
                ForeignKey("trip_id", TRIPS, "trip missing (not imported or quarantined)"),
            ),
            insert_only=("storage_key",),
            checksum=("id", "user_id", "trip_id", "wallet_type", "name"),
        ),
        Table(
            source="wallet_audit_log",
            target="wallet_walletauditlog",
            columns=(
                "id",
                "user_id",
                "document_id",
                "action",
                "ip_address",
                "user_agent",
                "created_at",
            ),
            query=f"""
                SELECT a.id, a.user_id, a.document_id, a.action::varchar,
                       coalesce(a.ip_address, '')::varchar AS ip_address,
                       coalesce(a.user_agent, '') AS user_agent, a.created_at,
                       CASE WHEN a.action NOT IN {AUDIT_ACTIONS}
                            THEN 'unknown action ' || quote_literal(a.action) END AS _reason,
                       a.created_at AS _ts, a.id::text AS _sid
                  FROM wallet_audit_log a
            """,
            append_only=True,
            checksum=("id", "user_id", "document_id", "action"),
        ),
    ]


SKIPPED = (
    Skipped("user_profiles", "merged into auth.users"),
    Skipped("chat_groups", "collapsed into their trip's chat"),
    Skipped("expenses", "no counterpart"),
    Skipped("categories", "no counterpart"),
)
