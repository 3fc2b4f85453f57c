"""Members over HTTP: list, add (and re-add), remove, leave, change role, and their events."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.invitations.models import Invitation
from apps.notifications.models import Notification
from apps.trips.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.trips.events import trip_events

pytestmark = pytest.mark.django_db


def members_url(trip, suffix=""):
    return f"/v1/trips/{trip.pk}/members{suffix}"


def membership(crew, user):
    return Membership.objects.get(trip=crew.trip, user=user)


def user_summary(user) -> dict:
    """The member's user summary, as GET /v1/users/{id} nests it (what member events carry)."""
    return {
        "id": str(user.pk),
        "email": user.email,
        "username": user.username,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "avatarUrl": user.avatar_url,
        "displayName": user.display_name,
    }


def event_summary(events):
    return [(event.type, event.user_id, event.payload) for event in trip_events(events)]


# --- list -----------------------------------------------------------------------------------


def test_list_gives_active_members_with_users_oldest_first(trip_with_roles):
    crew = trip_with_roles
    MembershipFactory(trip=crew.trip, status="INACTIVE")
    response = crew.client("member").get(members_url(crew.trip))
    assert response.status_code == 200
    body = response.json()
    assert [item["membership"]["userId"] for item in body] == [
        str(crew.owner.pk),
        str(crew.admin.pk),
        str(crew.member.pk),
    ]
    first = body[0]
    owner_row = membership(crew, crew.owner)
    assert first["membership"] == {
        "id": str(owner_row.pk),
        "tripId": str(crew.trip.pk),
        "userId": str(crew.owner.pk),
        "role": "OWNER",
        "status": "ACTIVE",
        "createdAt": owner_row.created_at.isoformat().replace("+00:00", "Z"),
        "updatedAt": owner_row.updated_at.isoformat().replace("+00:00", "Z"),
    }
    assert first["user"] == {
        "id": str(crew.owner.pk),
        "email": crew.owner.email,
        "username": crew.owner.username,
        "firstName": crew.owner.first_name,
        "lastName": crew.owner.last_name,
        "avatarUrl": "",
        "displayName": crew.owner.display_name,
    }


def test_list_query_count_does_not_grow_with_members(
    trip_with_roles, django_assert_max_num_queries
):
    crew = trip_with_roles
    client = crew.client("member")
    with CaptureQueriesContext(connection) as few:
        client.get(members_url(crew.trip))
    MembershipFactory.create_batch(30, trip=crew.trip)
    with django_assert_max_num_queries(3):
        response = client.get(members_url(crew.trip))
    assert len(response.json()) == 33
    with CaptureQueriesContext(connection) as many:
        client.get(members_url(crew.trip))
    assert len(few) == len(many)


# --- add ------------------------------------------------------------------------------------


def test_adding_a_user_invites_them_rather_than_making_them_a_member(
    trip_with_roles, capture_events, client_for, mailoutbox
):
    """Consent (issue 11 item 2): the added user joins only by accepting an invitation."""
    crew = trip_with_roles
    newcomer = UserFactory(email="newcomer@example.com")
    with capture_events() as events:
        response = crew.client("owner").post(
            members_url(crew.trip), {"userId": str(newcomer.pk), "role": "admin"}, format="json"
        )
    assert response.status_code == 201, response.content
    assert not Membership.objects.filter(trip=crew.trip, user=newcomer).exists()
    invitation = Invitation.objects.get(trip=crew.trip)
    assert (invitation.invitee_id, invitation.invitee_email) == (newcomer.pk, newcomer.email)
    assert (invitation.role, invitation.status) == ("ADMIN", "PENDING")
    body = response.json()
    assert (body["id"], body["inviteeId"], body["role"]) == (
        str(invitation.pk),
        str(newcomer.pk),
        "ADMIN",
    )
    # The same email, notification and event as an invitation by address.
    assert [m.to for m in mailoutbox] == [["newcomer@example.com"]]
    assert Notification.objects.get(user=newcomer).type == "TRIP_INVITATION_RECEIVED"
    assert [e.type for e in trip_events(events)] == ["TRIP_INVITATION_CREATED"]
    # Whom the owner added by id doesn't give away their address: not in the answer, the
    # event every member receives, the trip's invitation list or the link's public details.
    assert body["inviteeEmail"] == ""
    assert all("inviteeEmail" not in event.payload for event in trip_events(events))
    listed = crew.client("owner").get(f"/v1/trips/{crew.trip.pk}/invitations").json()
    assert [i["inviteeEmail"] for i in listed] == [""]
    details = crew.client("owner").get("/v1/invitations/details", {"token": body["token"]})
    assert details.json()["email"] == ""
    assert "newcomer@example.com" not in str(body) + str(listed) + str(details.json())
    newcomer_client = client_for(newcomer)
    assert crew.trip.name not in [t["name"] for t in newcomer_client.get("/v1/trips").json()]

    accepted = newcomer_client.post(f"/v1/invitations/{invitation.pk}/accept")

    assert accepted.status_code == 200, accepted.content
    assert (membership(crew, newcomer).role, membership(crew, newcomer).status) == (
        "ADMIN",
        "ACTIVE",
    )
    assert crew.trip.name in [t["name"] for t in newcomer_client.get("/v1/trips").json()]


