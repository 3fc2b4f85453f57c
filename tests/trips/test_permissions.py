"""Every trip-scoped endpoint against every role: strangers get 404 (the trip's existence is
not revealed), members below the endpoint's role 403, everyone else the endpoint's success."""

import uuid

import pytest
from django.utils import timezone

from apps.trips.models import Membership, Trip
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

RANK = {"stranger": 0, "member": 1, "admin": 2, "owner": 3}


def extra_member(crew):
    return MembershipFactory(trip=crew.trip, role="MEMBER").user


# name: (minimum role, request maker(crew) -> (method, url, body), success status)
ENDPOINTS = {
    "get trip": ("member", lambda c: ("get", f"/v1/trips/{c.trip.pk}", None), 200),
    "update trip": (
        "admin",
        lambda c: ("put", f"/v1/trips/{c.trip.pk}", {"description": "Updated"}),
        200,
    ),
    "delete trip": ("owner", lambda c: ("delete", f"/v1/trips/{c.trip.pk}", None), 204),
    "change status": (
        "admin",
        lambda c: ("patch", f"/v1/trips/{c.trip.pk}/status", {"status": "ACTIVE"}),
        200,
    ),
    "trip details": ("member", lambda c: ("get", f"/v1/trips/{c.trip.pk}/details", None), 200),
    "search": ("member", lambda c: ("post", f"/v1/trips/{c.trip.pk}/search", {}), 200),
    "list members": ("member", lambda c: ("get", f"/v1/trips/{c.trip.pk}/members", None), 200),
    "add member": (
        "owner",
        lambda c: (
            "post",
            f"/v1/trips/{c.trip.pk}/members",
            {"userId": str(UserFactory().pk), "role": "MEMBER"},
        ),
        201,
    ),
    "remove member": (
        "owner",
        lambda c: ("delete", f"/v1/trips/{c.trip.pk}/members/{extra_member(c).pk}", None),
        204,
    ),
    "change role": (
        "admin",
        lambda c: (
            "put",
            f"/v1/trips/{c.trip.pk}/members/{extra_member(c).pk}/role",
            {"role": "ADMIN"},
        ),
        200,
    ),
}


def call(client, method, url, body):
    return (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else (getattr(client, method)(url))
    )


@pytest.mark.parametrize("role", list(RANK))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_endpoint_by_role(trip_with_roles, endpoint, role):
    minimum, make_request, success = ENDPOINTS[endpoint]
    method, url, body = make_request(trip_with_roles)
    response = call(trip_with_roles.client(role), method, url, body)
    if role == "stranger":
        expected, code = 404, "trip_not_found"
    elif RANK[role] < RANK[minimum]:
        expected, code = 403, "insufficient_role"
    else:
        expected, code = success, None
    assert response.status_code == expected, response.content
    if code:
        assert response.json()["code"] == code
        assert response.json()["type"] == ("NOT_FOUND" if expected == 404 else "AUTHORIZATION")


@pytest.mark.parametrize("role", ["member", "admin"])
def test_any_member_may_leave(trip_with_roles, role):
    user = trip_with_roles.users[role]
    response = trip_with_roles.client(role).delete(
        f"/v1/trips/{trip_with_roles.trip.pk}/members/{user.pk}"
    )
    assert response.status_code == 204
    assert Membership.objects.get(trip=trip_with_roles.trip, user=user).status == "INACTIVE"


def test_stranger_cannot_leave_a_trip_they_are_not_in(trip_with_roles):
    stranger = trip_with_roles.stranger
    response = trip_with_roles.client("stranger").delete(
        f"/v1/trips/{trip_with_roles.trip.pk}/members/{stranger.pk}"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("put", "", {"name": "Ghost"}),
        ("delete", "", None),
        ("patch", "/status", {"status": "ACTIVE"}),
        ("get", "/details", None),
        ("post", "/search", {}),
        ("get", "/members", None),
        ("post", "/members", {"userId": str(uuid.uuid4()), "role": "MEMBER"}),
    ],
)
def test_deleted_trip_is_404_even_for_its_owner(trip_with_roles, method, suffix, body):
    Trip.objects.filter(pk=trip_with_roles.trip.pk).update(deleted_at=timezone.now())
    response = call(
        trip_with_roles.client("owner"),
        method,
        f"/v1/trips/{trip_with_roles.trip.pk}{suffix}",
        body,
    )
    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"


def test_unknown_trip_is_the_same_404_as_a_foreign_one(trip_with_roles):
    client = trip_with_roles.client("stranger")
    unknown = client.get(f"/v1/trips/{uuid.uuid4()}")
    foreign = client.get(f"/v1/trips/{trip_with_roles.trip.pk}")
    assert unknown.status_code == foreign.status_code == 404
    assert unknown.json()["code"] == foreign.json()["code"] == "trip_not_found"
    assert unknown.json()["message"] == foreign.json()["message"]


def test_former_member_is_a_stranger(trip_with_roles):
    Membership.objects.filter(user=trip_with_roles.member).update(status="INACTIVE")
    response = trip_with_roles.client("member").get(f"/v1/trips/{trip_with_roles.trip.pk}")
    assert response.status_code == 404


def test_anonymous_caller_is_401(api_client, trip_with_roles):
    response = api_client.get(f"/v1/trips/{trip_with_roles.trip.pk}")
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"
