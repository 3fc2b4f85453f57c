"""A trip's admins invite, list and revoke: roles, validation, re-sends, events, notifications."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.invitations.models import Invitation
from apps.invitations.tokens import invitation_claims, invitation_token
from apps.notifications.models import Notification
from tests.factories import InvitationFactory, MembershipFactory, TripFactory, UserFactory

pytestmark = pytest.mark.django_db


def invitations_url(trip, suffix=""):
    return f"/v1/trips/{trip.pk}/invitations{suffix}"


def types(events):
    return [event.type for event in events]


# --- who may call ---------------------------------------------------------------------------


def _create(crew):
    return "post", invitations_url(crew.trip), {"email": "new.friend@example.com", "role": "MEMBER"}


def _list(crew):
    return "get", invitations_url(crew.trip), None


def _revoke(crew):
    invitation = InvitationFactory(trip=crew.trip, inviter=crew.owner)
    return "delete", invitations_url(crew.trip, f"/{invitation.pk}"), None


ENDPOINTS = {"create": (_create, 201), "list": (_list, 200), "revoke": (_revoke, 204)}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("role", "expected"),
    [("stranger", 404), ("member", 403), ("admin", None), ("owner", None)],
)
def test_only_admins_and_owners_manage_invitations(trip_with_roles, endpoint, role, expected):
    make, success = ENDPOINTS[endpoint]
    method, url, body = make(trip_with_roles)

    response = getattr(trip_with_roles.client(role), method)(url, body, format="json")

    assert response.status_code == (expected or success), response.content
    if expected == 404:
        assert response.json()["code"] == "trip_not_found"
    if expected == 403:
        assert response.json()["code"] == "insufficient_role"


def test_anonymous_callers_are_refused(trip_with_roles, api_client):
    response = api_client.get(invitations_url(trip_with_roles.trip))

    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"


def test_a_deleted_trip_is_not_found(trip_with_roles):
    trip_with_roles.trip.deleted_at = timezone.now()
    trip_with_roles.trip.save()

    response = trip_with_roles.client("owner").get(invitations_url(trip_with_roles.trip))

    assert response.status_code == 404


# --- create ---------------------------------------------------------------------------------


def test_invite_stores_a_pending_invitation_and_returns_it(trip_with_roles, capture_events):
    crew = trip_with_roles
    before = timezone.now()

    with capture_events() as events:
        response = crew.client("admin").post(
            invitations_url(crew.trip),
            {"email": "  New.Friend@Example.COM ", "role": "admin"},
            format="json",
        )

    assert response.status_code == 201, response.content
    invitation = Invitation.objects.get()
    body = response.json()
    assert body == {
        "id": str(invitation.pk),
        "tripId": str(crew.trip.pk),
        "inviterId": str(crew.admin.pk),
        "inviteeEmail": "new.friend@example.com",
        "inviteeId": None,
        "role": "ADMIN",
        "status": "PENDING",
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
        "expiresAt": body["expiresAt"],
        "token": body["token"],
    }
    assert (invitation.invitee_email, invitation.role, invitation.status) == (
        "new.friend@example.com",
        "ADMIN",
        "PENDING",
    )
    week = timedelta(days=7)
    assert before + week <= invitation.expires_at <= timezone.now() + week
    claims = invitation_claims(body["token"])
    assert (claims.invitation_id, claims.trip_id, claims.invitee_email) == (
        invitation.pk,
        crew.trip.pk,
        "new.friend@example.com",
    )
    # The invitee's email only to those who may list invitations (OWNER, ADMIN).
    admins, members = (e for e in events if e.type == "TRIP_INVITATION_CREATED")
    assert {admins.trip_id, members.trip_id} == {str(crew.trip.pk)}
    assert {admins.user_id, members.user_id} == {str(crew.admin.pk)}
    assert set(admins.recipient_user_ids) == {str(crew.owner.pk), str(crew.admin.pk)}
    assert admins.payload == {
        "invitationId": str(invitation.pk),
        "inviteeEmail": "new.friend@example.com",
        "role": "ADMIN",
        "status": "PENDING",
    }
    assert members.recipient_user_ids == (str(crew.member.pk),)
    assert members.payload == {
        "invitationId": str(invitation.pk),
        "role": "ADMIN",
        "status": "PENDING",
    }
    # Nobody has this address yet: no in-app notification, just the email.
    assert not Notification.objects.exists()
    assert [m.to for m in mail.outbox] == [["new.friend@example.com"]]


def test_the_ttl_comes_from_settings(trip_with_roles, settings):
    settings.INVITATION_TTL_DAYS = 2

    response = trip_with_roles.client("owner").post(
        invitations_url(trip_with_roles.trip), {"email": "a@example.com", "role": "MEMBER"}
    )

    invitation = Invitation.objects.get(pk=response.json()["id"])
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        timedelta(days=2), abs=timedelta(seconds=5)
    )


def test_inviting_someone_with_an_account_notifies_them(trip_with_roles, capture_events):
    crew = trip_with_roles
    friend = UserFactory(email="Friend@Example.com")

    with capture_events() as events:
        response = crew.client("owner").post(
            invitations_url(crew.trip), {"email": "friend@example.com", "role": "MEMBER"}
        )

    assert response.status_code == 201
    assert response.json()["inviteeId"] == str(friend.pk)
    invitation = Invitation.objects.get()
    notification = Notification.objects.get()
    assert (notification.user_id, notification.type) == (friend.pk, "TRIP_INVITATION_RECEIVED")
    assert notification.metadata == {
        "invitationID": str(invitation.pk),
        "tripID": str(crew.trip.pk),
        "inviterID": str(crew.owner.pk),
        "tripName": crew.trip.name,
        "inviterName": crew.owner.display_name,
    }
    assert "notification.created" in types(events)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com", "role": "OWNER"}, "role"),
        ({"email": "a@example.com", "role": "CAPTAIN"}, "role"),
        ({"email": "a@example.com"}, "role"),
        ({"email": "not-an-email", "role": "MEMBER"}, "email"),
        ({"role": "MEMBER"}, "email"),
    ],
    ids=["owner role", "unknown role", "no role", "bad email", "no email"],
)
def test_invalid_invitations_are_refused_with_a_field_error(trip_with_roles, body, field):
    response = trip_with_roles.client("owner").post(invitations_url(trip_with_roles.trip), body)

    assert response.status_code == 400
    assert response.json()["type"] == "VALIDATION"
    assert field in response.json()["details"]
    assert not Invitation.objects.exists()


def test_inviting_the_same_address_again_resends_instead_of_duplicating(trip_with_roles):
    crew = trip_with_roles
    url = invitations_url(crew.trip)
    first = crew.client("owner").post(url, {"email": "twice@example.com", "role": "MEMBER"})
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() + timedelta(hours=1)
    )
    invitation.refresh_from_db()
    link_before = invitation_token(invitation)

    again = crew.client("admin").post(url, {"email": "TWICE@example.com", "role": "ADMIN"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Invitation.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.resend_count == 1
    assert invitation.role == "MEMBER"  # a re-send changes nothing but the expiry
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert again.json()["token"] != link_before  # a fresh expiry, a fresh link


def test_a_resend_emails_again(trip_with_roles, capture_events):
    crew = trip_with_roles
    url = invitations_url(crew.trip)

    with capture_events() as events:
        crew.client("owner").post(url, {"email": "twice@example.com", "role": "MEMBER"})
    first_events = len(events)
    with capture_events() as events:
        crew.client("owner").post(url, {"email": "twice@example.com", "role": "MEMBER"})

    assert len(mail.outbox) == 2
    assert Invitation.objects.get().email_sent_at is not None
    assert "TRIP_INVITATION_CREATED" not in types(events[first_events:])  # nothing new


def test_an_answered_invitation_does_not_block_a_new_one(trip_with_roles):
    crew = trip_with_roles
    old = InvitationFactory(trip=crew.trip, invitee_email="back@example.com", status="DECLINED")

    response = crew.client("owner").post(
        invitations_url(crew.trip), {"email": "back@example.com", "role": "MEMBER"}
    )

    assert response.status_code == 201
    assert response.json()["id"] != str(old.pk)
    assert Invitation.objects.filter(invitee_email="back@example.com").count() == 2


def test_the_same_address_may_be_invited_to_another_trip(trip_with_roles):
    crew = trip_with_roles
    InvitationFactory(trip=TripFactory(), invitee_email="both@example.com")

    response = crew.client("owner").post(
        invitations_url(crew.trip), {"email": "both@example.com", "role": "MEMBER"}
    )

    assert response.status_code == 201


def test_inviting_an_active_member_is_a_conflict(trip_with_roles):
    crew = trip_with_roles

    response = crew.client("owner").post(
        invitations_url(crew.trip), {"email": crew.member.email.upper(), "role": "MEMBER"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "already_member"
    assert not Invitation.objects.exists()


def test_a_former_member_can_be_invited_back(trip_with_roles):
    crew = trip_with_roles
    former = MembershipFactory(trip=crew.trip, status="INACTIVE").user

    response = crew.client("owner").post(
        invitations_url(crew.trip), {"email": former.email, "role": "MEMBER"}
    )

    assert response.status_code == 201
    assert response.json()["inviteeId"] == str(former.pk)


def test_two_accounts_with_the_address_leave_the_invitee_open(trip_with_roles):
    UserFactory(email="shared@example.com")
    UserFactory(email="Shared@example.com")

    response = trip_with_roles.client("owner").post(
        invitations_url(trip_with_roles.trip), {"email": "shared@example.com", "role": "MEMBER"}
    )

    assert response.status_code == 201
    assert response.json()["inviteeId"] is None
    assert not Notification.objects.exists()


def test_snake_case_request_keys_work_too(trip_with_roles):
    response = trip_with_roles.client("owner").post(
        invitations_url(trip_with_roles.trip),
        {"email": "snake@example.com", "role": "member"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["role"] == "MEMBER"


# --- list -----------------------------------------------------------------------------------


def test_the_list_shows_every_status_newest_first_with_tokens_only_while_pending(
    trip_with_roles,
):
    crew = trip_with_roles
    now = timezone.now()
    accepted = InvitationFactory(trip=crew.trip, status="ACCEPTED")
    pending = InvitationFactory(trip=crew.trip)
    expired = InvitationFactory(trip=crew.trip, status="EXPIRED", expires_at=now)
    InvitationFactory(trip=TripFactory())  # another trip's
    for age, invitation in enumerate([expired, pending, accepted]):
        Invitation.objects.filter(pk=invitation.pk).update(created_at=now - timedelta(minutes=age))

    response = crew.client("admin").get(invitations_url(crew.trip))

    assert response.status_code == 200
    body = response.json()
    assert [i["id"] for i in body] == [str(expired.pk), str(pending.pk), str(accepted.pk)]
    assert [i["status"] for i in body] == ["EXPIRED", "PENDING", "ACCEPTED"]
    assert body[0]["token"] is None
    assert body[2]["token"] is None
    assert invitation_claims(body[1]["token"]).invitation_id == pending.pk


def test_the_list_query_count_does_not_grow_with_invitations(
    trip_with_roles, django_assert_max_num_queries
):
    crew = trip_with_roles
    client = crew.client("owner")
    url = invitations_url(crew.trip)
    InvitationFactory(trip=crew.trip)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).json()) == 1

    InvitationFactory.create_batch(15, trip=crew.trip)
    with django_assert_max_num_queries(len(one)):
        assert len(client.get(url).json()) == 16
    assert len(one) <= 3  # the caller, their membership, the invitations


# --- revoke ---------------------------------------------------------------------------------


def test_revoking_declines_a_pending_invitation(trip_with_roles, capture_events, invitation):
    crew = trip_with_roles

    with capture_events() as events:
        response = crew.client("owner").delete(invitations_url(crew.trip, f"/{invitation.pk}"))

    assert response.status_code == 204
    invitation.refresh_from_db()
    assert invitation.status == "DECLINED"
    assert invitation.revoked_by_id == crew.owner.pk
    assert invitation.responded_at is not None
    declined = [e for e in events if e.type == "TRIP_INVITATION_DECLINED"]
    assert {e.user_id for e in declined} == {str(crew.owner.pk)}
    assert all(e.payload["revoked"] is True for e in declined)
    assert all(e.payload["status"] == "DECLINED" for e in declined)
    assert not Notification.objects.exists()


def test_an_invitation_of_another_trip_cannot_be_revoked_here(trip_with_roles):
    crew = trip_with_roles
    foreign = InvitationFactory(trip=TripFactory())

    response = crew.client("owner").delete(invitations_url(crew.trip, f"/{foreign.pk}"))

    assert response.status_code == 404
    assert response.json()["code"] == "invitation_not_found"
    foreign.refresh_from_db()
    assert foreign.status == "PENDING"


def test_revoking_an_unknown_invitation_is_not_found(trip_with_roles):
    response = trip_with_roles.client("owner").delete(
        invitations_url(trip_with_roles.trip, f"/{uuid.uuid4()}")
    )

    assert response.status_code == 404


@pytest.mark.parametrize("status", ["ACCEPTED", "DECLINED", "EXPIRED"])
def test_only_pending_invitations_can_be_revoked(trip_with_roles, status):
    crew = trip_with_roles
    invitation = InvitationFactory(trip=crew.trip, status=status)

    response = crew.client("admin").delete(invitations_url(crew.trip, f"/{invitation.pk}"))

    assert response.status_code == 409
    assert response.json()["code"] == "invitation_not_pending"
    invitation.refresh_from_db()
    assert invitation.status == status
