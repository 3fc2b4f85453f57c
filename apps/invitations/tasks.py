"""Zappa entry points of the invitations app: the email task and the hourly expiry schedule.

On Lambda ``@task`` turns the call into an asynchronous invocation of the same function; off
Lambda it runs inline. An invocation that is not a request has nothing closing its database
connection, so each entry point drops unusable ones itself. Both are safe to run twice.
"""

import logging

from zappa.asynchronous import task

from apps.core.tasks import fresh_connections
from apps.invitations import services

logger = logging.getLogger(__name__)


@task
@fresh_connections
def send_invitation_email(invitation_id: str) -> bool:
    """Email the invitee their link, once: a second run finds ``email_sent_at`` set and does
    nothing. Never raises (the request that scheduled it has already answered)."""
    try:
        sent = services.invitation_send_email(invitation_id=invitation_id)
    except Exception:
        logger.exception("invitation email failed for %s", invitation_id)
        return False
    if sent:
        logger.info("invitation email sent for %s", invitation_id)
    return sent


@fresh_connections
def expire_pending_invitations(event=None, context=None) -> int:
    """Hourly (``events`` in zappa_settings.json): PENDING invitations past their expiry become
    EXPIRED. Returns how many changed."""
    count = services.invitation_expire_overdue()
    logger.info("expired %d pending invitations", count)
    return count
