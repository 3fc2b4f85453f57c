"""The scheduled purge: what it deletes, what it keeps, and that it never changes the map."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.locations.models import Location
from apps.locations.selectors import location_list_for_trip
from apps.locations.tasks import purge_locations
from tests.factories import LocationFactory, MembershipFactory, TripFactory

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def trip():
    return TripFactory()


def member_of(trip):
    return MembershipFactory(trip=trip).user


def remaining() -> set:
    return set(Location.objects.values_list("pk", flat=True))


def map_of(trip, now) -> list:
    return [(row.pk, row.user_id) for row in location_list_for_trip(trip=trip, now=now)]


def test_history_past_the_retention_window_goes_but_the_latest_shared_row_stays(trip, now):
    user = member_of(trip)
    old = [LocationFactory(user=user, trip=trip, recorded_at=now - h * HOUR) for h in (30, 27)]
    latest = LocationFactory(user=user, trip=trip, recorded_at=now - 26 * HOUR)

    count = purge_locations(now=now)

    assert count == 2
    assert remaining() == {latest.pk}
    assert all(not Location.objects.filter(pk=row.pk).exists() for row in old)


def test_recent_history_is_kept(trip, now):
    user = member_of(trip)
    rows = [LocationFactory(user=user, trip=trip, recorded_at=now - h * HOUR) for h in (23, 1)]

    assert purge_locations(now=now) == 0
    assert remaining() == {row.pk for row in rows}


@pytest.mark.parametrize(
    "state",
    [{"privacy": "hidden"}, {"is_sharing_enabled": False}],
    ids=["hidden", "sharing disabled"],
)
def test_an_old_latest_row_nobody_may_see_goes(trip, now, state):
    user = member_of(trip)
    LocationFactory(user=user, trip=trip, recorded_at=now - 30 * HOUR)
    LocationFactory(user=user, trip=trip, recorded_at=now - 25 * HOUR, **state)

    assert purge_locations(now=now) == 2
    assert remaining() == set()


def test_a_recent_hidden_row_stays_to_mask_older_ones(trip, now):
    user = member_of(trip)
    older = LocationFactory(user=user, trip=trip, recorded_at=now - 2 * HOUR)
    hidden = LocationFactory(user=user, trip=trip, recorded_at=now - HOUR, privacy="hidden")

    assert purge_locations(now=now) == 0
    assert remaining() == {older.pk, hidden.pk}


def test_an_expired_row_goes_with_everything_before_it(trip, now):
    user = member_of(trip)
    LocationFactory(user=user, trip=trip, recorded_at=now - 3 * HOUR)
    LocationFactory(user=user, trip=trip, recorded_at=now - 2 * HOUR, sharing_expires_at=now - HOUR)
    after = LocationFactory(user=user, trip=trip, recorded_at=now - 30 * timedelta(minutes=1))

    assert purge_locations(now=now) == 2
    # The earlier precise row does not come back as the member's latest position.
    assert remaining() == {after.pk}


def test_sharing_that_has_not_expired_yet_is_kept(trip, now):
    row = LocationFactory(
        user=member_of(trip), trip=trip, recorded_at=now - HOUR, sharing_expires_at=now + HOUR
    )

    assert purge_locations(now=now) == 0
    assert remaining() == {row.pk}


def test_purge_works_per_user_and_per_trip(trip, now):
    first, second = member_of(trip), member_of(trip)
    other_trip = MembershipFactory(user=first).trip
    # ``first`` expired in ``trip`` only; ``second`` is untouched by it.
    LocationFactory(user=first, trip=trip, recorded_at=now - 2 * HOUR, sharing_expires_at=now)
    kept_elsewhere = LocationFactory(user=first, trip=other_trip, recorded_at=now - 3 * HOUR)
    kept_second = LocationFactory(user=second, trip=trip, recorded_at=now - 3 * HOUR)

    assert purge_locations(now=now) == 1
    assert remaining() == {kept_elsewhere.pk, kept_second.pk}


def test_legacy_rows_without_a_trip_follow_the_same_rules(now):
    user = member_of(TripFactory())
    LocationFactory(user=user, trip=None, recorded_at=now - 40 * HOUR)
    latest = LocationFactory(user=user, trip=None, recorded_at=now - 30 * HOUR)
    LocationFactory(
        user=member_of(TripFactory()),
        trip=None,
        recorded_at=now - 3 * HOUR,
        sharing_expires_at=now - HOUR,
    )

    assert purge_locations(now=now) == 2
    assert remaining() == {latest.pk}


def test_retention_window_comes_from_settings(trip, now, settings):
    settings.LOCATION_RETENTION_HOURS = 2
    user = member_of(trip)
    LocationFactory(user=user, trip=trip, recorded_at=now - 3 * HOUR)
    latest = LocationFactory(user=user, trip=trip, recorded_at=now - HOUR)

    assert purge_locations(now=now) == 1
    assert remaining() == {latest.pk}


def test_purge_is_idempotent_and_the_scheduler_signature_works(trip, now):
    user = member_of(trip)
    LocationFactory(user=user, trip=trip, recorded_at=now - 30 * HOUR)
    LocationFactory(user=user, trip=trip, recorded_at=now - 29 * HOUR)

    assert purge_locations({"source": "aws.events"}, None) == 1
    assert purge_locations({"source": "aws.events"}, None) == 0
    assert Location.objects.count() == 1


def test_purge_never_changes_what_the_map_shows(trip, now):
    scenarios = [
        [{"h": 30}, {"h": 26}],
        [{"h": 30}, {"h": 25, "privacy": "hidden"}],
        [{"h": 3}, {"h": 2, "expires": -1}],
        [{"h": 3}, {"h": 2, "expires": +1}],
        [{"h": 50}, {"h": 2, "is_sharing_enabled": False}],
        [{"h": 5, "expires": -4}, {"h": 1}],
        [{"h": 40, "privacy": "approximate"}],
    ]
    for rows in scenarios:
        user = member_of(trip)
        for row in rows:
            expires = row.pop("expires", None)
            LocationFactory(
                user=user,
                trip=trip,
                recorded_at=now - row.pop("h") * HOUR,
                sharing_expires_at=now + expires * HOUR if expires is not None else None,
                **row,
            )
    before = map_of(trip, now)

    assert purge_locations(now=now) > 0
    assert map_of(trip, now) == before
    assert len(before) == 4
