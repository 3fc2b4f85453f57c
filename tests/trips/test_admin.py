"""The Django admin pages for trips and memberships render and search."""

import pytest

from tests.factories import MembershipFactory, TripFactory

pytestmark = pytest.mark.django_db


def test_trip_changelist_filters_and_searches(admin_client):
    TripFactory(name="Kyoto in spring", status="ACTIVE")
    TripFactory(name="Porto")
    response = admin_client.get("/admin/trips/trip/", {"q": "kyoto", "status__exact": "ACTIVE"})
    assert response.status_code == 200
    assert b"Kyoto in spring" in response.content
    assert b"Porto" not in response.content


def test_trip_change_page_shows_memberships_inline(admin_client):
    membership = MembershipFactory(role="ADMIN")
    response = admin_client.get(f"/admin/trips/trip/{membership.trip_id}/change/")
    assert response.status_code == 200
    assert b"memberships-TOTAL_FORMS" in response.content
    assert b'name="created_at"' not in response.content  # read-only timestamps


def test_membership_changelist_renders(admin_client):
    MembershipFactory(role="ADMIN")
    response = admin_client.get("/admin/trips/membership/", {"role__exact": "ADMIN"})
    assert response.status_code == 200
