"""The invitee's side: view, accept and decline by id or by token, the public details and the
email link's redirect."""

import re
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.invitations.models import Invitation
from apps.invitations.tokens import invitation_token
from apps.notifications.models import Notification
from apps.trips.models import Membership
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(invitation, suffix=""):
    return f"/v1/invitations/{invitation.pk}{suffix}"


def lapse(invitation):
    """Past its expiry, not yet swept to EXPIRED."""
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    invitation.refresh_from_db()


def expired_token(invitation) -> str:
    lapse(invitation)
    return invitation_token(invitation)


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"


# --- view -----------------------------------------------------------------------------------


def test_the_invitee_sees_the_invitation_details(invitation, invitee_client, trip_with_roles):
    crew = trip_with_roles

    response = invitee_client.get(url(invitation))

    assert response.status_code == 200, response.content
    body = response.json()
    trip = crew.trip
    assert body == {
        "id": str(invitation.pk),
        "tripId": str(trip.pk),
        "email": "guest.traveller@example.com",
        "status": "PENDING",
        "role": "MEMBER",
        "createdAt": body["createdAt"],
        "expiresAt": body["expiresAt"],
        "trip": {
            "id": str(trip.pk),
            "name": trip.name,
            "description": "",
            "startDate": f"{trip.start_date.isoformat()}T00:00:00Z",
            "endDate": f"{trip.end_date.isoformat()}T00:00:00Z",
        },
        "inviter": {
            "id": str(crew.admin.pk),
            "email": "",
            "username": crew.admin.username,
            "firstName": crew.admin.first_name,
            "lastName": crew.admin.last_name,
            "avatarUrl": "",
            "displayName": crew.admin.display_name,
        },
        "memberCount": 3,
    }


def test_the_details_take_a_fixed_number_of_queries(invitation, invitee_client):
    with CaptureQueriesContext(connection) as queries:
        assert invitee_client.get(url(invitation)).status_code == 200

    assert len(queries) == 2  # the caller, the invitation with its trip, inviter and count


def test_someone_else_cannot_see_the_invitation(invitation, trip_with_roles):
    response = trip_with_roles.client("admin").get(url(invitation))

    assert response.status_code == 403
    assert response.json()["code"] == "email_mismatch"


def test_an_invitation_bound_to_another_account_is_an_auth_mismatch(invitation, invitee_client):
    Invitation.objects.filter(pk=invitation.pk).update(invitee=UserFactory())

    response = invitee_client.get(url(invitation))

    assert response.status_code == 403
    assert response.json()["code"] == "auth_mismatch"


def test_an_unknown_invitation_is_not_found(invitee_client):
    response = invitee_client.get(f"/v1/invitations/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["code"] == "invitation_not_found"


def test_an_invitation_of_a_deleted_trip_is_not_found(invitation, invitee_client):
    invitation.trip.deleted_at = timezone.now()
    invitation.trip.save()

    assert invitee_client.get(url(invitation)).status_code == 404
    assert invitee_client.post(url(invitation, "/accept")).status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("post", "/accept"), ("post", "/decline")]
)
def test_the_invitee_routes_need_a_signed_in_user(invitation, api_client, method, suffix):
    response = getattr(api_client, method)(url(invitation, suffix))

    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"


# --- accept by id ---------------------------------------------------------------------------


def test_accepting_makes_the_invitee_a_member(
    invitation, invitee, invitee_client, trip_with_roles, capture_events
):
    crew = trip_with_roles

    with capture_events() as events:
        response = invitee_client.post(url(invitation, "/accept"))

    assert response.status_code == 200, response.content
    membership = Membership.objects.get(trip=crew.trip, user=invitee)
    assert (membership.role, membership.status) == ("MEMBER", "ACTIVE")
    body = response.json()
    assert body == {
        "id": str(membership.pk),
        "tripId": str(crew.trip.pk),
        "userId": str(invitee.pk),
        "role": "MEMBER",
        "status": "ACTIVE",
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
    }
    invitation.refresh_from_db()
    assert (invitation.status, invitation.invitee_id) == ("ACCEPTED", invitee.pk)
    assert invitation.responded_at is not None

    by_type = {event.type: event for event in events if not event.recipient_user_ids}
    by_type |= {
        event.type: event for event in events if str(crew.owner.pk) in event.recipient_user_ids
    }
    assert by_type["TRIP_INVITATION_ACCEPTED"].user_id == str(invitee.pk)
    assert by_type["TRIP_INVITATION_ACCEPTED"].trip_id == str(crew.trip.pk)
    assert by_type["TRIP_INVITATION_ACCEPTED"].payload["invitationId"] == str(invitation.pk)
    assert by_type["MEMBER_ADDED"].user_id == str(invitee.pk)
    assert by_type["MEMBER_ADDED"].payload["role"] == "MEMBER"
    assert by_type["MEMBER_ADDED"].payload["userId"] == str(invitee.pk)
    assert by_type["TRIP_MEMBER_JOINED"].user_id == str(invitee.pk)

    notification = Notification.objects.get(type="TRIP_INVITATION_ACCEPTED")
    assert notification.user_id == crew.admin.pk  # the inviter
    assert notification.metadata == {
        "invitationID": str(invitation.pk),
        "tripID": str(crew.trip.pk),
        "inviterID": str(crew.admin.pk),
        "tripName": crew.trip.name,
        "inviterName": crew.admin.display_name,
        "inviteeID": str(invitee.pk),
        "inviteeName": invitee.display_name,
    }

    # The new member now reaches the trip.
    assert invitee_client.get(f"/v1/trips/{crew.trip.pk}").status_code == 200


