"""Writes to notifications, and their delivery: the user's socket (event) and phone (push).

Other apps call ``notification_create`` / ``notification_create_many`` inside their own
transactions; the event and the push task both wait for that transaction to commit, so a
rolled-back invitation never notifies anyone.
"""

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from apps.core import event_catalogue as catalogue
from apps.core import metrics
from apps.core.errors import ApplicationError, NotFound
from apps.core.events import publish_many
from apps.notifications import push
from apps.notifications.models import Notification, NotificationType
from apps.notifications.serializers import notification_payload
from apps.users.models import PushToken

logger = logging.getLogger(__name__)

EVENT_SOURCE = "NotificationService"


def _clean_metadata(metadata: dict[str, Any] | None) -> dict[str, Any]:
    """JSON-safe copy (UUIDs, datetimes become strings), so the object in memory, the event
    payload and the stored row are the same data."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise TypeError("notification metadata must be a dict")
    return json.loads(json.dumps(metadata, cls=DjangoJSONEncoder))


def _check_type(notification_type: str) -> None:
    if notification_type not in NotificationType.values:
        raise ValueError(f"unknown notification type {notification_type!r}")


def _announce(notifications: list[Notification]) -> None:
    # One event per recipient (each addressed to that user only), delivered as one batch.
    publish_many(
        [
            catalogue.NOTIFICATION_CREATED.spec(
                user_id=notification.user_id,
                recipient_user_ids=[notification.user_id],
                payload=notification_payload(notification),
                source=EVENT_SOURCE,
            )
            for notification in notifications
        ]
    )
    if settings.EXPO_PUSH_ENABLED and notifications:
        ids = [str(n.id) for n in notifications]
        transaction.on_commit(partial(_dispatch_push, ids), robust=True)


def _dispatch_push(notification_ids: list[str]) -> None:
    """Hand over to the task (an async Lambda invocation on AWS, inline elsewhere)."""
    from apps.notifications.tasks import send_push_notifications

    try:
        send_push_notifications(notification_ids)
    except Exception:
        logger.exception("could not dispatch push for notifications %s", notification_ids)


def notification_create(
    *,
    user_id,
    type: str,
    metadata: dict[str, Any] | None = None,
) -> Notification:
    """Store one notification; after commit, tell the recipient's sockets and phones."""
    _check_type(type)
    # One INSERT is atomic on its own: no savepoint inside a caller's transaction.
    with transaction.atomic(savepoint=False):
        notification = Notification.objects.create(
            user_id=user_id, type=type, metadata=_clean_metadata(metadata)
        )
        _announce([notification])
    return notification


def notification_create_many(
    *,
    user_ids: Iterable,
    type: str,
    metadata: dict[str, Any] | None = None,
) -> list[Notification]:
    """The same notification for many recipients (chat fan-out): one INSERT, one event per
    recipient (each addressed to that user only) and one push task for all of them."""
    _check_type(type)
    clean = _clean_metadata(metadata)
    recipients = list(dict.fromkeys(uuid.UUID(str(u)) for u in user_ids))  # unique, in order
    if not recipients:
        return []
    with transaction.atomic(savepoint=False):  # one INSERT: no savepoint needed
        notifications = Notification.objects.bulk_create(
            [Notification(user_id=r, type=type, metadata=dict(clean)) for r in recipients]
        )
        _announce(notifications)
    return notifications


def _own(user, notification_id) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:
        # Someone else's notification is indistinguishable from a missing one.
        raise NotFound("Notification not found.", code="notification_not_found")
    return notification


def parse_notification_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise ApplicationError(
            "The notification id must be a UUID.", code="invalid_notification_id"
        ) from None


