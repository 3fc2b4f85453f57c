"""The Django admin for trips and memberships: pages render and search, and every write goes
through the trips services, so the admin can't do what the API refuses."""

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from apps.notifications.models import Notification
from apps.trips.models import Membership, Trip, TripImage
from tests.factories import MembershipFactory, TripFactory, UserFactory
from tests.realtime.conftest import (  # noqa: F401 - channel_layer, token_for: fixtures
    Socket,
    call,
    channel_layer,
    token_for,
)

pytestmark = pytest.mark.django_db


def test_trip_changelist_filters_and_searches(admin_client):
    TripFactory(name="Kyoto in spring", status="ACTIVE")
    TripFactory(name="Porto")
    response = admin_client.get("/admin/trips/trip/", {"q": "kyoto", "status__exact": "ACTIVE"})
    assert response.status_code == 200
    assert b"Kyoto in spring" in response.content
    assert b"Porto" not in response.content


def test_trip_change_page_shows_memberships_read_only(admin_client):
    membership = MembershipFactory(role="ADMIN")
    response = admin_client.get(f"/admin/trips/trip/{membership.trip_id}/change/")
    assert response.status_code == 200
    assert b"memberships-TOTAL_FORMS" in response.content
    assert b'name="memberships-0-role"' not in response.content  # edited on its own page
    assert b'name="created_at"' not in response.content  # read-only timestamps


def test_membership_changelist_renders(admin_client):
    MembershipFactory(role="ADMIN")
    response = admin_client.get("/admin/trips/membership/", {"role__exact": "ADMIN"})
    assert response.status_code == 200


# --- memberships ------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def change_membership(client, membership, **data):
    body = {"role": membership.role, "status": membership.status, **data}
    return client.post(f"/admin/trips/membership/{membership.pk}/change/", body, secure=True)


def test_deactivating_a_member_goes_through_the_service(staff, staff_client, capture_events):
    membership = MembershipFactory(role="MEMBER")

    with capture_events() as events:
        response = change_membership(staff_client, membership, status="INACTIVE")

    assert response.status_code == 302, response.content
    membership.refresh_from_db()
    assert membership.status == "INACTIVE"
    removal = [(e.type, e.user_id) for e in events if e.type in ("MEMBER_REMOVED",)]
    assert removal == [("MEMBER_REMOVED", str(membership.user_id))]
    assert "TRIP_MEMBER_LEFT" in [e.type for e in events]
    told = Notification.objects.get(user=membership.user, type="MEMBERSHIP_CHANGE")
    assert told.metadata["removed"] is True


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("channel_layer", ["memory"], indirect=True)
@pytest.mark.usefixtures("channel_layer")
def test_a_member_deactivated_in_the_admin_stops_getting_the_trips_events(
    trip_with_roles,
    token_for,  # noqa: F811 - the realtime fixture imported above
):
    crew = trip_with_roles
    membership = Membership.objects.get(trip=crew.trip, user=crew.member)
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    owner_client = token_for.client(crew.owner)
    member_token = token_for(crew.member)

    async def scenario():
        member = Socket(member_token)
        await member.open()
        response = await call(change_membership, admin, membership, status="INACTIVE")
        assert response.status_code == 302
        removed = await member.receive_event(trip_id=crew.trip.pk)
        assert (removed["type"], removed["userId"]) == ("MEMBER_REMOVED", str(crew.member.pk))
        await call(owner_client.post, f"/v1/trips/{crew.trip.pk}/chat/messages", {"content": "hi"})
        assert await member.trip_events(crew.trip.pk) == []
        await member.close()

    async_to_sync(scenario)()


@pytest.mark.parametrize(
    ("start", "change", "message"),
    [
        ("MEMBER", {"role": "OWNER"}, b"The OWNER role cannot be assigned."),
        ("OWNER", {"role": "MEMBER"}, b"An owner&#x27;s role cannot be changed."),
        ("OWNER", {"status": "INACTIVE"}, b"An owner cannot be removed by others."),
    ],
    ids=["second-owner", "demote-owner", "remove-owner"],
)
def test_the_owner_rule_holds_in_the_admin(staff_client, start, change, message):
    membership = MembershipFactory(role=start)

    response = change_membership(staff_client, membership, **change)

    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/trips/membership/{membership.pk}/change/")
    page = staff_client.get(response["Location"], secure=True)
    assert message in page.content
    membership.refresh_from_db()
    assert (membership.role, membership.status) == (start, "ACTIVE")
    owners = Membership.objects.filter(trip=membership.trip, role="OWNER", status="ACTIVE")
    assert owners.count() == (1 if start == "MEMBER" else 2)


def test_a_role_change_in_the_admin_notifies_the_member(staff_client, capture_events):
    membership = MembershipFactory(role="MEMBER")

    with capture_events() as events:
        response = change_membership(staff_client, membership, role="ADMIN")

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "ADMIN"
    assert "TRIP_MEMBER_UPDATED" in [e.type for e in events]
    assert Notification.objects.filter(user=membership.user, type="MEMBERSHIP_CHANGE").exists()


def test_a_former_member_is_not_reactivated_in_the_admin(staff_client):
    membership = MembershipFactory(role="MEMBER", status="INACTIVE")

    response = change_membership(staff_client, membership, status="ACTIVE")

    assert response.status_code == 200
    assert b"comes back by accepting a new invitation" in response.content
    membership.refresh_from_db()
    assert membership.status == "INACTIVE"


