"""Zappa entry points of the notifications app.

On Lambda ``@task`` turns the call into an asynchronous invocation of the same function; off
Lambda it runs inline. Either way the task takes ids, re-reads, and is safe to run twice.
"""

import logging
from datetime import timedelta

from django.utils import timezone
from zappa.asynchronous import task

from apps.core.tasks import fresh_connections
from apps.notifications.models import Notification
from apps.notifications.services import notification_push

logger = logging.getLogger(__name__)


@task
def send_push_notifications(notification_ids: list[str]) -> None:
    """Push the notifications to their recipients' phones. Never raises: a failed push must
    not fail the request (or the invocation) that created the notification."""
    try:
        result = notification_push(notification_ids=notification_ids)
    except Exception:
        logger.exception("push task failed for notifications %s", notification_ids)
        return
    if result.claimed:
        logger.info(
            "push: %d notifications, %d messages accepted, %d failed batches, "
            "%d tokens deactivated",
            result.claimed,
            result.sent,
            result.failed_batches,
            result.deactivated_tokens,
        )


READ_NOTIFICATION_RETENTION = timedelta(days=30)


@fresh_connections
def purge_read_notifications(event=None, context=None) -> int:
    """Daily: delete notifications read more than 30 days ago; unread ones stay. Idempotent."""
    cutoff = timezone.now() - READ_NOTIFICATION_RETENTION
    deleted, _ = Notification.objects.filter(read=True, read_at__lt=cutoff).delete()
    logger.info("purged %d read notifications older than %s", deleted, cutoff.date())
    return deleted
