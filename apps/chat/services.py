"""Writes to trip chat and their events, shared by the REST views and the WebSocket consumer.

Callers authorise first: ``message_send``, the reactions and the read mark take a trip and a
user who passed ``trip_membership_for(user, trip_id, "chat.create" | "chat.react" |
"chat.mark_read")``; edit and delete take that membership and apply the author rule themselves.
Content rules live in ``apps.chat.rules``, which the serializers' fields run too: a WebSocket
frame reaches these functions without a serializer and meets the same rules. Event payloads are
declared in ``apps.core.event_catalogue``.
"""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.chat import rules
from apps.chat.models import (
    MAX_DISTINCT_EMOJI_PER_MESSAGE,
    MAX_REACTIONS_PER_USER_PER_MESSAGE,
    ChatMessage,
    ChatReaction,
    ChatReadState,
)
from apps.chat.selectors import as_uuid, message_in_trip, message_not_found
from apps.core import event_catalogue as catalogue
from apps.core import metrics
from apps.core.errors import ApplicationError, Conflict, Forbidden
from apps.notifications.models import NotificationType
from apps.notifications.services import notification_create_many
from apps.trips.models import Membership, MembershipStatus
from apps.trips.permissions import check_author_rule

logger = logging.getLogger(__name__)

EDIT_WINDOW = timedelta(minutes=15)
PREVIEW_LENGTH = 100


# --- Event payloads --------------------------------------------------------------------------


