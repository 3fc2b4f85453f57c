"""Shared locations over HTTP: who may call what, privacy, expiry, the one-query list, events."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.locations.models import Location
from tests.factories import LocationFactory, MembershipFactory, TripFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW_MS = 1_750_000_000_000
POST_BODY = {"latitude": 38.72234, "longitude": -9.13935, "accuracy": 8.5, "timestamp": NOW_MS}


def locations_url(trip) -> str:
    return f"/v1/trips/{trip.pk}/locations"


def epoch_ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def latest_row(user, trip=None) -> Location:
    return Location.objects.filter(user=user, trip=trip).latest("recorded_at")


# --- routes x roles -------------------------------------------------------------------------

ROUTES = {
    "list": ("get", None, 200),
    "create": ("post", POST_BODY, 201),
    "update": ("put", {"latitude": 40.4168, "longitude": -3.7038}, 200),
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_every_member_may_use_every_location_route(trip_with_roles, route, role):
    method, body, expected = ROUTES[route]

    response = getattr(trip_with_roles.client(role), method)(
        locations_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == expected, response.content


@pytest.mark.parametrize("route", ROUTES)
def test_non_member_gets_404_and_stores_nothing(trip_with_roles, route):
    method, body, _ = ROUTES[route]

    response = getattr(trip_with_roles.client("stranger"), method)(
        locations_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"
    assert not Location.objects.exists()


@pytest.mark.parametrize("route", ROUTES)
def test_former_member_gets_404(trip_with_roles, route):
    method, body, _ = ROUTES[route]
    trip_with_roles.trip.memberships.filter(user=trip_with_roles.member).update(status="INACTIVE")

    response = getattr(trip_with_roles.client("member"), method)(
        locations_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_caller_gets_401(api_client, route):
    method, body, _ = ROUTES[route]

    response = getattr(api_client, method)(locations_url(TripFactory()), body, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"


def test_deleted_trip_answers_404(trip_with_roles):
    trip_with_roles.trip.deleted_at = timezone.now()
    trip_with_roles.trip.save()

    response = trip_with_roles.client("owner").get(locations_url(trip_with_roles.trip))

    assert response.status_code == 404


# --- POST -----------------------------------------------------------------------------------


def test_post_stores_a_precise_location_and_returns_it(trip_with_roles):
    member = trip_with_roles.member
    member.location_privacy_preference = "precise"
    member.save()

    response = trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), POST_BODY, format="json"
    )

    assert response.status_code == 201, response.content
    row = Location.objects.get()
    assert (row.user_id, row.trip_id) == (member.pk, trip_with_roles.trip.pk)
    assert (row.latitude, row.longitude, row.accuracy) == (38.72234, -9.13935, 8.5)
    assert (row.privacy, row.is_sharing_enabled, row.sharing_expires_at) == ("precise", True, None)
    assert response.json() == {
        "id": str(row.pk),
        "userId": str(member.pk),
        "tripId": str(trip_with_roles.trip.pk),
        "latitude": 38.72234,
        "longitude": -9.13935,
        "accuracy": 8.5,
        "privacy": "precise",
        "isSharingEnabled": True,
        "timestamp": epoch_ms(row.recorded_at),
        "userName": f"{member.first_name} {member.last_name}",
    }


def test_post_orders_by_server_time_not_the_clients_timestamp(trip_with_roles):
    before = timezone.now()

    trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), {**POST_BODY, "timestamp": 1}, format="json"
    )

    assert latest_row(trip_with_roles.member, trip_with_roles.trip).recorded_at >= before


def test_approximate_location_is_rounded_before_it_is_stored(trip_with_roles):
    body = {**POST_BODY, "privacy": "approximate"}

    response = trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == 201
    row = Location.objects.get()
    # The database never holds the precise position.
    assert (row.latitude, row.longitude) == (38.72, -9.14)
    assert row.accuracy == 1000.0  # a rounded position is worth about a kilometre
    assert not Location.objects.filter(latitude=38.72234).exists()
    body = response.json()
    assert (body["latitude"], body["longitude"], body["privacy"]) == (38.72, -9.14, "approximate")


def test_hidden_location_is_stored_coarse(trip_with_roles):
    trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), {**POST_BODY, "privacy": "hidden"}, format="json"
    )

    row = Location.objects.get()
    assert (row.latitude, row.longitude, row.privacy) == (38.72, -9.14, "hidden")


@pytest.mark.parametrize(
    ("preference", "stored"),
    [("precise", "precise"), ("approximate", "approximate"), ("hidden", "hidden")],
)
def test_without_privacy_the_profile_preference_applies(trip_with_roles, preference, stored):
    member = trip_with_roles.member
    member.location_privacy_preference = preference
    member.save()

    trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), POST_BODY, format="json"
    )

    assert Location.objects.get().privacy == stored


def test_explicit_privacy_overrides_the_profile_preference(trip_with_roles):
    member = trip_with_roles.member
    member.location_privacy_preference = "hidden"
    member.save()

    trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), {**POST_BODY, "privacy": "precise"}, format="json"
    )

    assert Location.objects.get().privacy == "precise"


def test_sharing_expiry_sets_the_expiry_time(trip_with_roles):
    before = timezone.now()

    response = trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), {**POST_BODY, "sharingExpiresIn": 600}, format="json"
    )

    row = Location.objects.get()
    assert before + timedelta(seconds=600) <= row.sharing_expires_at
    assert row.sharing_expires_at <= timezone.now() + timedelta(seconds=600)
    assert response.json()["sharingExpiresAt"] == row.sharing_expires_at.isoformat().replace(
        "+00:00", "Z"
    )


def test_sharing_expiry_is_capped_at_24_hours(trip_with_roles):
    trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip),
        {**POST_BODY, "sharing_expires_in": 10 * 24 * 3600},
        format="json",
    )

    row = Location.objects.get()
    assert row.sharing_expires_at - row.recorded_at == timedelta(hours=24)


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"latitude": -90.5}, "latitude"),
        ({"longitude": 180.01}, "longitude"),
        ({"longitude": -181}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"latitude": "NaN"}, "latitude"),
        ({"accuracy": -1}, "accuracy"),
        ({"accuracy": None}, "accuracy"),
        ({"timestamp": None}, "timestamp"),
        ({"timestamp": 0}, "timestamp"),
        ({"timestamp": 1.5}, "timestamp"),
        ({"privacy": "secret"}, "privacy"),
        ({"privacyLevel": "secret"}, "privacyLevel"),
        ({"sharingExpiresIn": 0}, "sharingExpiresIn"),
        ({"sharingExpiresIn": -60}, "sharingExpiresIn"),
        ({"isSharingEnabled": "perhaps"}, "isSharingEnabled"),
    ],
)
def test_invalid_post_is_a_400_with_the_field_and_stores_nothing(trip_with_roles, change, field):
    body = {**POST_BODY, **change}

    response = trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == 400, response.content
    error = response.json()
    assert (error["type"], error["code"]) == ("VALIDATION", "validation_error")
    assert list(error["details"]) == [field]
    assert not Location.objects.exists()


@pytest.mark.parametrize("missing", ["latitude", "longitude", "accuracy", "timestamp"])
def test_post_requires_position_accuracy_and_timestamp(trip_with_roles, missing):
    body = {key: value for key, value in POST_BODY.items() if key != missing}

    response = trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["details"]) == [missing]


def test_boundary_coordinates_are_accepted(trip_with_roles):
    body = {**POST_BODY, "latitude": -90, "longitude": 180, "accuracy": 0, "privacy": "precise"}

    response = trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == 201
    assert (Location.objects.get().latitude, Location.objects.get().longitude) == (-90, 180)


def test_equator_and_meridian_are_valid_positions(trip_with_roles):
    body = {**POST_BODY, "latitude": 0, "longitude": 0, "privacy": "precise"}

    response = trip_with_roles.client("member").post(
        locations_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == 201


# --- PUT ------------------------------------------------------------------------------------


def test_put_accepts_what_the_app_sends_without_accuracy_or_timestamp(trip_with_roles):
    response = trip_with_roles.client("member").put(
        locations_url(trip_with_roles.trip),
        {"latitude": 40.41678, "longitude": -3.70379, "privacy_level": "precise"},
        format="json",
    )

    assert response.status_code == 200, response.content
    row = Location.objects.get()
    assert (row.latitude, row.longitude, row.accuracy, row.privacy) == (
        40.41678,
        -3.70379,
        None,
        "precise",
    )
    body = response.json()
    assert body["id"] == str(row.pk)
    assert body["accuracy"] is None
    assert body["privacy"] == "precise"


@pytest.mark.parametrize("alias", ["privacyLevel", "privacy_level"])
def test_put_reads_privacy_level_as_privacy(trip_with_roles, alias):
    response = trip_with_roles.client("member").put(
        locations_url(trip_with_roles.trip),
        {"latitude": 40.41678, "longitude": -3.70379, alias: "approximate"},
        format="json",
    )

    assert response.status_code == 200
    row = Location.objects.get()
    assert (row.privacy, row.latitude, row.longitude) == ("approximate", 40.42, -3.7)


def test_privacy_wins_over_its_alias_when_both_are_sent(trip_with_roles):
    trip_with_roles.client("member").put(
        locations_url(trip_with_roles.trip),
        {"latitude": 1, "longitude": 2, "privacy": "hidden", "privacyLevel": "precise"},
        format="json",
    )

    assert Location.objects.get().privacy == "hidden"


def test_put_validates_like_post(trip_with_roles):
    response = trip_with_roles.client("member").put(
        locations_url(trip_with_roles.trip), {"latitude": 91, "longitude": 0}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["details"]) == ["latitude"]
    assert not Location.objects.exists()


def test_put_adds_to_history_and_becomes_the_latest(trip_with_roles):
    trip = trip_with_roles.trip
    LocationFactory(
        user=trip_with_roles.member, trip=trip, recorded_at=timezone.now() - timedelta(minutes=5)
    )

    trip_with_roles.client("member").put(
        locations_url(trip), {"latitude": 10, "longitude": 20, "privacy": "precise"}, format="json"
    )

    assert Location.objects.filter(user=trip_with_roles.member, trip=trip).count() == 2
    listed = trip_with_roles.client("owner").get(locations_url(trip)).json()["locations"]
    assert [(item["latitude"], item["longitude"]) for item in listed] == [(10, 20)]


# --- GET ------------------------------------------------------------------------------------


def test_list_shows_each_members_latest_location_with_their_name(trip_with_roles):
    trip, now = trip_with_roles.trip, timezone.now()
    owner, member = trip_with_roles.owner, trip_with_roles.member
    LocationFactory(user=member, trip=trip, latitude=1, recorded_at=now - timedelta(minutes=9))
    newest = LocationFactory(
        user=member, trip=trip, latitude=2, recorded_at=now - timedelta(minutes=1)
    )
    owners = LocationFactory(
        user=owner,
        trip=trip,
        latitude=3,
        privacy="approximate",
        sharing_expires_at=now + timedelta(hours=1),
        recorded_at=now - timedelta(minutes=2),
    )

    response = trip_with_roles.client("admin").get(locations_url(trip))

    assert response.status_code == 200
    assert response.json() == {
        "locations": [
            {
                "id": str(newest.pk),
                "userId": str(member.pk),
                "tripId": str(trip.pk),
                "latitude": 2.0,
                "longitude": -9.1393,
                "accuracy": 12.0,
                "privacy": "precise",
                "isSharingEnabled": True,
                "timestamp": epoch_ms(newest.recorded_at),
                "userName": f"{member.first_name} {member.last_name}",
            },
            {
                "id": str(owners.pk),
                "userId": str(owner.pk),
                "tripId": str(trip.pk),
                "latitude": 3.0,
                "longitude": -9.1393,
                "accuracy": 12.0,
                "privacy": "approximate",
                "isSharingEnabled": True,
                "timestamp": epoch_ms(owners.recorded_at),
                "userName": f"{owner.first_name} {owner.last_name}",
                "sharingExpiresAt": owners.sharing_expires_at.isoformat().replace("+00:00", "Z"),
            },
        ],
        "pagination": {"hasMore": False, "total": 2, "limit": 50, "offset": 0},
    }


def test_user_name_falls_back_to_the_username(trip_with_roles):
    member = trip_with_roles.member
    member.first_name = member.last_name = ""
    member.save()
    LocationFactory(user=member, trip=trip_with_roles.trip)

    listed = trip_with_roles.client("owner").get(locations_url(trip_with_roles.trip)).json()

    assert listed["locations"][0]["userName"] == member.username


def test_empty_trip_lists_nothing(trip_with_roles):
    response = trip_with_roles.client("member").get(locations_url(trip_with_roles.trip))

    assert response.json() == {
        "locations": [],
        "pagination": {"hasMore": False, "total": 0, "limit": 50, "offset": 0},
    }


@pytest.mark.parametrize(
    "hiding",
    [
        {"privacy": "hidden"},
        {"is_sharing_enabled": False},
        {"sharing_expires_at": "past"},
    ],
    ids=["hidden", "sharing disabled", "sharing expired"],
)
def test_member_whose_latest_location_is_not_shared_is_not_listed(trip_with_roles, hiding):
    trip, now, member = trip_with_roles.trip, timezone.now(), trip_with_roles.member
    # An older precise row must not resurface as the member's position.
    LocationFactory(user=member, trip=trip, recorded_at=now - timedelta(minutes=10))
    if hiding.get("sharing_expires_at") == "past":
        hiding = {"sharing_expires_at": now - timedelta(seconds=1)}
    LocationFactory(user=member, trip=trip, recorded_at=now - timedelta(minutes=1), **hiding)
    LocationFactory(user=trip_with_roles.owner, trip=trip)

    response = trip_with_roles.client("admin").get(locations_url(trip))

    listed = response.json()["locations"]
    assert [item["userId"] for item in listed] == [str(trip_with_roles.owner.pk)]
    assert response.json()["pagination"]["total"] == 1


def test_sharing_that_has_not_expired_yet_is_listed(trip_with_roles):
    LocationFactory(
        user=trip_with_roles.member,
        trip=trip_with_roles.trip,
        sharing_expires_at=timezone.now() + timedelta(minutes=1),
    )

    listed = trip_with_roles.client("owner").get(locations_url(trip_with_roles.trip)).json()

    assert len(listed["locations"]) == 1


def test_list_shows_only_active_members_of_this_trip(trip_with_roles):
    trip = trip_with_roles.trip
    former = MembershipFactory(trip=trip, status="INACTIVE").user
    LocationFactory(user=former, trip=trip)
    LocationFactory(user=trip_with_roles.stranger, trip=trip)  # never a member
    LocationFactory(user=trip_with_roles.member, trip=TripFactory())  # another trip
    LocationFactory(user=trip_with_roles.member, trip=None)  # the legacy, trip-less update
    LocationFactory(user=trip_with_roles.admin, trip=trip)

    listed = trip_with_roles.client("owner").get(locations_url(trip)).json()["locations"]

    assert [item["userId"] for item in listed] == [str(trip_with_roles.admin.pk)]


def test_list_pages_with_limit_and_offset(trip_with_roles):
    trip, now = trip_with_roles.trip, timezone.now()
    users = [MembershipFactory(trip=trip).user for _ in range(3)]
    for minutes, user in enumerate(users):
        LocationFactory(user=user, trip=trip, recorded_at=now - timedelta(minutes=minutes))

    body = trip_with_roles.client("owner").get(f"{locations_url(trip)}?limit=2&offset=1").json()

    assert [item["userId"] for item in body["locations"]] == [str(users[1].pk), str(users[2].pk)]
    assert body["pagination"] == {"hasMore": False, "total": 3, "limit": 2, "offset": 1}
    first = trip_with_roles.client("owner").get(f"{locations_url(trip)}?limit=1").json()
    assert first["pagination"] == {"hasMore": True, "total": 3, "limit": 1, "offset": 0}


def test_bad_paging_values_fall_back_to_defaults(trip_with_roles):
    body = (
        trip_with_roles.client("owner")
        .get(f"{locations_url(trip_with_roles.trip)}?limit=abc&offset=-4")
        .json()
    )

    assert body["pagination"] == {"hasMore": False, "total": 0, "limit": 50, "offset": 0}


def _list_queries(client, trip) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(locations_url(trip))
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_list_costs_the_same_queries_for_3_or_300_history_rows(
    trip_with_roles, django_assert_max_num_queries
):
    trip, now, client = trip_with_roles.trip, timezone.now(), trip_with_roles.client("owner")
    members = [trip_with_roles.owner, trip_with_roles.admin, trip_with_roles.member]

    def add_history(count, users):
        Location.objects.bulk_create(
            LocationFactory.build(
                user=users[i % len(users)], trip=trip, recorded_at=now - timedelta(seconds=i + 1)
            )
            for i in range(count)
        )

    # Few rows of one member, then many rows of three: neither may add a query.
    add_history(3, members[:1])
    client.get(locations_url(trip))  # warm up: token keys, sign-in bookkeeping
    small = _list_queries(client, trip)
    assert len(client.get(locations_url(trip)).json()["locations"]) == 1

    Location.objects.all().delete()
    add_history(300, members)
    with django_assert_max_num_queries(len(small)):
        large = _list_queries(client, trip)

    assert len(large) == len(small)
    location_queries = [sql for sql in large if '"locations_location"' in sql]
    assert len(location_queries) == 1
    assert "DISTINCT ON" in location_queries[0]
    assert len(client.get(locations_url(trip)).json()["locations"]) == 3


# --- legacy POST /v1/location/update --------------------------------------------------------


def test_legacy_update_is_stored_without_a_trip(user, user_client):
    response = user_client.post(
        "/v1/location/update", {**POST_BODY, "privacy": "precise"}, format="json"
    )

    assert response.status_code == 200, response.content
    row = Location.objects.get()
    assert (row.user_id, row.trip_id, row.latitude) == (user.pk, None, 38.72234)
    body = response.json()
    assert "tripId" not in body
    assert (body["userId"], body["latitude"], body["privacy"]) == (
        str(user.pk),
        38.72234,
        "precise",
    )


def test_legacy_update_validates_and_needs_a_token(api_client, user_client):
    bad = user_client.post("/v1/location/update", {**POST_BODY, "latitude": 91}, format="json")
    anonymous = api_client.post("/v1/location/update", POST_BODY, format="json")

    assert bad.status_code == 400
    assert list(bad.json()["details"]) == ["latitude"]
    assert anonymous.status_code == 401
    assert not Location.objects.exists()


def test_legacy_update_respects_privacy(user_client):
    user_client.post("/v1/location/update", {**POST_BODY, "privacy": "approximate"}, format="json")

    assert (Location.objects.get().latitude, Location.objects.get().longitude) == (38.72, -9.14)


def test_legacy_update_publishes_nothing(user_client, capture_events):
    with capture_events() as events:
        user_client.post("/v1/location/update", POST_BODY, format="json")

    assert events == []


# --- events ---------------------------------------------------------------------------------


def test_first_shared_location_announces_sharing_and_position(trip_with_roles, capture_events):
    member, trip = trip_with_roles.member, trip_with_roles.trip

    with capture_events() as events:
        trip_with_roles.client("member").post(
            locations_url(trip), {**POST_BODY, "privacy": "precise"}, format="json"
        )

    row = Location.objects.get()
    assert [event.type for event in events] == ["LOCATION_SHARING_CHANGED", "LOCATION_UPDATED"]
    assert all((e.trip_id, e.user_id) == (str(trip.pk), str(member.pk)) for e in events)
    assert events[0].payload == {"userId": str(member.pk), "isSharingEnabled": True}
    assert events[1].payload == {
        "userId": str(member.pk),
        "name": f"{member.first_name} {member.last_name}",
        "location": {
            "latitude": 38.72234,
            "longitude": -9.13935,
            "accuracy": 8.5,
            "timestamp": epoch_ms(row.recorded_at),
        },
    }


def test_later_update_only_announces_the_position(trip_with_roles, capture_events):
    LocationFactory(user=trip_with_roles.member, trip=trip_with_roles.trip)

    with capture_events() as events:
        trip_with_roles.client("member").post(
            locations_url(trip_with_roles.trip), POST_BODY, format="json"
        )

    assert [event.type for event in events] == ["LOCATION_UPDATED"]


def test_approximate_update_announces_the_rounded_position(trip_with_roles, capture_events):
    LocationFactory(user=trip_with_roles.member, trip=trip_with_roles.trip)

    with capture_events() as events:
        trip_with_roles.client("member").put(
            locations_url(trip_with_roles.trip),
            {"latitude": 38.72234, "longitude": -9.13935, "privacyLevel": "approximate"},
            format="json",
        )

    location = events[0].payload["location"]
    assert (location["latitude"], location["longitude"], location["accuracy"]) == (
        38.72,
        -9.14,
        1000.0,
    )


def test_hidden_update_announces_no_position(trip_with_roles, capture_events):
    LocationFactory(user=trip_with_roles.member, trip=trip_with_roles.trip)

    with capture_events() as events:
        trip_with_roles.client("member").post(
            locations_url(trip_with_roles.trip), {**POST_BODY, "privacy": "hidden"}, format="json"
        )

    assert events == []


def test_turning_sharing_off_announces_it_without_a_position(trip_with_roles, capture_events):
    member = trip_with_roles.member
    LocationFactory(user=member, trip=trip_with_roles.trip)

    with capture_events() as events:
        trip_with_roles.client("member").post(
            locations_url(trip_with_roles.trip),
            {**POST_BODY, "isSharingEnabled": False},
            format="json",
        )

    assert [event.type for event in events] == ["LOCATION_SHARING_CHANGED"]
    assert events[0].payload == {"userId": str(member.pk), "isSharingEnabled": False}


def test_turning_sharing_back_on_announces_it(trip_with_roles, capture_events):
    LocationFactory(
        user=trip_with_roles.member, trip=trip_with_roles.trip, is_sharing_enabled=False
    )

    with capture_events() as events:
        trip_with_roles.client("member").post(
            locations_url(trip_with_roles.trip), POST_BODY, format="json"
        )

    assert [event.type for event in events] == ["LOCATION_SHARING_CHANGED", "LOCATION_UPDATED"]
    assert events[0].payload["isSharingEnabled"] is True


def test_sharing_flag_is_compared_per_trip(trip_with_roles, capture_events):
    member = trip_with_roles.member
    LocationFactory(user=member, trip=trip_with_roles.trip)
    other_trip = MembershipFactory(user=member).trip

    with capture_events() as events:
        trip_with_roles.client("member").post(locations_url(other_trip), POST_BODY, format="json")

    assert [(event.type, event.trip_id) for event in events] == [
        ("LOCATION_SHARING_CHANGED", str(other_trip.pk)),
        ("LOCATION_UPDATED", str(other_trip.pk)),
    ]


def test_rejected_update_publishes_nothing(trip_with_roles, capture_events):
    with capture_events() as events:
        trip_with_roles.client("member").post(
            locations_url(trip_with_roles.trip), {**POST_BODY, "latitude": 91}, format="json"
        )

    assert events == []


def test_other_users_rows_do_not_count_as_the_previous_flag(trip_with_roles, capture_events):
    LocationFactory(user=trip_with_roles.owner, trip=trip_with_roles.trip)
    LocationFactory(user=UserFactory(), trip=trip_with_roles.trip, is_sharing_enabled=False)

    with capture_events() as events:
        trip_with_roles.client("member").post(
            locations_url(trip_with_roles.trip), POST_BODY, format="json"
        )

    assert [event.type for event in events] == ["LOCATION_SHARING_CHANGED", "LOCATION_UPDATED"]
