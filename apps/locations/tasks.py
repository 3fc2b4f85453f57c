"""Entry points Zappa calls for locations (``events`` in zappa_settings.json). Safe to run twice."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.tasks import fresh_connections
from apps.locations.services import location_purge

logger = logging.getLogger(__name__)


@fresh_connections
def purge_locations(event=None, context=None, *, now=None) -> int:
    """Every 15 minutes: delete expired locations and history past the retention window
    (``LOCATION_RETENTION_HOURS``); see ``location_purge``. Returns how many rows went."""
    count = location_purge(
        now=now or timezone.now(),
        retention=timedelta(hours=settings.LOCATION_RETENTION_HOURS),
    )
    logger.info("purged %d locations", count)
    return count