def _timestamp(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def user_payload(user) -> dict:
    """``{id, name, avatar?}``: the user object inside chat events."""
    payload = {"id": str(user.pk), "name": user.display_name}
    avatar = user.avatar
    if avatar:
        payload["avatar"] = avatar
    return payload


def _message_sent_payload(message: ChatMessage) -> dict:
    payload = {
        "messageId": str(message.pk),
        "tripId": str(message.trip_id),
        "content": message.content,
        "user": user_payload(message.sender),
        "timestamp": _timestamp(message.created_at),
    }
    if message.reply_to_id:
        payload["replyToId"] = str(message.reply_to_id)
    if message.client_message_id:
        payload["clientMessageId"] = message.client_message_id
    return payload


# --- Messages --------------------------------------------------------------------------------


def _reply_target(*, trip, reply_to_id) -> ChatMessage | None:
    if reply_to_id is None:
        return None
    key = as_uuid(reply_to_id)
    target = ChatMessage.objects.filter(trip=trip, pk=key).only("id").first() if key else None
    if target is None:
        raise ApplicationError(
            "replyToId must be a message of this trip.",
            code="invalid_reply_to",
            details={"reply_to_id": ["No such message in this trip."]},
        )
    return target


def _notify_members(message: ChatMessage) -> None:
    """An in-app notification (and push) for every other active member. Runs in a savepoint:
    a failure here is logged and rolled back on its own, never failing the send."""
    sender = message.sender
    try:
        with transaction.atomic():
            recipients = list(
                Membership.objects.filter(trip_id=message.trip_id, status=MembershipStatus.ACTIVE)
                .exclude(user_id=sender.pk)
                .values_list("user_id", flat=True)
            )
            notification_create_many(
                user_ids=recipients,
                type=NotificationType.CHAT_MESSAGE,
                metadata={
                    "chatID": str(message.trip_id),
                    "messageID": str(message.pk),
                    "senderName": sender.display_name,
                    "messagePreview": message.content[:PREVIEW_LENGTH],
                    "tripID": str(message.trip_id),
                },
            )
    except Exception:
        logger.exception("chat: could not notify members of message %s", message.pk)


def message_send(
    *, trip, user, content, reply_to_id=None, client_message_id=None
) -> tuple[ChatMessage, bool]:
    """Store a message and announce it; ``(message, created)``.

    A repeated ``client_message_id`` from the same sender returns the stored message with
    ``created=False`` and nothing else happens. The unique constraint decides, not a lookup,
    so two concurrent retries can't both insert.
    """
    text = rules.clean_content(content)
    client_id = rules.clean_client_message_id(client_message_id)
    try:
        # No savepoint around the INSERT: a duplicate rolls back this whole block, which has
        # written nothing before it (two statements fewer per message).
        with transaction.atomic():
            reply_to = _reply_target(trip=trip, reply_to_id=reply_to_id)
            message = ChatMessage(
                trip=trip, sender=user, content=text, reply_to=reply_to, client_message_id=client_id
            )
            message.save(force_insert=True)
            catalogue.CHAT_MESSAGE_SENT.publish(
                trip_id=trip.pk,
                user_id=user.pk,
                payload=_message_sent_payload(message),
            )
            _notify_members(message)
    except IntegrityError:
        existing = (
            ChatMessage.objects.select_related("sender")
            .filter(sender=user, client_message_id=client_id)
            .first()
            if client_id
            else None
        )
        if existing is None:
            raise
        if existing.trip_id != trip.pk:
            raise Conflict(
                "This clientMessageId was already used for a message in another trip.",
                code="client_message_id_conflict",
            ) from None
        return existing, False
    metrics.count("ChatMessagesSent")
    return message, True


def _locked_message(*, trip, message_id) -> ChatMessage:
    """The trip's message, row-locked so an edit and a delete can't cross."""
    key = as_uuid(message_id)
    message = (
        ChatMessage.objects.select_for_update(of=("self",))
        .select_related("sender")
        .filter(trip=trip, pk=key)
        .first()
        if key
        else None
    )
    if message is None:
        raise message_not_found()
    return message


def message_edit(*, membership, message_id, content) -> ChatMessage:
    """The author rewrites a live message within 15 minutes of sending it."""
    text = rules.clean_content(content)
    with transaction.atomic():
        message = _locked_message(trip=membership.trip, message_id=message_id)
        check_author_rule(membership, "chat.update", message.sender_id)
        if message.is_deleted:
            raise Conflict("A deleted message cannot be edited.", code="message_deleted")
        if timezone.now() - message.created_at > EDIT_WINDOW:
            raise Forbidden(
                "Messages can only be edited within 15 minutes of sending.",
                code="edit_window_closed",
            )
        if message.content == text:
            return message  # nothing changed: no editedAt, no event
        message.content = text
        message.edited_at = timezone.now()
        message.save(update_fields=["content", "edited_at", "updated_at"])
        catalogue.CHAT_MESSAGE_EDITED.publish(
            trip_id=message.trip_id,
            user_id=membership.user_id,
            payload={
                "messageId": str(message.pk),
                "tripId": str(message.trip_id),
                "content": message.content,
            },
        )
    return message


def message_delete(*, membership, message_id) -> ChatMessage:
    """Soft delete by the author or an ADMIN+: the row stays in history without its text and
    reactions. Deleting again is a no-op."""
    with transaction.atomic():
        message = _locked_message(trip=membership.trip, message_id=message_id)
        check_author_rule(membership, "chat.delete", message.sender_id)
        if message.is_deleted:
            return message
        message.content = ""
        message.deleted_at = timezone.now()
        message.save(update_fields=["content", "deleted_at", "updated_at"])
        message.reactions.all().delete()
        catalogue.CHAT_MESSAGE_DELETED.publish(
            trip_id=message.trip_id,
            user_id=membership.user_id,
            payload={"messageId": str(message.pk), "tripId": str(message.trip_id)},
        )
    return message


# --- Reactions -------------------------------------------------------------------------------


def _reaction_payload(*, message, user, emoji) -> dict:
    return {
        "messageId": str(message.pk),
        "tripId": str(message.trip_id),
        "reaction": emoji,
        "user": user_payload(user),
    }


def _check_reaction_bounds(*, message, user, emoji) -> None:
    """A new reaction must stay within the per-message bounds. The message row is locked first,
    so concurrent reactions are counted one after another and can't overshoot together."""
    ChatMessage.objects.select_for_update().filter(pk=message.pk).values_list("pk").first()
    existing = list(ChatReaction.objects.filter(message=message).values_list("user_id", "emoji"))
    if (user.pk, emoji) in existing:
        return  # the same reaction again: nothing is added
    emojis = {e for _, e in existing}
    if sum(1 for user_id, _ in existing if user_id == user.pk) >= (
        MAX_REACTIONS_PER_USER_PER_MESSAGE
    ):
        raise Conflict(
            f"You can add at most {MAX_REACTIONS_PER_USER_PER_MESSAGE} reactions to a message.",
            code="too_many_reactions",
        )
    if emoji not in emojis and len(emojis) >= MAX_DISTINCT_EMOJI_PER_MESSAGE:
        raise Conflict(
            f"A message can carry at most {MAX_DISTINCT_EMOJI_PER_MESSAGE} different reactions.",
            code="too_many_reactions",
        )


def reaction_add(*, trip, user, message_id, emoji) -> tuple[ChatReaction, bool]:
    """``(reaction, created)``; the same emoji twice by one user is the one reaction."""
    emoji = rules.clean_emoji(emoji)
    with transaction.atomic():
        message = message_in_trip(trip=trip, message_id=message_id)
        if message.is_deleted:
            raise Conflict("A deleted message cannot be reacted to.", code="message_deleted")
        _check_reaction_bounds(message=message, user=user, emoji=emoji)
        # get_or_create inserts in a savepoint and re-reads on IntegrityError: race-safe.
        reaction, created = ChatReaction.objects.get_or_create(
            message=message, user=user, emoji=emoji
        )
        if created:
            catalogue.CHAT_REACTION_ADDED.publish(
                trip_id=trip.pk,
                user_id=user.pk,
                payload=_reaction_payload(message=message, user=user, emoji=emoji),
            )
    return reaction, created


def reaction_remove(*, trip, user, message_id, emoji) -> bool:
    """Remove the user's reaction; whether there was one (removing twice is not an error)."""
    emoji = rules.clean_emoji(emoji)
    with transaction.atomic():
        message = message_in_trip(trip=trip, message_id=message_id)
        deleted, _ = ChatReaction.objects.filter(message=message, user=user, emoji=emoji).delete()
        if deleted:
            catalogue.CHAT_REACTION_REMOVED.publish(
                trip_id=trip.pk,
                user_id=user.pk,
                payload=_reaction_payload(message=message, user=user, emoji=emoji),
            )
    return bool(deleted)


# --- Read marks and typing -------------------------------------------------------------------


def _invalid_read_target() -> ApplicationError:
    return ApplicationError(
        "lastReadMessageId must be a message of this trip.",
        code="invalid_message_id",
        details={"last_read_message_id": ["No such message in this trip."]},
    )


def _at_or_past(at, key) -> Q:
    """A stored mark that is already at or after the message ``(at, key)``."""
    return Q(last_read_at__gt=at) | Q(last_read_at=at, last_read_message_id__gte=key)


def read_receipt_update(*, trip, user, message_id) -> tuple[ChatReadState, bool]:
    """Move the user's read mark to this message if it is newer than the mark;
    ``(state, moved)``. A receipt for an older message changes nothing and announces nothing.

    The forward-only rule is a conditional UPDATE, so concurrent receipts can't move the mark
    back whatever order they commit in.
    """
    key = as_uuid(message_id)
    message = (
        ChatMessage.objects.filter(trip=trip, pk=key).only("id", "created_at").first()
        if key
        else None
    )
    if message is None:
        raise _invalid_read_target()
    at, key = message.created_at, message.pk
    now = timezone.now()
    with transaction.atomic():
        states = ChatReadState.objects.filter(trip=trip, user=user)
        moved = bool(
            states.exclude(_at_or_past(at, key)).update(
                last_read_at=at, last_read_message_id=key, updated_at=now
            )
        )
        if not moved:
            try:
                with transaction.atomic():
                    ChatReadState.objects.create(
                        trip=trip, user=user, last_read_at=at, last_read_message_id=key
                    )
                moved = True
            except IntegrityError:
                pass  # a mark exists and is already at or past this message
        state = states.get()
        if moved:
            catalogue.CHAT_READ_RECEIPT.publish(
                trip_id=trip.pk,
                user_id=user.pk,
                payload=_read_receipt_payload(user=user, trip=trip, message_id=key, moment=now),
            )
    return state, moved


def _read_receipt_payload(*, user, trip, message_id, moment) -> dict:
    payload = {
        "messageId": str(message_id),
        "tripId": str(trip.pk),
        "userId": str(user.pk),
        "userName": user.display_name,
        "timestamp": _timestamp(moment),
    }
    avatar = user.avatar
    if avatar:
        payload["userAvatar"] = avatar
    return payload


def typing_status_publish(*, trip, user, is_typing: bool) -> None:
    """Tell the trip someone started or stopped typing; nothing is stored."""
    catalogue.CHAT_TYPING_STATUS.publish(
        trip_id=trip.pk,
        user_id=user.pk,
        payload={
            "tripId": str(trip.pk),
            "userId": str(user.pk),
            "isTyping": bool(is_typing),
            "username": user.username,
        },
    )
