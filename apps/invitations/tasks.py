"""Zappa entry points of the invitations app: the email task, its resend schedule and the hourly
expiry schedule.

On Lambda ``@task`` turns the call into an asynchronous invocation of the same function; off
Lambda it runs inline. An invocation that is not a request has nothing closing its database
connection, so each entry point drops unusable ones itself. All are safe to run twice.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from zappa.asynchronous import task

from apps.core.tasks import UnsentMessages, fresh_connections
from apps.invitations import selectors, services

logger = logging.getLogger(__name__)


@task
@fresh_connections
def send_invitation_email(invitation_id: str) -> bool:
    """Email the invitee their link, once: a second run finds ``email_sent_at`` set and does
    nothing. A failed send releases the claim and raises, so Lambda retries the invocation and
    then dead-letters it; the resend schedule picks up whatever is still unsent."""
    try:
        uuid.UUID(str(invitation_id))
    except ValueError:  # no retry can mend a malformed id
        logger.warning("invitation email: ignoring malformed invitation id %r", invitation_id)
        return False
    sent = services.invitation_send_email(invitation_id=invitation_id)
    if sent:
        logger.info("invitation email sent for %s", invitation_id)
    return sent


@fresh_connections
def resend_unsent_invitation_emails(event=None, context=None) -> int:
    """Every 15 minutes (``events``): send the emails still unsent past
    ``UNSENT_RESEND_AFTER_MINUTES`` (their task failed every retry, or was never invoked).
    Returns how many went out; raises after trying them all if any failed again."""
    due_before = timezone.now() - timedelta(minutes=settings.UNSENT_RESEND_AFTER_MINUTES)
    sent, failed = 0, []
    for invitation_id in selectors.invitation_ids_awaiting_email(due_before=due_before):
        try:
            sent += services.invitation_send_email(invitation_id=invitation_id)
        except Exception:
            logger.exception("invitation email resend failed for %s", invitation_id)
            failed.append(str(invitation_id))
    logger.info("resent %d invitation emails, %d failed", sent, len(failed))
    if failed:
        raise UnsentMessages(f"{len(failed)} invitation emails still unsent: {failed}")
    return sent


@fresh_connections
def expire_pending_invitations(event=None, context=None) -> int:
    """Hourly (``events`` in zappa_settings.json): PENDING invitations past their expiry become
    EXPIRED. Returns how many changed."""
    count = services.invitation_expire_overdue()
    logger.info("expired %d pending invitations", count)
    return count
