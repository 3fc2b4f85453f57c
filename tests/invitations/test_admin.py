"""The Invitation admin and the inline exported for the Trip admin."""

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client, RequestFactory
from django.utils import timezone

from apps.invitations.admin import InvitationInline
from apps.invitations.models import Invitation
from apps.trips.models import Membership, Trip
from tests.factories import InvitationFactory, MembershipFactory, TripFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/invitations/invitation/"


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_changelist_filters_and_searches(staff_client):
    wanted = InvitationFactory(trip=TripFactory(name="Azores"), role="ADMIN")
    InvitationFactory(trip=wanted.trip, role="MEMBER")
    InvitationFactory(trip=TripFactory(name="Oslo"), role="ADMIN")

    response = staff_client.get(
        CHANGELIST, {"q": "azores", "role__exact": "ADMIN", "status__exact": "PENDING"}, secure=True
    )

    assert response.status_code == 200
    assert [i.pk for i in response.context["cl"].result_list] == [wanted.pk]
    by_email = staff_client.get(CHANGELIST, {"q": wanted.invitee_email}, secure=True)
    assert [i.pk for i in by_email.context["cl"].result_list] == [wanted.pk]


def test_revoking_in_the_admin_goes_through_the_service(staff, staff_client, capture_events):
    invitation = InvitationFactory()

    with capture_events() as events:
        response = staff_client.post(
            f"{CHANGELIST}{invitation.pk}/change/", {"status": "DECLINED"}, secure=True
        )

    assert response.status_code == 302, response.content
    invitation.refresh_from_db()
    assert invitation.status == "DECLINED"
    assert invitation.responded_at is not None
    assert invitation.revoked_by == staff
    [event] = [e for e in events if e.type == "TRIP_INVITATION_DECLINED"]
    assert event.payload["revoked"] is True


@pytest.mark.parametrize("status", ["ACCEPTED", "EXPIRED"])
def test_staff_cannot_accept_or_expire_an_invitation(staff_client, status):
    """Accepting is the invitee's own act: that is how anyone joins a trip."""
    invitation = InvitationFactory()

    response = staff_client.post(
        f"{CHANGELIST}{invitation.pk}/change/", {"status": status}, secure=True
    )

    assert response.status_code == 200  # the form again, with the error
    assert b"Staff can only revoke a pending invitation" in response.content
    invitation.refresh_from_db()
    assert invitation.status == "PENDING"
    assert not Membership.objects.filter(
        trip=invitation.trip, user__email=invitation.invitee_email
    ).exists()


def test_an_answered_invitation_cannot_be_revoked(staff_client):
    invitation = InvitationFactory(status="ACCEPTED", responded_at=timezone.now())

    response = staff_client.post(
        f"{CHANGELIST}{invitation.pk}/change/", {"status": "DECLINED"}, secure=True
    )

    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == "ACCEPTED"


def test_adding_an_invitation_in_the_admin_invites_through_the_service(
    staff_client, capture_events
):
    trip = TripFactory(name="Azores")

    with capture_events() as events:
        response = staff_client.post(
            f"{CHANGELIST}add/",
            {
                "trip": str(trip.pk),
                "inviter": str(trip.created_by_id),
                "invitee_email": " Guest@Example.com ",
                "role": "MEMBER",
            },
            secure=True,
        )

    assert response.status_code == 302, response.content
    invitation = Invitation.objects.get()
    assert (invitation.invitee_email, invitation.role, invitation.status) == (
        "guest@example.com",
        "MEMBER",
        "PENDING",
    )
    assert "TRIP_INVITATION_CREATED" in [e.type for e in events]
    assert [m.to for m in mail.outbox] == [["guest@example.com"]]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"role": "OWNER"}, b"Select a valid choice"),
        ({"inviter": "stranger"}, b"The inviter must be an OWNER or ADMIN of the trip"),
    ],
)
def test_the_admin_cannot_invite_what_the_api_refuses(staff_client, change, error):
    trip = TripFactory()
    body = {
        "trip": str(trip.pk),
        "inviter": str(trip.created_by_id),
        "invitee_email": "guest@example.com",
        "role": "MEMBER",
        **change,
    }
    if body["inviter"] == "stranger":
        body["inviter"] = str(UserFactory().pk)

    response = staff_client.post(f"{CHANGELIST}add/", body, secure=True)

    assert response.status_code == 200
    assert error in response.content
    assert not Invitation.objects.exists()


def test_inviting_a_current_member_is_refused_with_the_services_message(staff_client):
    membership = MembershipFactory(user__email="member@example.com")

    response = staff_client.post(
        f"{CHANGELIST}add/",
        {
            "trip": str(membership.trip_id),
            "inviter": str(membership.trip.created_by_id),
            "invitee_email": "member@example.com",
            "role": "MEMBER",
        },
        secure=True,
    )

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}add/"  # back to the form
    again = staff_client.get(response["Location"], secure=True)
    assert b"Not saved: This person is already a member of this trip." in again.content
    assert not Invitation.objects.exists()


def test_the_inline_lists_a_trips_invitations_read_only(staff):
    trip = TripFactory()
    invitations = InvitationFactory.create_batch(2, trip=trip)
    InvitationFactory()  # another trip's
    inline = InvitationInline(Trip, admin.site)
    request = RequestFactory().get("/")
    request.user = staff

    assert inline.check() == []
    assert not inline.has_add_permission(request, trip)
    assert not inline.has_delete_permission(request, trip)
    formset = inline.get_formset(request, trip)(
        instance=trip, queryset=inline.get_queryset(request)
    )

    assert {form.instance.pk for form in formset.forms} == {i.pk for i in invitations}
    assert all(set(form.fields) <= {"id", "trip"} for form in formset.forms)  # read-only


def test_trip_admin_page_shows_the_trips_invitations(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    invitation = InvitationFactory(invitee_email="inline.guest@example.com")
    client.force_login(staff)
    response = client.get(f"/admin/trips/trip/{invitation.trip_id}/change/")
    assert response.status_code == 200
    assert b"inline.guest@example.com" in response.content