def test_accepting_an_admin_invitation_gives_the_admin_role(invitation, invitee_client):
    Invitation.objects.filter(pk=invitation.pk).update(role="ADMIN")

    response = invitee_client.post(url(invitation, "/accept"))

    assert response.status_code == 200
    assert response.json()["role"] == "ADMIN"


def test_accepting_reactivates_a_former_membership_with_the_invited_role(
    invitation, invitee, invitee_client, trip_with_roles
):
    former = MembershipFactory(
        trip=trip_with_roles.trip, user=invitee, role="ADMIN", status="INACTIVE"
    )

    response = invitee_client.post(url(invitation, "/accept"))

    assert response.status_code == 200
    assert response.json()["id"] == str(former.pk)
    former.refresh_from_db()
    assert (former.role, former.status) == ("MEMBER", "ACTIVE")
    assert Membership.objects.filter(trip=trip_with_roles.trip, user=invitee).count() == 1


def test_accepting_twice_is_a_conflict_and_adds_one_membership(invitation, invitee, invitee_client):
    first = invitee_client.post(url(invitation, "/accept"))
    second = invitee_client.post(url(invitation, "/accept"))

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["code"] == "invitation_not_pending"
    assert second.json()["type"] == "CONFLICT"
    assert Membership.objects.filter(user=invitee).count() == 1


def test_someone_else_cannot_accept(invitation, trip_with_roles):
    stranger = trip_with_roles.client("stranger")

    response = stranger.post(url(invitation, "/accept"))

    assert response.status_code == 403
    assert response.json()["code"] == "email_mismatch"
    invitation.refresh_from_db()
    assert invitation.status == "PENDING"
    assert not Membership.objects.filter(user=trip_with_roles.stranger).exists()


def test_the_bound_account_is_required_to_accept(invitation, invitee_client):
    Invitation.objects.filter(pk=invitation.pk).update(invitee=UserFactory())

    response = invitee_client.post(url(invitation, "/accept"))

    assert response.status_code == 403
    assert response.json()["code"] == "auth_mismatch"


def test_a_lapsed_invitation_cannot_be_accepted(invitation, invitee, invitee_client):
    lapse(invitation)

    response = invitee_client.post(url(invitation, "/accept"))

    assert response.status_code == 400
    assert response.json()["code"] == "invitation_expired"
    assert not Membership.objects.filter(user=invitee).exists()


@pytest.mark.parametrize(
    ("status", "code", "http"),
    [
        ("EXPIRED", "invitation_expired", 400),
        ("DECLINED", "invitation_not_pending", 409),
        ("ACCEPTED", "invitation_not_pending", 409),
    ],
)
def test_only_pending_invitations_can_be_answered(
    invitation, invitee, invitee_client, status, code, http
):
    Invitation.objects.filter(pk=invitation.pk).update(
        status=status, responded_at=None if status == "EXPIRED" else timezone.now()
    )

    for action in ("/accept", "/decline"):
        response = invitee_client.post(url(invitation, action))
        assert response.status_code == http, action
        assert response.json()["code"] == code
    assert not Membership.objects.filter(user=invitee).exists()


def test_an_active_member_cannot_accept_again(invitation, invitee, invitee_client):
    MembershipFactory(trip=invitation.trip, user=invitee)

    response = invitee_client.post(url(invitation, "/accept"))

    assert response.status_code == 409
    assert response.json()["code"] == "already_member"
    invitation.refresh_from_db()
    assert invitation.status == "PENDING"  # nothing stored half-way