def test_adding_the_same_user_again_resends_their_invitation(
    trip_with_roles, mailoutbox, django_capture_on_commit_callbacks
):
    crew = trip_with_roles
    newcomer = UserFactory()
    body = {"userId": str(newcomer.pk), "role": "MEMBER"}
    with django_capture_on_commit_callbacks(execute=True):
        first = crew.client("owner").post(members_url(crew.trip), body)
    with django_capture_on_commit_callbacks(execute=True):
        again = crew.client("owner").post(members_url(crew.trip), body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Invitation.objects.filter(trip=crew.trip).count() == 1
    assert len(mailoutbox) == 2


def test_re_adding_a_former_member_invites_them(trip_with_roles, capture_events):
    crew = trip_with_roles
    former = MembershipFactory(trip=crew.trip, role="ADMIN", status="INACTIVE")
    with capture_events() as events:
        response = crew.client("owner").post(
            members_url(crew.trip), {"userId": str(former.user_id), "role": "MEMBER"}
        )
    assert response.status_code == 201, response.content
    former.refresh_from_db()
    assert (former.role, former.status) == ("ADMIN", "INACTIVE")
    assert response.json()["inviteeId"] == str(former.user_id)
    assert [e.type for e in trip_events(events)] == ["TRIP_INVITATION_CREATED"]


def test_a_user_without_a_verified_email_cannot_be_added(trip_with_roles):
    crew = trip_with_roles
    unverified = UserFactory(email="")
    response = crew.client("owner").post(
        members_url(crew.trip), {"userId": str(unverified.pk), "role": "MEMBER"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "email_not_verified"
    assert not Invitation.objects.filter(trip=crew.trip).exists()
    assert not Membership.objects.filter(user=unverified).exists()


def test_adding_an_active_member_is_409(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").post(
            members_url(crew.trip), {"userId": str(crew.member.pk), "role": "ADMIN"}
        )
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"
    assert membership(crew, crew.member).role == "MEMBER"
    assert events == []


def test_owner_role_cannot_be_assigned_by_adding(trip_with_roles):
    crew = trip_with_roles
    newcomer = UserFactory()
    response = crew.client("owner").post(
        members_url(crew.trip), {"userId": str(newcomer.pk), "role": "OWNER"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "owner_role_forbidden"
    assert not Membership.objects.filter(user=newcomer).exists()


def test_adding_an_unknown_user_is_404(trip_with_roles):
    crew = trip_with_roles
    response = crew.client("owner").post(
        members_url(crew.trip), {"userId": str(uuid.uuid4()), "role": "MEMBER"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


@pytest.mark.parametrize(
    "body",
    [{}, {"userId": "nope", "role": "MEMBER"}, {"userId": str(uuid.uuid4()), "role": "GUEST"}],
)
def test_invalid_add_bodies_are_400(trip_with_roles, body):
    crew = trip_with_roles
    response = crew.client("owner").post(members_url(crew.trip), body, format="json")
    assert response.status_code == 400
    assert Membership.objects.filter(trip=crew.trip).count() == 3


# --- remove and leave -----------------------------------------------------------------------


def test_owner_removes_a_member(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").delete(members_url(crew.trip, f"/{crew.admin.pk}"))
    assert response.status_code == 204
    assert membership(crew, crew.admin).status == "INACTIVE"
    assert event_summary(events) == [
        (
            "MEMBER_REMOVED",
            str(crew.admin.pk),
            {
                "userId": str(crew.admin.pk),
                "role": "ADMIN",
                "user": user_summary(crew.admin),
                "removedBy": str(crew.owner.pk),
            },
        ),
        (
            "TRIP_MEMBER_LEFT",
            str(crew.admin.pk),
            {"userId": str(crew.admin.pk), "removedBy": str(crew.owner.pk)},
        ),
    ]
    assert crew.client("admin").get(f"/v1/trips/{crew.trip.pk}").status_code == 404


def test_member_leaves_by_deleting_their_own_membership(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("member").delete(members_url(crew.trip, f"/{crew.member.pk}"))
    assert response.status_code == 204
    assert membership(crew, crew.member).status == "INACTIVE"
    assert [e.type for e in trip_events(events)] == ["MEMBER_REMOVED", "TRIP_MEMBER_LEFT"]
    assert trip_events(events)[1].payload == {
        "userId": str(crew.member.pk),
        "removedBy": str(crew.member.pk),
    }


def test_removing_a_non_member_is_404(trip_with_roles):
    crew = trip_with_roles
    former = MembershipFactory(trip=crew.trip, status="INACTIVE")
    for user_id in (crew.stranger.pk, former.user_id, uuid.uuid4()):
        response = crew.client("owner").delete(members_url(crew.trip, f"/{user_id}"))
        assert response.status_code == 404
        assert response.json()["code"] == "member_not_found"


def test_the_last_owner_cannot_leave(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").delete(members_url(crew.trip, f"/{crew.owner.pk}"))
    assert response.status_code == 400
    assert response.json()["code"] == "last_owner"
    assert membership(crew, crew.owner).status == "ACTIVE"
    assert events == []


def test_an_owner_may_leave_while_another_owner_remains(trip_with_roles):
    crew = trip_with_roles
    MembershipFactory(trip=crew.trip, role="OWNER")
    response = crew.client("owner").delete(members_url(crew.trip, f"/{crew.owner.pk}"))
    assert response.status_code == 204
    assert membership(crew, crew.owner).status == "INACTIVE"


def test_an_owner_cannot_be_removed_by_another_owner(trip_with_roles):
    crew = trip_with_roles
    co_owner = MembershipFactory(trip=crew.trip, role="OWNER")
    response = crew.client("owner").delete(members_url(crew.trip, f"/{co_owner.user_id}"))
    assert response.status_code == 403
    assert response.json()["code"] == "owner_immutable"
    co_owner.refresh_from_db()
    assert co_owner.status == "ACTIVE"


def test_an_inactive_owner_does_not_count_as_the_remaining_owner(trip_with_roles):
    crew = trip_with_roles
    MembershipFactory(trip=crew.trip, role="OWNER", status="INACTIVE")
    response = crew.client("owner").delete(members_url(crew.trip, f"/{crew.owner.pk}"))
    assert response.status_code == 400
    assert response.json()["code"] == "last_owner"


def test_a_member_who_left_comes_back_only_by_accepting(trip_with_roles):
    crew = trip_with_roles
    crew.client("member").delete(members_url(crew.trip, f"/{crew.member.pk}"))
    response = crew.client("owner").post(
        members_url(crew.trip), {"userId": str(crew.member.pk), "role": "MEMBER"}
    )
    assert response.status_code == 201
    assert membership(crew, crew.member).status == "INACTIVE"
    assert crew.client("member").get(f"/v1/trips/{crew.trip.pk}").status_code == 404

    accepted = crew.client("member").post(f"/v1/invitations/{response.json()['id']}/accept")

    assert accepted.status_code == 200, accepted.content
    assert membership(crew, crew.member).status == "ACTIVE"
    assert crew.client("member").get(f"/v1/trips/{crew.trip.pk}").status_code == 200


# --- change role ----------------------------------------------------------------------------


def test_admin_promotes_a_member(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("admin").put(
            members_url(crew.trip, f"/{crew.member.pk}/role"), {"role": "admin"}
        )
    assert response.status_code == 200, response.content
    row = membership(crew, crew.member)
    assert row.role == "ADMIN"
    assert response.json()["role"] == "ADMIN"
    assert response.json()["id"] == str(row.pk)
    assert response.json()["status"] == "ACTIVE"
    assert event_summary(events) == [
        (
            "MEMBER_ROLE_UPDATED",
            str(crew.member.pk),
            {
                "userId": str(crew.member.pk),
                "role": "ADMIN",
                "oldRole": "MEMBER",
                "user": user_summary(crew.member),
                "updatedBy": str(crew.admin.pk),
            },
        ),
        (
            "TRIP_MEMBER_UPDATED",
            str(crew.member.pk),
            {
                "userId": str(crew.member.pk),
                "oldRole": "MEMBER",
                "newRole": "ADMIN",
                "updatedBy": str(crew.admin.pk),
            },
        ),
    ]


def test_setting_the_same_role_changes_nothing(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").put(
            members_url(crew.trip, f"/{crew.member.pk}/role"), {"role": "MEMBER"}
        )
    assert response.status_code == 200
    assert events == []


def test_owner_role_cannot_be_assigned(trip_with_roles):
    crew = trip_with_roles
    response = crew.client("owner").put(
        members_url(crew.trip, f"/{crew.admin.pk}/role"), {"role": "OWNER"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "owner_immutable"
    assert membership(crew, crew.admin).role == "ADMIN"


@pytest.mark.parametrize("caller", ["owner", "admin"])
def test_an_owners_role_cannot_be_changed(trip_with_roles, caller):
    crew = trip_with_roles
    response = crew.client(caller).put(
        members_url(crew.trip, f"/{crew.owner.pk}/role"), {"role": "MEMBER"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "owner_immutable"
    assert membership(crew, crew.owner).role == "OWNER"


def test_changing_the_role_of_a_non_member_is_404(trip_with_roles):
    crew = trip_with_roles
    response = crew.client("owner").put(
        members_url(crew.trip, f"/{crew.stranger.pk}/role"), {"role": "ADMIN"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "member_not_found"


@pytest.mark.parametrize("body", [{}, {"role": "boss"}])
def test_invalid_role_bodies_are_400(trip_with_roles, body):
    crew = trip_with_roles
    response = crew.client("owner").put(
        members_url(crew.trip, f"/{crew.member.pk}/role"), body, format="json"
    )
    assert response.status_code == 400
    assert membership(crew, crew.member).role == "MEMBER"
