"""Zappa schedules of the wallet (``events`` in zappa_settings.json). Both are safe to run
twice: the purge finds nothing more, and each reminder is recorded once."""

import logging

from apps.core.tasks import fresh_connections
from apps.wallet import services

logger = logging.getLogger(__name__)


@fresh_connections
def purge_deleted_documents(event=None, context=None) -> int:
    """Daily: delete rows of documents deleted over 30 days ago (and their objects, again)."""
    purged = services.documents_purge()
    logger.info("purged %d deleted wallet documents", purged)
    return purged


@fresh_connections
def send_expiry_reminders(event=None, context=None) -> int:
    """Daily: expiry reminders (90, 30, 7 days) and passport-validity warnings for trips."""
    sent = services.expiry_reminders_send()
    logger.info("sent %d wallet expiry reminders", sent)
    return sent
