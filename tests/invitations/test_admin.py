"""The Invitation admin and the inline exported for the Trip admin."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from apps.invitations.admin import InvitationAdminForm, InvitationInline
from apps.invitations.models import Invitation
from apps.trips.models import Trip
from tests.factories import InvitationFactory, TripFactory, UserFactory

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


def test_declining_in_the_admin_keeps_the_constraints(staff_client):
    invitation = InvitationFactory()

    response = staff_client.post(
        f"{CHANGELIST}{invitation.pk}/change/",
        {
            "trip": str(invitation.trip_id),
            "inviter": str(invitation.inviter_id),
            "invitee_email": "Someone.Else@Example.com",
            "invitee": "",
            "role": "MEMBER",
            "status": "DECLINED",
            "expires_at_0": invitation.expires_at.strftime("%Y-%m-%d"),
            "expires_at_1": invitation.expires_at.strftime("%H:%M:%S"),
        },
        secure=True,
    )

    assert response.status_code == 302, response.content
    invitation.refresh_from_db()
    assert invitation.status == "DECLINED"
    assert invitation.responded_at is not None
    assert invitation.invitee_email == "someone.else@example.com"


def test_the_inline_lists_a_trips_invitations(staff):
    trip = TripFactory()
    invitations = InvitationFactory.create_batch(2, trip=trip)
    InvitationFactory()  # another trip's
    inline = InvitationInline(Trip, admin.site)
    request = RequestFactory().get("/")
    request.user = staff

    assert inline.check() == []
    formset = inline.get_formset(request, trip)(
        instance=trip, queryset=inline.get_queryset(request)
    )

    assert {form.instance.pk for form in formset.forms} == {i.pk for i in invitations}
    assert all(isinstance(form, InvitationAdminForm) for form in formset.forms)
    assert Invitation.objects.count() == 3


def test_trip_admin_page_shows_the_trips_invitations(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    invitation = InvitationFactory(invitee_email="inline.guest@example.com")
    client.force_login(staff)
    response = client.get(f"/admin/trips/trip/{invitation.trip_id}/change/")
    assert response.status_code == 200
    assert b"inline.guest@example.com" in response.content
