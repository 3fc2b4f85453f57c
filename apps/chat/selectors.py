"""Reads of chat shaped for the API: history pages, reaction summaries and unread counts, each in
a fixed number of queries however long the history is.

History is keyset-paginated on ``(created_at, id)`` descending. The cursor names the last row a
page returned, so rows inserted while someone scrolls (always newer) never shift later pages:
no duplicates, no gaps.
"""

import base64
import binascii
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, FilteredRelation, Q, QuerySet

from apps.chat.models import ChatMessage, ChatReaction
from apps.core.errors import ApplicationError, NotFound
from apps.users.models import User

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 200


@dataclass(frozen=True)
class Position:
    """A place in a trip's history: just after (older than) this message."""

    created_at: datetime
    id: uuid.UUID


def encode_cursor(message) -> str:
    raw = f"{message.created_at.isoformat()}|{message.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def invalid_cursor() -> ApplicationError:
    return ApplicationError(
        "The cursor is not one this API returned.",
        code="invalid_cursor",
        details={"cursor": ["Pass the nextCursor of the previous page unchanged."]},
    )


def decode_cursor(cursor: str) -> Position:
    """The position an opaque cursor names; anything we did not issue is a 400."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, message_id = raw.split("|")
        position = Position(datetime.fromisoformat(created_at), uuid.UUID(message_id))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_cursor() from None
    if position.created_at.tzinfo is None:
        raise invalid_cursor()
    return position


# A page is read with values(): the message columns ChatMessageSerializer shows and, of its
# sender, what the sender summary shows (``deleted_at`` for "Deleted user"). Building model
# instances for 50 messages and their senders was the largest part of a page's CPU time.
SENDER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "avatar_url",
    "avatar_key",
    "deleted_at",
)
_MESSAGE_FIELDS = (
    "id",
    "trip_id",
    "sender_id",
    "content",
    "reply_to_id",
    "client_message_id",
    "created_at",
    "edited_at",
    "deleted_at",
)
_PAGE_VALUES = (*_MESSAGE_FIELDS, *(f"sender__{name}" for name in SENDER_FIELDS))


class PageMessage:
    """A history row with what ChatMessageSerializer reads of a ChatMessage; senders are
    shared between a page's rows (a page has at most a trip's members as senders)."""

    __slots__ = (*_MESSAGE_FIELDS, "sender", "reaction_summary")

    def __init__(self, row: dict, sender):
        for name in _MESSAGE_FIELDS:
            setattr(self, name, row[name])
        self.sender = sender

    @property
    def pk(self):
        return self.id

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def _page_messages(rows: list[dict]) -> list[PageMessage]:
    senders: dict = {None: None}
    messages = []
    for row in rows:
        sender_id = row["sender_id"]
        if sender_id not in senders:
            fields = {name: row[f"sender__{name}"] for name in SENDER_FIELDS}
            senders[sender_id] = User(id=sender_id, **fields)
        messages.append(PageMessage(row, senders[sender_id]))
    return messages


@dataclass
class MessagePage:
    messages: list[ChatMessage]
    has_more: bool
    next_cursor: str | None
    limit: int


def _older_than(position: Position) -> Q:
    # "created_at <= t" bounds the index scan; the OR only breaks ties within one timestamp.
    return Q(created_at__lte=position.created_at) & (
        Q(created_at__lt=position.created_at) | Q(id__lt=position.id)
    )


def message_page(*, trip, viewer, limit: int = DEFAULT_PAGE_SIZE, cursor=None) -> MessagePage:
    """One page of history, newest first, with senders and the viewer's reaction summaries.

    Two queries whatever the trip holds: the page (+1 row to learn ``has_more``) with its
    senders joined, and the reaction counts of its messages.
    """
    messages = ChatMessage.objects.filter(trip=trip)
    if cursor:
        messages = messages.filter(_older_than(decode_cursor(cursor)))
    values = list(messages.order_by("-created_at", "-id").values(*_PAGE_VALUES)[: limit + 1])
    has_more = len(values) > limit
    rows = _page_messages(values[:limit])
    attach_reaction_summaries(rows, viewer=viewer)
    return MessagePage(
        messages=rows,
        has_more=has_more,
        next_cursor=encode_cursor(rows[-1]) if has_more and rows else None,
        limit=limit,
    )


def attach_reaction_summaries(messages: list, *, viewer) -> list:
    """Set ``reaction_summary`` (``[{emoji, count, reacted_by_me}]``, in the order the emojis
    first appeared) on each message, from one query for all of them. The reactions are
    counted here rather than grouped in SQL: a page's are few (bounded per message), and the
    plain query costs half the CPU of the aggregate (bench/api_latency.py)."""
    by_id = {}
    for message in messages:
        message.reaction_summary = []
        by_id[message.pk] = message
    if not by_id:
        return messages
    viewer_id = getattr(viewer, "pk", None)
    groups: dict = {}
    rows = (
        ChatReaction.objects.filter(message_id__in=by_id)
        .order_by("created_at", "emoji")
        .values_list("message_id", "emoji", "user_id")
    )
    for message_id, emoji, user_id in rows:
        group = groups.get((message_id, emoji))
        if group is None:
            group = {"emoji": emoji, "count": 0, "reacted_by_me": False}
            groups[(message_id, emoji)] = group
            by_id[message_id].reaction_summary.append(group)
        group["count"] += 1
        group["reacted_by_me"] = group["reacted_by_me"] or user_id == viewer_id
    return messages


def message_not_found() -> NotFound:
    return NotFound("Message not found.", code="message_not_found")


def as_uuid(value) -> uuid.UUID | None:
    """A UUID from what a socket or URL sent, or None: ids arrive as strings over WebSockets."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def message_in_trip(*, trip, message_id) -> ChatMessage:
    """A message of this trip; one of another trip is as missing as one that never existed."""
    key = as_uuid(message_id)
    if key is None:
        raise message_not_found()
    message = ChatMessage.objects.select_related("sender").filter(trip=trip, pk=key).first()
    if message is None:
        raise message_not_found()
    return message


def reaction_list(*, trip, message_id) -> QuerySet[ChatReaction]:
    message = message_in_trip(trip=trip, message_id=message_id)
    return ChatReaction.objects.filter(message=message).order_by("created_at", "id")


def unread_counts_for(user, trip_ids: Iterable) -> dict[uuid.UUID, int]:
    """Per trip, the live messages others sent after the user's read mark (all of them if the
    user never marked any), in one query: the user's read state is LEFT JOINed, not looked
    up per message. Trips without unread messages map to 0."""
    ids = [t if isinstance(t, uuid.UUID) else uuid.UUID(str(t)) for t in trip_ids]
    if not ids:
        return {}
    counts = dict.fromkeys(ids, 0)
    rows = (
        ChatMessage.objects.filter(trip_id__in=ids, deleted_at__isnull=True)
        .exclude(sender_id=user.pk)
        .annotate(
            mark=FilteredRelation(
                "trip__chat_read_states", condition=Q(trip__chat_read_states__user_id=user.pk)
            )
        )
        .filter(
            Q(mark__last_read_at__isnull=True)
            | Q(created_at__gt=F("mark__last_read_at"))
            | Q(created_at=F("mark__last_read_at"), id__gt=F("mark__last_read_message_id"))
        )
        .order_by()
        .values("trip_id")
        .annotate(unread=Count("id"))
    )
    counts.update({row["trip_id"]: row["unread"] for row in rows})
    return counts


def unread_count(*, trip, user) -> int:
    return unread_counts_for(user, [trip.pk])[trip.pk]
