"""What a client may not decide: a new trip's status (it starts PLANNING, the status machine
moves it), and links other people will load (https only)."""

from datetime import date

import pytest

from apps.trips import services
from apps.trips.models import Trip
from tests.factories import TripFactory
from tests.trips.test_trips_api import CREATE_BODY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", ["COMPLETED", "ACTIVE", "CANCELLED", "completed"])
def test_a_new_trip_cannot_be_created_in_another_status(user_client, status):
    response = user_client.post("/v1/trips", {**CREATE_BODY, "status": status}, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) >= {"type", "code", "message", "details", "requestId"}
    assert "status" in body["details"]
    assert not Trip.objects.exists()


def test_a_new_trip_may_say_planning(user_client):
    response = user_client.post("/v1/trips", {**CREATE_BODY, "status": "PLANNING"}, format="json")
    assert response.status_code == 201, response.content
    assert Trip.objects.get().status == "PLANNING"


def test_the_service_starts_every_trip_planning(user):
    """Callers other than the API (the admin, scripts) can't skip the machine either."""
    trip = services.trip_create(
        user=user,
        data={
            "name": "Porto",
            "status": "COMPLETED",
            "start_date": date(2025, 6, 1),
            "end_date": date(2025, 6, 4),
        },
    )
    trip.refresh_from_db()
    assert trip.status == "PLANNING"


@pytest.mark.parametrize(
    "url",
    [
        "http://images.example.com/lisbon.jpg",
        "javascript:alert(1)",
        "ftp://images.example.com/lisbon.jpg",
        "data:image/png;base64,iVBORw0KGgo=",
    ],
)
def test_background_image_urls_must_be_https(user, user_client, url):
    create = user_client.post(
        "/v1/trips", {**CREATE_BODY, "backgroundImageUrl": url}, format="json"
    )
    trip = TripFactory(created_by=user, background_image_url="https://images.example.com/keep.jpg")
    update = user_client.put(f"/v1/trips/{trip.pk}", {"backgroundImageUrl": url}, format="json")

    assert create.status_code == 400
    assert "backgroundImageUrl" in create.json()["details"]
    assert update.status_code == 400
    trip.refresh_from_db()
    assert trip.background_image_url == "https://images.example.com/keep.jpg"
    assert Trip.objects.count() == 1


def test_an_https_background_image_url_is_kept(user_client):
    url = "https://images.example.com/lisbon.jpg"
    response = user_client.post(
        "/v1/trips", {**CREATE_BODY, "backgroundImageUrl": url}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Trip.objects.get().background_image_url == url


@pytest.mark.parametrize("field", ["avatarUrl", "profilePictureUrl"])
def test_profile_picture_urls_must_be_https(user, user_client, field):
    response = user_client.put(
        f"/v1/users/{user.id}", {field: "http://cdn.example.com/a.png"}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["details"]
    user.refresh_from_db()
    assert user.avatar_url == ""