def test_memberships_are_not_added_or_deleted_in_the_admin(staff_client):
    """A person joins a trip only by accepting an invitation."""
    membership = MembershipFactory()
    trip = TripFactory()

    add = staff_client.get("/admin/trips/membership/add/", secure=True)
    posted = staff_client.post(
        "/admin/trips/membership/add/",
        {"trip": str(trip.pk), "user": str(UserFactory().pk), "role": "MEMBER"},
        secure=True,
    )
    delete = staff_client.post(
        f"/admin/trips/membership/{membership.pk}/delete/", {"post": "yes"}, secure=True
    )

    assert (add.status_code, posted.status_code, delete.status_code) == (403, 403, 403)
    assert Membership.objects.filter(trip=trip).count() == 1  # its owner only
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- trips ------------------------------------------------------------------------------------


def trip_form(trip, **changes):
    body = {
        "name": trip.name,
        "description": trip.description,
        "start_date": trip.start_date.isoformat(),
        "end_date": trip.end_date.isoformat(),
        "destination_place_id": trip.destination_place_id,
        "destination_address": trip.destination_address,
        "destination_name": trip.destination_name,
        "destination_latitude": trip.destination_latitude or "",
        "destination_longitude": trip.destination_longitude or "",
        "background_image_url": trip.background_image_url,
        "status": trip.status,
    }
    for prefix in ("memberships", "images", "invitations"):
        body |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return body | changes


def test_editing_a_trip_in_the_admin_tells_its_members(staff_client, capture_events):
    trip = TripFactory(name="Porto")
    member = MembershipFactory(trip=trip).user

    with capture_events() as events:
        response = staff_client.post(
            f"/admin/trips/trip/{trip.pk}/change/",
            trip_form(trip, name="Porto and Douro"),
            secure=True,
        )

    assert response.status_code == 302, response.content
    trip.refresh_from_db()
    assert trip.name == "Porto and Douro"
    [event] = [e for e in events if e.type == "TRIP_UPDATED"]
    assert (event.payload["changedFields"], event.payload["name"]) == (["name"], "Porto and Douro")
    assert Notification.objects.filter(user=member, type="TRIP_UPDATED").exists()


def test_the_status_machine_holds_in_the_admin(staff_client):
    trip = TripFactory(status="COMPLETED")

    response = staff_client.post(
        f"/admin/trips/trip/{trip.pk}/change/", trip_form(trip, status="PLANNING"), secure=True
    )

    assert response.status_code == 302
    page = staff_client.get(response["Location"], secure=True)
    assert b"A trip cannot go from COMPLETED to PLANNING." in page.content
    trip.refresh_from_db()
    assert trip.status == "COMPLETED"


def test_a_trip_added_in_the_admin_gets_its_owner_and_starts_planning(staff_client):
    creator = UserFactory()
    trip = TripFactory.build(name="Azores")
    body = trip_form(trip, created_by=str(creator.pk))

    response = staff_client.post("/admin/trips/trip/add/", body, secure=True)
    refused = staff_client.post(
        "/admin/trips/trip/add/", {**body, "status": "COMPLETED"}, secure=True
    )
    backwards = staff_client.post(
        "/admin/trips/trip/add/",
        {**body, "start_date": "2025-06-05", "end_date": "2025-06-01"},
        secure=True,
    )

    assert response.status_code == 302, response.content
    created = Trip.objects.get(name="Azores")
    assert created.status == "PLANNING"
    assert list(Membership.objects.filter(trip=created).values_list("user_id", "role")) == [
        (creator.pk, "OWNER")
    ]
    assert (refused.status_code, backwards.status_code) == (200, 200)
    assert Trip.objects.filter(name="Azores").count() == 1


def test_deleting_a_trip_in_the_admin_is_the_services_soft_delete(staff_client, capture_events):
    trip = TripFactory()

    with capture_events() as events:
        response = staff_client.post(
            f"/admin/trips/trip/{trip.pk}/delete/", {"post": "yes"}, secure=True
        )

    assert response.status_code == 302
    trip.refresh_from_db()
    assert trip.deleted_at is not None
    assert Membership.objects.filter(trip=trip).exists()  # the rows stay for audit
    assert [e.type for e in events] == ["TRIP_DELETED"]


def test_removing_the_background_image_in_the_admin_clears_it(staff_client, capture_events):
    trip = TripFactory()
    image = TripImage.objects.create(trip=trip, key=f"trip-images/{trip.pk}/x.png")
    Trip.objects.filter(pk=trip.pk).update(background_image_key=image.key)
    trip.refresh_from_db()
    body = trip_form(trip) | {
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "1",
        "images-0-id": str(image.pk),
        "images-0-trip": str(trip.pk),
        "images-0-DELETE": "on",
    }

    with capture_events() as events:
        response = staff_client.post(f"/admin/trips/trip/{trip.pk}/change/", body, secure=True)

    assert response.status_code == 302, response.content
    assert not TripImage.objects.filter(pk=image.pk).exists()
    trip.refresh_from_db()
    assert trip.background_image_key == ""
    assert "TRIP_UPDATED" in [e.type for e in events]
