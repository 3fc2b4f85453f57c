"""Zappa entry points of the trips app: the daily status advance by date."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.tasks import fresh_connections
from apps.trips.models import Trip, TripStatus
from apps.trips.services import trip_change_status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SystemActor:
    """Who changed a trip when nobody did: the schedule. Events carry no user id."""

    pk: None = None
    display_name: str = "NomadCrew"


@fresh_connections
def advance_trip_statuses(event=None, context=None) -> dict[str, int]:
    """Daily: PLANNING trips start on their start date, ACTIVE ones complete after their end
    date, through the same service (events, notifications) as a manual change. Idempotent: a
    trip already moved is no longer selected. ``TRIP_STATUS_AUTO_ADVANCE=false`` turns it off.
    """
    moved = {TripStatus.ACTIVE: 0, TripStatus.COMPLETED: 0}
    if not settings.TRIP_STATUS_AUTO_ADVANCE:
        return {str(k): v for k, v in moved.items()}
    today = timezone.localdate()
    due = [
        (TripStatus.ACTIVE, Trip.objects.filter(status=TripStatus.PLANNING, start_date__lte=today)),
        (TripStatus.COMPLETED, Trip.objects.filter(status=TripStatus.ACTIVE, end_date__lt=today)),
    ]
    for target, trips in due:
        for trip in trips.filter(deleted_at__isnull=True).only("pk").iterator():
            try:
                trip_change_status(trip=trip, actor=SystemActor(), status=target)
            except ApplicationError:
                continue  # changed by someone meanwhile; the next run sees its new state
            moved[target] += 1
    logger.info("advanced trip statuses: %s", moved)
    return {str(k): v for k, v in moved.items()}