# --- decline by id --------------------------------------------------------------------------


def test_declining_closes_the_invitation_and_tells_the_inviter(
    invitation, invitee, invitee_client, trip_with_roles, capture_events
):
    with capture_events() as events:
        response = invitee_client.post(url(invitation, "/decline"))

    assert response.status_code == 204
    invitation.refresh_from_db()
    assert (invitation.status, invitation.invitee_id) == ("DECLINED", invitee.pk)
    assert invitation.revoked_by_id is None
    assert not Membership.objects.filter(user=invitee).exists()
    declined = [e for e in events if e.type == "TRIP_INVITATION_DECLINED"]
    assert {e.user_id for e in declined} == {str(invitee.pk)}
    notification = Notification.objects.get(type="TRIP_INVITATION_DECLINED")
    assert notification.user_id == trip_with_roles.admin.pk
    assert notification.metadata["invitationID"] == str(invitation.pk)


def test_someone_else_cannot_decline(invitation, trip_with_roles):
    response = trip_with_roles.client("member").post(url(invitation, "/decline"))

    assert response.status_code == 403
    assert response.json()["code"] == "email_mismatch"
    invitation.refresh_from_db()
    assert invitation.status == "PENDING"


# --- by token -------------------------------------------------------------------------------


def test_invite_then_accept_from_the_emailed_link_end_to_end(
    trip_with_roles, invitee, client_for, api_client, capture_events
):
    """An admin invites over HTTP, the email's link carries the token, the app shows the
    public details, the invitee signs in and accepts: they are a member."""
    crew = trip_with_roles
    with capture_events():
        created = crew.client("admin").post(
            f"/v1/trips/{crew.trip.pk}/invitations",
            {"email": "GUEST.traveller@example.com", "role": "MEMBER"},
        )
    assert created.status_code == 201
    [email] = mail.outbox
    assert email.to == ["guest.traveller@example.com"]
    [token] = re.findall(r"https://nomadcrew\.uk/invite/accept/([\w.-]+)", email.body)
    assert token in email.alternatives[0][0]  # the HTML part has the same link

    details = api_client.get("/v1/invitations/details", {"token": token})
    assert details.status_code == 200
    assert details.json()["trip"]["name"] == crew.trip.name

    accepted = client_for(invitee).post("/v1/invitations/accept", {"token": token})

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["userId"] == str(invitee.pk)
    assert Membership.objects.get(trip=crew.trip, user=invitee).status == "ACTIVE"
    assert Invitation.objects.get().status == "ACCEPTED"


