"""Zappa entry points of the notifications app.

On Lambda ``@task`` turns the call into an asynchronous invocation of the same function; off
Lambda it runs inline. Either way the task takes ids, re-reads, and is safe to run twice.
"""

import logging

from zappa.asynchronous import task

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
