"""Zappa entry points of the notifications app.

On Lambda ``@task`` turns the call into an asynchronous invocation of the same function; off
Lambda it runs inline. Either way the task takes ids, re-reads, and is safe to run twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from zappa.asynchronous import task

from apps.core.tasks import UnsentMessages, fresh_connections
from apps.notifications.models import Notification
from apps.notifications.selectors import notification_ids_awaiting_push
from apps.notifications.services import PushResult, notification_push

logger = logging.getLogger(__name__)

RESEND_CHUNK = 500  # notifications per push run in the resend schedule


def _log(result: PushResult) -> None:
    if result.claimed:
        logger.info(
            "push: %d notifications, %d messages accepted, %d failed batches, "
            "%d tokens deactivated",
            result.claimed,
            result.sent,
            result.failed_batches,
            result.deactivated_tokens,
        )


@task
@fresh_connections
def send_push_notifications(notification_ids: list[str]) -> None:
    """Push the notifications to their recipients' phones. Raises when Expo could not be
    reached for some of them (those are released, the rest stay claimed), so Lambda retries
    the invocation and then dead-letters it; the request that created them has answered."""
    result = notification_push(notification_ids=notification_ids)
    _log(result)
    if result.released:
        raise UnsentMessages(f"push not delivered for notifications {result.released}")


@fresh_connections
def resend_unpushed_notifications(event=None, context=None) -> int:
    """Every 15 minutes (``events``): push the notifications still unclaimed past
    ``UNSENT_RESEND_AFTER_MINUTES`` and younger than ``PUSH_RESEND_MAX_AGE_HOURS``. Returns how
    many were claimed; raises after trying them all if Expo stayed unreachable for some."""
    now = timezone.now()
    ids = notification_ids_awaiting_push(
        due_before=now - timedelta(minutes=settings.UNSENT_RESEND_AFTER_MINUTES),
        not_before=now - timedelta(hours=settings.PUSH_RESEND_MAX_AGE_HOURS),
    )
    claimed, released = 0, []
    for start in range(0, len(ids), RESEND_CHUNK):
        result = notification_push(notification_ids=ids[start : start + RESEND_CHUNK])
        _log(result)
        claimed += result.claimed
        released += result.released
    logger.info("push resend: %d claimed, %d still undelivered", claimed, len(released))
    if released:
        raise UnsentMessages(f"push still not delivered for notifications {released}")
    return claimed


READ_NOTIFICATION_RETENTION = timedelta(days=30)


@fresh_connections
def purge_read_notifications(event=None, context=None) -> int:
    """Daily: delete notifications read more than 30 days ago; unread ones stay. Idempotent."""
    cutoff = timezone.now() - READ_NOTIFICATION_RETENTION
    deleted, _ = Notification.objects.filter(read=True, read_at__lt=cutoff).delete()
    logger.info("purged %d read notifications older than %s", deleted, cutoff.date())
    return deleted
