"""The schema says what the API does (issue 13 item 5): trip dates are dates and a time part's
fate is documented; error messages name fields as the client sent them; a number where a
string is expected is refused, not turned into text."""

import pytest

from apps.todos.models import Todo
from apps.trips.models import Trip

pytestmark = pytest.mark.django_db

TRIP = {"name": "Lisbon", "startDate": "2027-05-01", "endDate": "2027-05-08"}


@pytest.fixture
def schema(api_client):
    return api_client.get("/v1/openapi.json").json()


def test_trip_dates_are_documented_as_dates_with_the_time_rule(schema):
    request = schema["components"]["schemas"]["TripInputRequest"]["properties"]
    response = schema["components"]["schemas"]["Trip"]["properties"]

    for name in ("startDate", "endDate"):
        assert request[name]["format"] == "date"
        assert "only its date as written is kept" in request[name]["description"]
        assert response[name]["format"] == "date-time"
        assert "midnight UTC" in response[name]["description"]


def test_a_date_time_keeps_its_date_as_written(user_client):
    body = {**TRIP, "startDate": "2027-05-01T23:30:00-05:00", "endDate": "2027-05-08T09:00:00Z"}

    response = user_client.post("/v1/trips", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["startDate"] == "2027-05-01T00:00:00Z"
    assert response.json()["endDate"] == "2027-05-08T00:00:00Z"
    trip = Trip.objects.get(pk=response.json()["id"])
    assert (trip.start_date.isoformat(), trip.end_date.isoformat()) == ("2027-05-01", "2027-05-08")


def test_error_messages_name_fields_as_the_client_sent_them(user_client):
    response = user_client.post("/v1/trips", {**TRIP, "startDate": "May 1st"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert list(body["details"]) == ["startDate"]
    assert body["message"].startswith("startDate: ")
    assert "start_date" not in response.content.decode()
    assert not Trip.objects.exists()


@pytest.mark.parametrize("value", [123, 12.5, True])
def test_a_number_where_a_string_is_expected_is_refused(user_client, value):
    response = user_client.post("/v1/trips", {**TRIP, "name": value}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "VALIDATION"
    assert body["details"] == {"name": ["Not a valid string."]}
    assert body["message"] == "name: Not a valid string."
    assert not Trip.objects.exists()


def test_strict_strings_hold_in_every_app(owner_client, trip_with_roles):
    """Declared fields of another app's serializer, not only the trips one."""
    url = f"/v1/trips/{trip_with_roles.trip.pk}/todos"

    response = owner_client.post(url, {"text": 42}, format="json")

    assert response.status_code == 400
    assert response.json()["details"] == {"text": ["Not a valid string."]}
    assert not Todo.objects.exists()
    assert owner_client.post(url, {"text": "42"}, format="json").status_code == 201
