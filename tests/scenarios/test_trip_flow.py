"""The trips issue's end-to-end flow over HTTP, with three real moto-issued Cognito users."""

import pytest
from django.core import mail

from apps.invitations.models import Invitation
from apps.notifications.models import Notification
from apps.trips.models import Membership

pytestmark = pytest.mark.django_db


def signed_in(api_client_factory, cognito, email):
    person = cognito.create_user(email=email)
    client = api_client_factory()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {person.access_token}")
    onboard = client.post("/v1/users/onboard", {})
    assert onboard.status_code == 200, onboard.content
    return client, onboard.json()["id"]


def test_create_invite_accept_promote_and_change_status(
    cognito, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    alice, alice_id = signed_in(APIClient, cognito, "alice.flow@example.com")
    bob, bob_id = signed_in(APIClient, cognito, "Bob.Flow@Example.com")
    carol, _ = signed_in(APIClient, cognito, "carol.flow@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        created = alice.post(
            "/v1/trips",
            {
                "name": "Lisbon long weekend",
                "startDate": "2027-05-01",
                "endDate": "2027-05-04",
                "destinationName": "Lisbon",
                "destinationLatitude": 38.72,
                "destinationLongitude": -9.14,
            },
        )
    assert created.status_code == 201, created.content
    trip_id = created.json()["id"]
    assert created.json()["members"][0]["role"] == "OWNER"

    with django_capture_on_commit_callbacks(execute=True):
        invited = alice.post(
            f"/v1/trips/{trip_id}/invitations", {"email": "BOB.flow@example.com", "role": "MEMBER"}
        )
    assert invited.status_code == 201, invited.content
    invitation_id = invited.json()["id"]
    assert invited.json()["inviteeEmail"] == "bob.flow@example.com"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bob.flow@example.com"]

    assert bob.get("/v1/trips").json() == []
    with django_capture_on_commit_callbacks(execute=True):
        accepted = bob.post(f"/v1/invitations/{invitation_id}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "ACTIVE"
    assert [t["id"] for t in bob.get("/v1/trips").json()] == [trip_id]
    assert bob.post(f"/v1/invitations/{invitation_id}/accept").status_code == 409

    with django_capture_on_commit_callbacks(execute=True):
        promoted = alice.put(f"/v1/trips/{trip_id}/members/{bob_id}/role", {"role": "ADMIN"})
    assert promoted.status_code == 200, promoted.content

    with django_capture_on_commit_callbacks(execute=True):
        started = bob.patch(f"/v1/trips/{trip_id}/status", {"status": "ACTIVE"})
    assert started.status_code == 200, started.content
    assert started.json()["status"] == "ACTIVE"

    illegal = bob.patch(f"/v1/trips/{trip_id}/status", {"status": "PLANNING"})
    assert illegal.status_code == 409
    assert illegal.json()["code"] == "invalid_status_transition"
    assert "ACTIVE" in illegal.json()["message"]
    assert "PLANNING" in illegal.json()["message"]

    # Carol belongs to nothing: every trip route is a 404, never a hint that the trip exists.
    trip = f"/v1/trips/{trip_id}"
    for method, path, body in [
        ("get", trip, None),
        ("put", trip, {"name": "mine now"}),
        ("delete", trip, None),
        ("patch", f"{trip}/status", {"status": "CANCELLED"}),
        ("get", f"{trip}/details", None),
        ("post", f"{trip}/search", {}),
        ("get", f"{trip}/members", None),
        ("post", f"{trip}/members", {"userId": alice_id, "role": "MEMBER"}),
        ("delete", f"{trip}/members/{bob_id}", None),
        ("put", f"{trip}/members/{bob_id}/role", {"role": "MEMBER"}),
        ("get", f"{trip}/invitations", None),
        ("post", f"{trip}/invitations", {"email": "x@example.com", "role": "MEMBER"}),
        ("delete", f"{trip}/invitations/{invitation_id}", None),
    ]:
        response = (
            getattr(carol, method)(path, body) if body is not None else getattr(carol, method)(path)
        )
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["type"] == "NOT_FOUND"

    # The email went out once, and the people concerned were told.
    assert len(mail.outbox) == 1
    assert Invitation.objects.get(pk=invitation_id).status == "ACCEPTED"
    assert Membership.objects.get(trip_id=trip_id, user_id=bob_id).role == "ADMIN"
    bob_types = set(Notification.objects.filter(user_id=bob_id).values_list("type", flat=True))
    alice_types = set(Notification.objects.filter(user_id=alice_id).values_list("type", flat=True))
    assert "TRIP_INVITATION_RECEIVED" in bob_types
    assert "TRIP_INVITATION_ACCEPTED" in alice_types
    assert bob_types & {"MEMBERSHIP_CHANGE", "TRIP_MEMBER_UPDATED"}  # promoted
    assert alice_types & {"TRIP_UPDATE", "TRIP_UPDATED"}  # status changed by Bob
