"""The daily trip-status schedule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from apps.trips.models import Trip, TripStatus
from apps.trips.tasks import advance_trip_statuses
from tests.factories import MembershipFactory, TripFactory
from tests.trips.events import trip_events

pytestmark = pytest.mark.django_db


def test_trips_start_and_complete_by_date_and_members_hear_of_it(capture_events):
    today = timezone.localdate()
    starting = TripFactory(status=TripStatus.PLANNING, start_date=today, end_date=today)
    member = MembershipFactory(trip=starting).user
    ended = TripFactory(
        status=TripStatus.ACTIVE,
        start_date=today - timedelta(days=5),
        end_date=today - timedelta(days=1),
    )
    future = TripFactory(
        status=TripStatus.PLANNING,
        start_date=today + timedelta(days=1),
        end_date=today + timedelta(days=2),
    )
    ongoing = TripFactory(status=TripStatus.ACTIVE, start_date=today, end_date=today)

    with capture_events() as events:
        assert advance_trip_statuses({}, None) == {"ACTIVE": 1, "COMPLETED": 1}

    statuses = dict(Trip.objects.values_list("pk", "status"))
    assert statuses[starting.pk] == TripStatus.ACTIVE
    assert statuses[ended.pk] == TripStatus.COMPLETED
    assert statuses[future.pk] == TripStatus.PLANNING
    assert statuses[ongoing.pk] == TripStatus.ACTIVE
    published = {(e.type, e.trip_id, e.user_id) for e in trip_events(events)}
    assert ("TRIP_STATUS_UPDATED", str(starting.pk), "") in published
    assert ("TRIP_STATUS_UPDATED", str(ended.pk), "") in published
    assert Notification.objects.filter(user=member, type="TRIP_UPDATED").exists()

    # A second run finds nothing left to move.
    assert advance_trip_statuses({}, None) == {"ACTIVE": 0, "COMPLETED": 0}


def test_the_schedule_can_be_turned_off(settings):
    settings.TRIP_STATUS_AUTO_ADVANCE = False
    today = timezone.localdate()
    trip = TripFactory(status=TripStatus.PLANNING, start_date=today, end_date=today)
    assert advance_trip_statuses({}, None) == {"ACTIVE": 0, "COMPLETED": 0}
    trip.refresh_from_db()
    assert trip.status == TripStatus.PLANNING