def test_a_tampered_token_is_an_invalid_token(invitation, invitee_client):
    response = invitee_client.post(
        "/v1/invitations/accept", {"token": tampered(invitation_token(invitation))}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert response.json()["type"] == "AUTHENTICATION"


def test_a_token_signed_with_another_secret_is_an_invalid_token(
    invitation, invitee_client, settings
):
    token = invitation_token(invitation)
    settings.SECRET_KEY = "a-rotated-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

    response = invitee_client.post("/v1/invitations/accept", {"token": token})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_token_from_before_a_key_rotation_still_works(invitation, invitee_client, settings):
    token = invitation_token(invitation)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

    response = invitee_client.post("/v1/invitations/accept", {"token": token})

    assert response.status_code == 200


def test_an_expired_token_is_an_expired_invitation(invitation, invitee_client):
    response = invitee_client.post("/v1/invitations/accept", {"token": expired_token(invitation)})

    assert response.status_code == 400
    assert response.json()["code"] == "invitation_expired"


def test_a_token_of_a_vanished_invitation_is_not_found(invitation, invitee_client):
    token = invitation_token(invitation)
    invitation.delete()

    response = invitee_client.post("/v1/invitations/accept", {"token": token})

    assert response.status_code == 404
    assert response.json()["code"] == "invitation_not_found"


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": None}])
def test_the_token_routes_need_a_token(invitee_client, body):
    for route in ("/v1/invitations/accept", "/v1/invitations/decline"):
        response = invitee_client.post(route, body, format="json")
        assert response.status_code == 400
        assert "token" in response.json()["details"]


def test_accepting_someone_elses_token_is_an_email_mismatch(invitation, trip_with_roles):
    response = trip_with_roles.client("stranger").post(
        "/v1/invitations/accept", {"token": invitation_token(invitation)}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "email_mismatch"


def test_declining_by_token(invitation, invitee_client):
    response = invitee_client.post(
        "/v1/invitations/decline", {"token": invitation_token(invitation)}
    )

    assert response.status_code == 204
    invitation.refresh_from_db()
    assert invitation.status == "DECLINED"


def test_declining_with_a_tampered_token_changes_nothing(invitation, invitee_client):
    response = invitee_client.post(
        "/v1/invitations/decline", {"token": tampered(invitation_token(invitation))}
    )

    assert response.status_code == 401
    invitation.refresh_from_db()
    assert invitation.status == "PENDING"


# --- public details -------------------------------------------------------------------------


def test_the_details_are_public_with_a_valid_token(invitation, api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")  # ignored here

    response = api_client.get("/v1/invitations/details", {"token": invitation_token(invitation)})

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(invitation.pk)
    assert body["memberCount"] == 3
    assert body["inviter"]["email"] == ""


def test_the_details_need_a_token(api_client):
    response = api_client.get("/v1/invitations/details")

    assert response.status_code == 400
    assert response.json()["code"] == "missing_token"


@pytest.mark.parametrize("kind", ["tampered", "garbage", "expired"])
def test_the_details_refuse_a_bad_token(invitation, api_client, kind):
    token = {
        "tampered": lambda: tampered(invitation_token(invitation)),
        "garbage": lambda: "not.a.token",
        "expired": lambda: expired_token(invitation),
    }[kind]()

    response = api_client.get("/v1/invitations/details", {"token": token})

    expected = (400, "invitation_expired") if kind == "expired" else (401, "invalid_token")
    assert (response.status_code, response.json()["code"]) == expected


# --- join redirect --------------------------------------------------------------------------


def redirect_of(response):
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    return f"{location.scheme}://{location.netloc}{location.path}", parse_qs(location.query)


def test_join_without_a_token_redirects_with_missing_token(api_client):
    target = redirect_of(api_client.get("/v1/invitations/join"))

    assert target == ("https://nomadcrew.uk/join-trip", {"error": ["missing_token"]})


@pytest.mark.parametrize("kind", ["tampered", "expired"])
def test_join_with_a_bad_or_expired_token_redirects_with_invalid_token(
    invitation, api_client, kind
):
    token = tampered(invitation_token(invitation)) if kind == "tampered" else None
    token = token or expired_token(invitation)

    target = redirect_of(api_client.get("/v1/invitations/join", {"token": token}))

    assert target == ("https://nomadcrew.uk/join-trip", {"error": ["invalid_token"]})


def test_join_for_a_vanished_invitation_redirects_with_not_found(invitation, api_client):
    token = invitation_token(invitation)
    invitation.delete()

    target = redirect_of(api_client.get("/v1/invitations/join", {"token": token}))

    assert target == ("https://nomadcrew.uk/join-trip", {"error": ["invitation_not_found"]})


def test_join_for_an_accepted_invitation_goes_to_the_trip(invitation, api_client):
    token = invitation_token(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(
        status="ACCEPTED", responded_at=timezone.now()
    )

    target = redirect_of(api_client.get("/v1/invitations/join", {"token": token}))

    assert target == (
        f"https://nomadcrew.uk/trips/{invitation.trip_id}",
        {"message": ["already_joined"]},
    )


@pytest.mark.parametrize("status", ["DECLINED", "EXPIRED"])
def test_join_for_another_answered_invitation_says_processed(invitation, api_client, status):
    token = invitation_token(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(
        status=status, responded_at=timezone.now() if status == "DECLINED" else None
    )

    target = redirect_of(api_client.get("/v1/invitations/join", {"token": token}))

    assert target == (
        "https://nomadcrew.uk/join-trip",
        {"error": ["invitation_processed"], "status": [status]},
    )


def test_join_with_a_valid_token_hands_it_to_the_app(invitation, api_client, settings):
    settings.FRONTEND_URL = "nomadcrew://app"
    token = invitation_token(invitation)

    response = api_client.get("/v1/invitations/join", {"token": token})

    assert response.status_code == 302
    assert response["Location"] == f"nomadcrew://app/join-trip?token={token}"


def test_join_does_not_collide_with_invitation_ids(invitee_client):
    """``join`` and ``details`` are literal routes, not taken for an invitation id."""
    assert invitee_client.get("/v1/invitations/join").status_code == 302
    assert invitee_client.get("/v1/invitations/details").status_code == 400


def test_an_invitation_for_a_different_address_is_hidden_from_a_lookalike(
    trip_with_roles, client_for
):
    lookalike = UserFactory(email="guest.traveller@example.co")
    invitation = InvitationFactory(
        trip=trip_with_roles.trip, invitee_email="guest.traveller@example.com"
    )

    response = client_for(lookalike).get(url(invitation))

    assert response.status_code == 403
