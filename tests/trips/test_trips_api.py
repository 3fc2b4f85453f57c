"""Trips over HTTP: create, read, update, status, delete, list, search, and their events."""

import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.trips.models import Membership, Trip, TripStatus
from tests.factories import MembershipFactory, TripFactory
from tests.trips.events import trip_events

pytestmark = pytest.mark.django_db

CREATE_BODY = {
    "name": "Lisbon long weekend",
    "description": "Pastéis and trams",
    "startDate": "2025-06-01",
    "endDate": "2025-06-04T00:00:00Z",
    "destinationPlaceId": "ChIJO_PkYRozGQ0R0DaQ5L3rAAQ",
    "destinationAddress": "Lisbon, Portugal",
    "destinationName": "Lisbon",
    "destinationLatitude": 38.7223,
    "destinationLongitude": -9.1393,
}


def trip_url(trip, suffix=""):
    return f"/v1/trips/{trip.pk}{suffix}"


def event_types(events):
    return [event.type for event in trip_events(events)]


# --- create ---------------------------------------------------------------------------------


def test_create_returns_the_stored_trip_with_its_owner(user, user_client, capture_events):
    with capture_events() as events:
        response = user_client.post("/v1/trips", CREATE_BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    trip = Trip.objects.get(pk=body["id"])
    owner = Membership.objects.get(trip=trip)
    assert (owner.user_id, owner.role, owner.status) == (user.pk, "OWNER", "ACTIVE")
    assert body["name"] == "Lisbon long weekend"
    assert body["status"] == "PLANNING"
    assert body["createdBy"] == str(user.pk)
    assert body["startDate"] == "2025-06-01T00:00:00Z"
    assert body["endDate"] == "2025-06-04T00:00:00Z"
    assert body["backgroundImageUrl"] == ""
    assert body["destination"] == {
        "address": "Lisbon, Portugal",
        "coordinates": {"lat": 38.7223, "lng": -9.1393},
        "placeId": "ChIJO_PkYRozGQ0R0DaQ5L3rAAQ",
        "name": "Lisbon",
    }
    assert body["members"] == [
        {
            "id": str(owner.pk),
            "tripId": str(trip.pk),
            "userId": str(user.pk),
            "role": "OWNER",
            "status": "ACTIVE",
            "createdAt": owner.created_at.isoformat().replace("+00:00", "Z"),
            "updatedAt": owner.updated_at.isoformat().replace("+00:00", "Z"),
        }
    ]
    assert body["invitations"] == []
    assert body["createdAt"] == trip.created_at.isoformat().replace("+00:00", "Z")
    assert not body["createdAt"].startswith("0001")
    assert (trip.start_date, trip.end_date) == (date(2025, 6, 1), date(2025, 6, 4))
    assert event_types(events) == ["TRIP_CREATED"]
    # The trip as GET /v1/trips/{id} renders it (no nulls: absent), so the app can add it.
    detail = user_client.get(f"/v1/trips/{trip.pk}").json()
    assert trip_events(events)[0].payload == {k: v for k, v in detail.items() if v is not None}
    assert (trip_events(events)[0].trip_id, trip_events(events)[0].user_id) == (
        str(trip.pk),
        str(user.pk),
    )


def test_create_without_destination_stores_empty_values(user_client):
    body = {"name": "Somewhere", "startDate": "2025-06-01", "endDate": "2025-06-01"}
    response = user_client.post("/v1/trips", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["destination"] == {
        "address": "",
        "coordinates": {"lat": None, "lng": None},
        "placeId": "",
        "name": "",
    }


def test_create_accepts_snake_case_keys(user_client):
    body = {"name": "Snake", "start_date": "2025-06-01", "end_date": "2025-06-02"}
    response = user_client.post("/v1/trips", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["endDate"] == "2025-06-02T00:00:00Z"


@pytest.mark.parametrize(
    ("start", "end", "stored"),
    [
        ("2025-06-01", "2025-06-02", (date(2025, 6, 1), date(2025, 6, 2))),
        ("2025-06-01T00:00:00Z", "2025-06-02T00:00:00.000Z", (date(2025, 6, 1), date(2025, 6, 2))),
        # The date as the client wrote it, whatever its offset.
        (
            "2025-06-01T00:00:00+02:00",
            "2025-06-02T23:30:00-05:00",
            (date(2025, 6, 1), date(2025, 6, 2)),
        ),
    ],
)
def test_dates_accept_plain_dates_and_rfc3339(user_client, start, end, stored):
    body = {"name": "Dates", "startDate": start, "endDate": end}
    response = user_client.post("/v1/trips", body, format="json")
    assert response.status_code == 201, response.content
    trip = Trip.objects.get(pk=response.json()["id"])
    assert (trip.start_date, trip.end_date) == stored


@pytest.mark.parametrize("bad", ["01/06/2025", "2025-13-01", "2025-06-01 extra", "", 20250601])
def test_malformed_dates_are_400(user_client, bad):
    body = {"name": "Dates", "startDate": bad, "endDate": "2025-06-02"}
    response = user_client.post("/v1/trips", body, format="json")
    assert response.status_code == 400
    assert "startDate" in response.json()["details"]
    assert not Trip.objects.exists()


def test_end_before_start_is_400_and_nothing_is_stored(user_client, capture_events):
    body = {**CREATE_BODY, "startDate": "2025-06-05", "endDate": "2025-06-01"}
    with capture_events() as events:
        response = user_client.post("/v1/trips", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_dates"
    assert response.json()["type"] == "VALIDATION"
    assert not Trip.objects.exists()
    assert not Membership.objects.exists()
    assert events == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("destinationLatitude", 90.01),
        ("destinationLatitude", -91),
        ("destinationLongitude", 180.5),
        ("destinationLongitude", -181),
        ("destinationLatitude", "north"),
    ],
)
def test_coordinates_out_of_range_are_400(user_client, field, value):
    response = user_client.post("/v1/trips", {**CREATE_BODY, field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()["details"]
    assert not Trip.objects.exists()


def test_half_a_coordinate_is_400(user_client):
    body = {**CREATE_BODY, "destinationLongitude": None}
    response = user_client.post("/v1/trips", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_coordinates"


@pytest.mark.parametrize(
    "body",
    [
        {"startDate": "2025-06-01", "endDate": "2025-06-02"},
        {"name": "", "startDate": "2025-06-01", "endDate": "2025-06-02"},
        {"name": "x" * 256, "startDate": "2025-06-01", "endDate": "2025-06-02"},
        {"name": "No dates"},
        {"name": "Bad status", "startDate": "2025-06-01", "endDate": "2025-06-02", "status": "X"},
        {**CREATE_BODY, "backgroundImageUrl": "x" * 513},
    ],
)
def test_invalid_create_bodies_are_400(user_client, body):
    response = user_client.post("/v1/trips", body, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "VALIDATION"
    assert not Trip.objects.exists()


# --- read -----------------------------------------------------------------------------------


def test_get_returns_the_flat_trip(trip_with_roles):
    trip = trip_with_roles.trip
    response = trip_with_roles.client("member").get(trip_url(trip))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(trip.pk)
    assert body["destinationName"] == "Lisbon"
    assert body["destinationLatitude"] == pytest.approx(38.7223)
    assert body["startDate"] == f"{trip.start_date.isoformat()}T00:00:00Z"
    assert body["createdBy"] == str(trip_with_roles.owner.pk)
    assert "destination" not in body
    assert "deletedAt" not in body


def test_details_lists_active_members_oldest_first(trip_with_roles, django_assert_max_num_queries):
    crew = trip_with_roles
    MembershipFactory(trip=crew.trip, status="INACTIVE")
    client = crew.client("member")
    with django_assert_max_num_queries(3):
        response = client.get(trip_url(crew.trip, "/details"))
    assert response.status_code == 200
    body = response.json()
    assert body["trip"]["id"] == str(crew.trip.pk)
    assert [m["userId"] for m in body["members"]] == [
        str(crew.owner.pk),
        str(crew.admin.pk),
        str(crew.member.pk),
    ]
    assert [m["role"] for m in body["members"]] == ["OWNER", "ADMIN", "MEMBER"]


def test_details_query_count_does_not_grow_with_members(trip_with_roles):
    crew = trip_with_roles
    client = crew.client("member")
    few = count_queries(client, trip_url(crew.trip, "/details"))
    MembershipFactory.create_batch(25, trip=crew.trip)
    many = count_queries(client, trip_url(crew.trip, "/details"))
    assert few == many <= 3


def count_queries(client, url, method="get", body=None):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 200, response.content
    return len(queries)


# --- update ---------------------------------------------------------------------------------


def test_update_changes_only_given_fields_and_reports_them(trip_with_roles, capture_events):
    crew = trip_with_roles
    before = Trip.objects.get(pk=crew.trip.pk)
    with capture_events() as events:
        response = crew.client("admin").put(
            trip_url(crew.trip),
            {"name": "Porto instead", "endDate": "2099-01-01", "description": before.description},
            format="json",
        )
    assert response.status_code == 200, response.content
    trip = Trip.objects.get(pk=crew.trip.pk)
    assert trip.name == "Porto instead"
    assert trip.end_date == date(2099, 1, 1)
    assert trip.destination_name == before.destination_name
    assert trip.updated_at > before.updated_at
    assert response.json()["name"] == "Porto instead"
    assert response.json()["endDate"] == "2099-01-01T00:00:00Z"
    assert event_types(events) == ["TRIP_UPDATED"]
    assert trip_events(events)[0].payload == {
        **{k: v for k, v in response.json().items() if v is not None},
        "changedFields": ["name", "endDate"],
    }
    assert trip_events(events)[0].user_id == str(crew.admin.pk)


def test_update_with_nothing_changed_publishes_nothing(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").put(
            trip_url(crew.trip), {"name": crew.trip.name}, format="json"
        )
    assert response.status_code == 200
    assert events == []


def test_update_accepts_the_nested_destination(trip_with_roles):
    crew = trip_with_roles
    body = {
        "destination": {
            "address": "Porto, Portugal",
            "coordinates": {"lat": 41.1579, "lng": -8.6291},
            "placeId": "ChIJwVPhxKtlJA0RvBSxQFbZSKY",
            "name": "Porto",
        },
        "startDate": "2030-03-01T00:00:00.000Z",
        "endDate": "2030-03-04T00:00:00.000Z",
    }
    response = crew.client("owner").put(trip_url(crew.trip), body, format="json")
    assert response.status_code == 200, response.content
    trip = Trip.objects.get(pk=crew.trip.pk)
    assert trip.destination_address == "Porto, Portugal"
    assert trip.destination_name == "Porto"
    assert trip.destination_place_id == "ChIJwVPhxKtlJA0RvBSxQFbZSKY"
    assert (trip.destination_latitude, trip.destination_longitude) == (41.1579, -8.6291)
    assert (trip.start_date, trip.end_date) == (date(2030, 3, 1), date(2030, 3, 4))
    assert response.json()["destinationName"] == "Porto"


def test_flat_destination_fields_win_over_the_nested_object(trip_with_roles):
    crew = trip_with_roles
    body = {"destination": {"name": "Nested"}, "destinationName": "Flat"}
    response = crew.client("owner").put(trip_url(crew.trip), body, format="json")
    assert response.status_code == 200
    assert Trip.objects.get(pk=crew.trip.pk).destination_name == "Flat"


def test_null_coordinates_clear_the_location(trip_with_roles):
    crew = trip_with_roles
    body = {"destination": {"coordinates": None}}
    response = crew.client("owner").put(trip_url(crew.trip), body, format="json")
    assert response.status_code == 200, response.content
    trip = Trip.objects.get(pk=crew.trip.pk)
    assert (trip.destination_latitude, trip.destination_longitude) == (None, None)


def test_nested_coordinates_are_range_checked(trip_with_roles):
    crew = trip_with_roles
    body = {"destination": {"coordinates": {"lat": 95, "lng": 0}}}
    response = crew.client("owner").put(trip_url(crew.trip), body, format="json")
    assert response.status_code == 400
    assert "destination.coordinates.lat" in response.json()["details"]


def test_update_checks_dates_against_the_stored_ones(trip_with_roles, capture_events):
    crew = trip_with_roles
    before = Trip.objects.get(pk=crew.trip.pk)
    too_early = (before.start_date - timedelta(days=1)).isoformat()
    with capture_events() as events:
        response = crew.client("owner").put(
            trip_url(crew.trip), {"name": "Renamed", "endDate": too_early}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_dates"
    after = Trip.objects.get(pk=crew.trip.pk)
    assert (after.name, after.end_date) == (before.name, before.end_date)
    assert events == []


def test_update_with_a_new_status_goes_through_the_machine(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("admin").put(
            trip_url(crew.trip), {"status": "active", "name": "Go"}, format="json"
        )
    assert response.status_code == 200, response.content
    assert Trip.objects.get(pk=crew.trip.pk).status == "ACTIVE"
    assert event_types(events) == ["TRIP_STATUS_UPDATED", "TRIP_UPDATED"]
    assert trip_events(events)[0].payload == {
        "id": str(crew.trip.pk),
        "status": "ACTIVE",
        "oldStatus": "PLANNING",
    }
    assert trip_events(events)[1].payload["changedFields"] == ["status", "name"]
    assert trip_events(events)[1].payload["status"] == "ACTIVE"
    assert trip_events(events)[1].payload["name"] == "Go"


def test_update_with_an_illegal_status_changes_nothing(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").put(
            trip_url(crew.trip), {"status": "COMPLETED", "name": "Done"}, format="json"
        )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_status_transition"
    trip = Trip.objects.get(pk=crew.trip.pk)
    assert (trip.status, trip.name) == ("PLANNING", crew.trip.name)
    assert events == []


def test_update_with_the_current_status_is_not_a_transition(trip_with_roles, capture_events):
    """A PUT states the desired trip; repeating the current status must not fail the edit."""
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").put(
            trip_url(crew.trip), {"status": "PLANNING", "name": "Same status"}, format="json"
        )
    assert response.status_code == 200
    assert event_types(events) == ["TRIP_UPDATED"]
    assert trip_events(events)[0].payload["changedFields"] == ["name"]
    assert trip_events(events)[0].payload["name"] == "Same status"


# --- status ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), list(itertools.product(TripStatus.values, repeat=2)))
def test_status_machine_over_http(trip_with_roles, capture_events, old, new):
    crew = trip_with_roles
    Trip.objects.filter(pk=crew.trip.pk).update(status=old)
    legal = (old, new) in {
        ("PLANNING", "ACTIVE"),
        ("PLANNING", "CANCELLED"),
        ("ACTIVE", "COMPLETED"),
        ("ACTIVE", "CANCELLED"),
    }
    with capture_events() as events:
        response = crew.client("admin").patch(
            trip_url(crew.trip, "/status"), {"status": new}, format="json"
        )
    stored = Trip.objects.get(pk=crew.trip.pk).status
    if legal:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == new
        assert stored == new
        assert event_types(events) == ["TRIP_STATUS_UPDATED"]
        assert trip_events(events)[0].payload == {
            "id": str(crew.trip.pk),
            "status": new,
            "oldStatus": old,
        }
        assert trip_events(events)[0].user_id == str(crew.admin.pk)
    else:
        assert response.status_code == 409
        body = response.json()
        assert (body["type"], body["code"]) == ("CONFLICT", "invalid_status_transition")
        assert old in body["message"]
        assert new in body["message"]
        assert stored == old
        assert events == []


@pytest.mark.parametrize("body", [{}, {"status": "DRAFT"}, {"status": None}])
def test_unknown_status_is_400(trip_with_roles, body):
    crew = trip_with_roles
    response = crew.client("owner").patch(trip_url(crew.trip, "/status"), body, format="json")
    assert response.status_code == 400
    assert Trip.objects.get(pk=crew.trip.pk).status == "PLANNING"


# --- delete ---------------------------------------------------------------------------------


def test_delete_is_soft_and_hides_the_trip_everywhere(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").delete(trip_url(crew.trip))
    assert response.status_code == 204
    assert response.content == b""
    trip = Trip.objects.get(pk=crew.trip.pk)
    assert trip.deleted_at is not None
    assert Membership.objects.filter(trip=trip, status="ACTIVE").count() == 3
    assert event_types(events) == ["TRIP_DELETED"]
    assert trip_events(events)[0].payload == {"id": str(trip.pk)}

    member = crew.client("member")
    assert member.get(trip_url(crew.trip)).status_code == 404
    assert member.get("/v1/trips").json() == []
    assert crew.client("owner").delete(trip_url(crew.trip)).status_code == 404


# --- list -----------------------------------------------------------------------------------


def make_trips(user, count, **fields):
    trips = []
    for index in range(count):
        trip = TripFactory(
            start_date=date(2025, 1, 1) + timedelta(days=index), owner=False, **fields
        )
        MembershipFactory(trip=trip, user=user, role="MEMBER")
        trips.append(trip)
    return trips


def test_list_shows_only_my_live_active_trips_newest_start_first(user, user_client):
    mine = make_trips(user, 3)
    left = make_trips(user, 1)[0]
    Membership.objects.filter(trip=left).update(status="INACTIVE")
    deleted = make_trips(user, 1)[0]
    Trip.objects.filter(pk=deleted.pk).update(deleted_at=deleted.created_at)
    TripFactory()  # someone else's

    response = user_client.get("/v1/trips")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()] == [str(t.pk) for t in reversed(mine)]
    assert response["X-Total-Count"] == "3"


def test_list_items_carry_member_count_and_my_role(user, user_client):
    owned = TripFactory(created_by=user, start_date=date(2030, 1, 1))
    MembershipFactory.create_batch(2, trip=owned)
    MembershipFactory(trip=owned, status="INACTIVE")
    joined = make_trips(user, 1)[0]

    body = user_client.get("/v1/trips").json()
    assert [(t["id"], t["memberCount"], t["role"]) for t in body] == [
        (str(owned.pk), 3, "OWNER"),
        (str(joined.pk), 1, "MEMBER"),
    ]


def test_list_filters_by_status(user, user_client):
    make_trips(user, 2)
    active = make_trips(user, 1, status="ACTIVE")[0]
    response = user_client.get("/v1/trips?status=active")
    assert [t["id"] for t in response.json()] == [str(active.pk)]
    assert response["X-Total-Count"] == "1"


def test_list_with_an_unknown_status_is_400(user_client):
    response = user_client.get("/v1/trips?status=DRAFT")
    assert response.status_code == 400


def test_list_q_searches_name_and_destination_of_my_trips_only(user, user_client):
    by_name = make_trips(user, 1, name="Kyoto in spring", destination_name="Japan")[0]
    by_place = make_trips(user, 1, name="Temples", destination_address="Kyoto, Japan")[0]
    make_trips(user, 1, name="Porto", destination_name="Porto")
    TripFactory(name="Kyoto too")  # not mine

    body = user_client.get("/v1/trips?q=kyoto").json()
    assert {t["id"] for t in body} == {str(by_name.pk), str(by_place.pk)}


def test_list_paginates_with_limit_and_offset(user, user_client):
    trips = list(reversed(make_trips(user, 5)))
    page = user_client.get("/v1/trips?limit=2&offset=1")
    assert [t["id"] for t in page.json()] == [str(t.pk) for t in trips[1:3]]
    assert page["X-Total-Count"] == "5"


def test_list_defaults_to_the_cap_of_100(user, user_client):
    make_trips(user, 101)
    assert len(user_client.get("/v1/trips?limit=500").json()) == 100
    assert len(user_client.get("/v1/trips?limit=abc&offset=-3").json()) == 100  # the default
    assert len(user_client.get("/v1/trips").json()) == 100
    assert user_client.get("/v1/trips").headers["X-Total-Count"] == "101"


def test_list_query_count_does_not_grow_with_trips(
    user, user_client, django_assert_max_num_queries
):
    make_trips(user, 3)
    few = count_queries(user_client, "/v1/trips")
    make_trips(user, 27)
    with django_assert_max_num_queries(3):
        response = user_client.get("/v1/trips?limit=100")
    assert len(response.json()) == 30
    assert count_queries(user_client, "/v1/trips?limit=100") == few


# --- search ---------------------------------------------------------------------------------


def test_search_filters_my_trips_by_destination_and_dates(user, user_client):
    anchor = make_trips(user, 1, destination_name="Anywhere", destination_address="")[0]
    early = make_trips(user, 1, destination_name="Lisbon Old Town", destination_address="")[0]
    Trip.objects.filter(pk=early.pk).update(start_date=date(2025, 3, 1), end_date=date(2025, 3, 5))
    late = make_trips(user, 1, destination_name="", destination_address="Rua Augusta, LISBON")[0]
    Trip.objects.filter(pk=late.pk).update(start_date=date(2025, 9, 1), end_date=date(2025, 9, 9))
    TripFactory(destination_name="Lisbon")  # not mine: never found

    url = trip_url(anchor, "/search")
    by_place = user_client.post(url, {"destination": "lisbon"}, format="json")
    assert by_place.status_code == 200
    assert [t["id"] for t in by_place.json()] == [str(late.pk), str(early.pk)]

    summer = user_client.post(
        url,
        {"destination": "lisbon", "startDateFrom": "2025-06-01T00:00:00Z", "userId": "ignored"},
        format="json",
    )
    assert [t["id"] for t in summer.json()] == [str(late.pk)]

    spring = user_client.post(
        url,
        {"startDate": "2025-02-01", "startDateTo": "2025-04-01", "endDate": "2025-03-31"},
        format="json",
    )
    assert [t["id"] for t in spring.json()] == [str(early.pk)]


def test_search_body_must_be_an_object(user, user_client):
    anchor = make_trips(user, 1)[0]
    response = user_client.post(trip_url(anchor, "/search"), [1, 2], format="json")
    assert response.status_code == 400


def test_search_query_count_does_not_grow(user, user_client):
    anchor = make_trips(user, 1)[0]
    url = trip_url(anchor, "/search")
    few = count_queries(user_client, url, "post", {})
    make_trips(user, 20)
    assert count_queries(user_client, url, "post", {}) == few <= 4


def test_other_users_do_not_see_my_trip(stranger_client):
    response = stranger_client.get("/v1/trips")
    assert response.json() == []
    assert response["X-Total-Count"] == "0"
