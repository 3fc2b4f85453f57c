"""The human text of a notification, derived from its type and metadata (contract §10).

A pure function so the REST list, the ``notification.created`` event and the push body all say
the same thing, and so old rows pick up wording fixes without a data migration.
"""

from collections.abc import Mapping
from typing import Any

GENERIC_MESSAGE = "You have a new notification"


def _text(metadata: Mapping[str, Any], *keys: str, default: str) -> str:
    """The first key holding a non-blank string; anything else (missing, null, a number) falls
    back, as the old backend's ``getStringFromMap`` did."""
    for key in keys:
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return default


def _invitation(m):
    inviter = _text(m, "inviterName", default="Someone")
    return f"{inviter} invited you to {_text(m, 'tripName', default='a trip')}"


def _invitation_accepted(m):
    invitee = _text(m, "inviteeName", default="Someone")
    return f"{invitee} accepted your invitation to {_text(m, 'tripName', default='your trip')}"


def _invitation_declined(m):
    invitee = _text(m, "inviteeName", default="Someone")
    return f"{invitee} declined your invitation to {_text(m, 'tripName', default='your trip')}"


def _chat(m):
    return f"{_text(m, 'senderName', default='Someone')} sent a message"


def _member_joined(m):
    member = _text(m, "addedUserName", "memberName", default="A new member")
    return f"{member} joined {_text(m, 'tripName', default='your trip')}"


def _trip_updated(m):
    return f"{_text(m, 'tripName', default='Your trip')} has been updated"


def _todo_assigned(m):
    assigner = _text(m, "assignerName", default="Someone")
    return f"{assigner} assigned you: {_text(m, 'todoTitle', default='a task')}"


def _todo_completed(m):
    completer = _text(m, "completerName", default="Someone")
    return f"{completer} completed: {_text(m, 'todoTitle', default='a task')}"


def _member_left(m):
    member = _text(m, "memberName", default="A member")
    return f"{member} left {_text(m, 'tripName', default='your trip')}"


def _wallet_expiring(m):
    document = _text(m, "documentName", default="A document")
    if m.get("reason") == "passport_validity":
        trip = _text(m, "tripName", default="your trip")
        return f"{document} expires less than six months after {trip} ends"
    days = m.get("daysLeft")
    if isinstance(days, int) and not isinstance(days, bool):
        return f"{document} expires in {days} day{'' if days == 1 else 's'}"
    return f"{document} expires soon"


_BUILDERS = {
    "TRIP_INVITATION": _invitation,
    "TRIP_INVITATION_RECEIVED": _invitation,
    "TRIP_INVITATION_ACCEPTED": _invitation_accepted,
    "TRIP_INVITATION_DECLINED": _invitation_declined,
    "CHAT_MESSAGE": _chat,
    "NEW_CHAT_MESSAGE": _chat,
    "MEMBER_ADDED": _member_joined,
    "TRIP_MEMBER_JOINED": _member_joined,
    "MEMBERSHIP_CHANGE": _member_joined,
    "TRIP_UPDATE": _trip_updated,
    "TRIP_UPDATED": _trip_updated,
    "TODO_ASSIGNED": _todo_assigned,
    "TASK_ASSIGNED": _todo_assigned,
    "TODO_COMPLETED": _todo_completed,
    "TASK_COMPLETED": _todo_completed,
    "TRIP_MEMBER_LEFT": _member_left,
    "WALLET_DOCUMENT_EXPIRING": _wallet_expiring,
}


def notification_message(type: str, metadata: Any) -> str:
    """The message the app shows. The table gives ``{tripName}`` no fallback; a missing trip
    name reads "your trip" rather than leaving a hole in the sentence."""
    builder = _BUILDERS.get(type)
    if builder is None:
        return GENERIC_MESSAGE
    return builder(metadata if isinstance(metadata, Mapping) else {})
