"""Users' entry points for Zappa: schedules (``events`` in zappa_settings.json), async tasks.

Zappa calls a scheduled function with ``(event, context)`` and an async task with the task's own
arguments, in an invocation that is not a request: nothing closes the database connection for
it, so each entry point does that itself. Every task is safe to run twice.
"""

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from apps.core.tasks import fresh_connections
from apps.users.models import PushToken, User
from apps.users.services import user_finish_deletion

logger = logging.getLogger(__name__)

STALE_PUSH_TOKEN_DAYS = 90


@fresh_connections
def deactivate_stale_push_tokens(event=None, context=None, *, days: int = STALE_PUSH_TOKEN_DAYS):
    """Weekly: deactivate push tokens not used for ``days`` (counting from creation if never
    used), so notifications stop going to devices that are gone. Returns how many it turned off.
    """
    now = timezone.now()
    cutoff = now - timedelta(days=days)
    count = (
        PushToken.objects.filter(is_active=True)
        .filter(Q(last_used_at__lt=cutoff) | Q(last_used_at__isnull=True, created_at__lt=cutoff))
        .update(is_active=False, updated_at=now)
    )
    logger.info("deactivated %d push tokens unused for %d days", count, days)
    return count


@fresh_connections
def finish_account_deletions(event=None, context=None) -> int:
    """Hourly: retry the Cognito (and avatar) step of account deletions that could not finish
    when they were made. Returns how many are still incomplete."""
    pending = User.objects.filter(deleted_at__isnull=False, identity_deleted_at__isnull=True)
    left = sum(not user_finish_deletion(user_id=pk) for pk in pending.values_list("pk", flat=True))
    logger.info("account deletions still incomplete: %d", left)
    return left
