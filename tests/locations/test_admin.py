"""Locations in the Django admin: listed, filtered by privacy, searched by user."""

import pytest

from tests.factories import LocationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/locations/location/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_filters_by_privacy_and_searches_by_user(staff_client):
    hidden = LocationFactory(user=UserFactory(username="hidden-hana"), privacy="hidden")
    LocationFactory(user=UserFactory(username="precise-pia"), privacy="precise")
    legacy = LocationFactory(user=UserFactory(username="legacy-lee"), trip=None)

    everything = staff_client.get(URL)
    by_privacy = staff_client.get(f"{URL}?privacy__exact=hidden")
    by_user = staff_client.get(f"{URL}?q=legacy-lee")

    assert everything.status_code == 200
    assert all(
        name in everything.content for name in (b"hidden-hana", b"precise-pia", b"legacy-lee")
    )
    assert b"hidden-hana" in by_privacy.content
    assert b"precise-pia" not in by_privacy.content
    assert b"legacy-lee" in by_user.content
    assert b"precise-pia" not in by_user.content
    assert staff_client.get(f"{URL}{hidden.pk}/change/").status_code == 200
    assert staff_client.get(f"{URL}{legacy.pk}/change/").status_code == 200