def notification_mark_read(*, user, notification_id) -> Notification:
    """Idempotent: marking a read notification again keeps its first ``read_at``."""
    notification = _own(user, notification_id)
    if not notification.read:
        notification.read = True
        notification.read_at = timezone.now()
        notification.save(update_fields=["read", "read_at", "updated_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    now = timezone.now()
    return Notification.objects.filter(user=user, read=False).update(
        read=True, read_at=now, updated_at=now
    )


def notification_delete(*, user, notification_id) -> None:
    _own(user, notification_id).delete()


def notification_delete_all(*, user) -> int:
    deleted, _ = Notification.objects.filter(user=user).delete()
    return deleted


# --- Push ------------------------------------------------------------------------------------


@dataclass
class PushResult:
    """What one run of the push task did (for logs and tests)."""

    claimed: int = 0
    sent: int = 0
    failed_batches: int = 0
    deactivated_tokens: int = 0
    released: list[str] = field(default_factory=list)  # not delivered: for a retry
    ticket_errors: list[str] = field(default_factory=list)


def _valid_ids(notification_ids: Iterable) -> list[uuid.UUID]:
    ids = []
    for raw in notification_ids:
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            logger.warning("push: ignoring malformed notification id %r", raw)
    return ids


def _claim(ids: list[uuid.UUID]) -> list[Notification]:
    """Mark unpushed notifications as taken before sending, so two runs (a retry, a duplicate
    invocation) never both send: the second finds ``pushed_at`` set or the rows locked."""
    with transaction.atomic():
        claimed = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, pushed_at__isnull=True)
            .order_by("created_at", "id")
        )
        if claimed:
            Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
                pushed_at=timezone.now()
            )
    return claimed


def notification_push(*, notification_ids: Iterable) -> PushResult:
    """Send the notifications to every active device of their recipients through Expo.

    Transport failures (network, 5xx) are logged, not raised: a notification none of whose
    messages reached Expo is released (``pushed_at`` cleared) and listed in ``released``, and the
    task raises for those so Lambda retries it.
    """
    result = PushResult()
    if not settings.EXPO_PUSH_ENABLED:
        return result
    claimed = _claim(_valid_ids(notification_ids))
    result.claimed = len(claimed)
    if not claimed:
        return result

    tokens_by_user: dict[Any, list[PushToken]] = {}
    for token in PushToken.objects.filter(
        user_id__in={n.user_id for n in claimed}, is_active=True
    ).order_by("created_at", "id"):
        tokens_by_user.setdefault(token.user_id, []).append(token)

    outgoing = [  # (notification, token, message)
        (n, t, push.build_message(n, t.token))
        for n in claimed
        for t in tokens_by_user.get(n.user_id, [])
    ]
    delivered: set = set()
    undelivered: set = set()
    ok_tokens: set = set()
    dead_tokens: set = set()
    for start in range(0, len(outgoing), push.BATCH_SIZE):
        batch = outgoing[start : start + push.BATCH_SIZE]
        batch_ids = sorted({str(n.id) for n, _, _ in batch})
        try:
            tickets = push.send_batch([message for _, _, message in batch])
        except push.PushTransportError as exc:
            result.failed_batches += 1
            metrics.count("PushFailures", len(batch))
            undelivered.update(n.id for n, _, _ in batch)
            logger.error("push: Expo request failed (%s) for notifications %s", exc, batch_ids)
            continue
        if len(tickets) != len(batch):
            logger.warning(
                "push: Expo returned %d tickets for %d messages (notifications %s)",
                len(tickets),
                len(batch),
                batch_ids,
            )
        delivered.update(n.id for n, _, _ in batch)
        for (notification, token, _), ticket in zip(batch, tickets, strict=False):
            error = push.ticket_error(ticket)
            if error is None:
                result.sent += 1
                ok_tokens.add(token.pk)
            elif error == push.DEVICE_NOT_REGISTERED:
                dead_tokens.add(token.pk)
            else:
                result.ticket_errors.append(error)
                logger.warning(
                    "push: Expo refused notification %s for token %s: %s",
                    notification.id,
                    token.pk,
                    ticket,
                )

    now = timezone.now()
    if dead_tokens:
        result.deactivated_tokens = PushToken.objects.filter(pk__in=dead_tokens).update(
            is_active=False, updated_at=now
        )
    if ok_tokens:
        PushToken.objects.filter(pk__in=ok_tokens).update(last_used_at=now)
    released = undelivered - delivered
    if released:
        Notification.objects.filter(pk__in=released).update(pushed_at=None)
        result.released = sorted(str(pk) for pk in released)
    return result
