"""Trip weather against a local Open-Meteo stub: shape, caching, access and upstream failures."""

import json
import re

import pytest

from apps.locations.weather import UNKNOWN_WEATHER, describe_weather_code
from tests.factories import TripFactory

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = {
    "tripId",
    "timestamp",
    "latitude",
    "longitude",
    "temperatureCelsius",
    "apparentTempCelsius",
    "humidityPercent",
    "isDay",
    "precipitationMM",
    "rainMM",
    "showersMM",
    "snowfallCM",
    "weatherCode",
    "description",
    "cloudCoverPercent",
    "pressureMSLhPa",
    "surfacePressurehPa",
    "windSpeedMS",
    "windDirectionDeg",
    "windGustsMS",
    # The app's optional names (contract §15.3).
    "humidity",
    "windSpeed",
}


def weather_url(trip, trigger=False) -> str:
    return f"/v1/trips/{trip.pk}/weather" + ("/trigger" if trigger else "")


def fetch(client, trip, trigger=False):
    if trigger:
        return client.post(weather_url(trip, trigger=True))
    return client.get(weather_url(trip))


# --- success and shape ----------------------------------------------------------------------


@pytest.mark.parametrize("trigger", [False, True], ids=["GET", "POST trigger"])
def test_weather_reports_the_destinations_current_weather(trip_with_roles, open_meteo, trigger):
    trip = trip_with_roles.trip

    response = fetch(trip_with_roles.client("member"), trip, trigger)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == CONTRACT_KEYS
    timestamp = body.pop("timestamp")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", timestamp)
    assert body == {
        "tripId": str(trip.pk),
        "latitude": 38.7223,
        "longitude": -9.1393,
        "temperatureCelsius": 24.3,
        "apparentTempCelsius": 25.1,
        "humidityPercent": 61,
        "isDay": True,
        "precipitationMM": 0.0,
        "rainMM": 0.0,
        "showersMM": 0.0,
        "snowfallCM": 0.0,
        "weatherCode": 2,
        "description": "Partly cloudy",
        "cloudCoverPercent": 40.0,
        "pressureMSLhPa": 1016.2,
        "surfacePressurehPa": 1009.8,
        "windSpeedMS": 4.2,
        "windDirectionDeg": 310.0,
        "windGustsMS": 8.9,
        "humidity": 61,
        "windSpeed": 4.2,
    }


def test_weather_asks_open_meteo_for_the_current_variables(trip_with_roles, open_meteo):
    fetch(trip_with_roles.client("member"), trip_with_roles.trip)

    assert open_meteo.queries == [
        {
            "path": "/v1/forecast",
            "latitude": "38.7200",
            "longitude": "-9.1400",
            "current": (
                "temperature_2m,relative_humidity_2m,apparent_temperature,is_day,precipitation,"
                "rain,showers,snowfall,weather_code,cloud_cover,pressure_msl,surface_pressure,"
                "wind_speed_10m,wind_direction_10m,wind_gusts_10m"
            ),
            "wind_speed_unit": "ms",
            "timezone": "GMT",
        }
    ]


def test_night_and_unknown_codes_are_described(trip_with_roles, open_meteo):
    forecast = json.loads(open_meteo.body)
    forecast["current"].update(is_day=0, weather_code=42)
    open_meteo.body = json.dumps(forecast).encode()

    body = fetch(trip_with_roles.client("member"), trip_with_roles.trip).json()

    assert (body["isDay"], body["weatherCode"], body["description"]) == (
        False,
        42,
        UNKNOWN_WEATHER,
    )


def test_missing_values_are_null_rather_than_an_error(trip_with_roles, open_meteo):
    forecast = json.loads(open_meteo.body)
    forecast["current"].pop("wind_gusts_10m")
    forecast["current"]["relative_humidity_2m"] = None
    open_meteo.body = json.dumps(forecast).encode()

    body = fetch(trip_with_roles.client("member"), trip_with_roles.trip).json()

    assert (body["windGustsMS"], body["humidityPercent"], body["humidity"]) == (None, None, None)


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (0, "Clear sky"),
        (3, "Overcast"),
        (48, "Depositing rime fog"),
        (55, "Dense drizzle"),
        (56, "Light freezing drizzle"),
        (65, "Heavy rain"),
        (67, "Heavy freezing rain"),
        (71, "Slight snow fall"),
        (77, "Snow grains"),
        (82, "Violent rain showers"),
        (86, "Heavy snow showers"),
        (95, "Thunderstorm"),
        (96, "Thunderstorm with slight hail"),
        (99, "Thunderstorm with heavy hail"),
        (4, "Unknown weather condition"),
        (None, "Unknown weather condition"),
    ],
)
def test_wmo_codes_are_described_in_words(code, description):
    assert describe_weather_code(code) == description


# --- caching --------------------------------------------------------------------------------


def test_second_request_is_served_from_the_cache(trip_with_roles, open_meteo):
    client = trip_with_roles.client("member")

    first = fetch(client, trip_with_roles.trip).json()
    second = fetch(client, trip_with_roles.trip, trigger=True).json()

    assert len(open_meteo.queries) == 1
    assert second == first


def test_trips_to_the_same_place_share_the_cache(trip_with_roles, open_meteo):
    nearby = TripFactory(
        created_by=trip_with_roles.member,
        destination_latitude=38.7249,
        destination_longitude=-9.1351,
    )
    client = trip_with_roles.client("member")

    fetch(client, trip_with_roles.trip)
    body = fetch(client, nearby).json()

    assert len(open_meteo.queries) == 1
    # Each trip still sees its own id and coordinates.
    assert (body["tripId"], body["latitude"], body["longitude"]) == (
        str(nearby.pk),
        38.7249,
        -9.1351,
    )


def test_another_destination_is_fetched_separately(trip_with_roles, open_meteo):
    madrid = TripFactory(
        created_by=trip_with_roles.member, destination_latitude=40.4168, destination_longitude=-3.7
    )
    client = trip_with_roles.client("member")

    fetch(client, trip_with_roles.trip)
    fetch(client, madrid)

    assert [(q["latitude"], q["longitude"]) for q in open_meteo.queries] == [
        ("38.7200", "-9.1400"),
        ("40.4200", "-3.7000"),
    ]


def test_cache_lifetime_comes_from_settings(trip_with_roles, open_meteo, settings):
    settings.WEATHER_CACHE_SECONDS = 0  # nothing is kept
    client = trip_with_roles.client("member")

    fetch(client, trip_with_roles.trip)
    fetch(client, trip_with_roles.trip)

    assert len(open_meteo.queries) == 2


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", [False, True], ids=["GET", "POST trigger"])
@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_every_member_may_read_the_weather(trip_with_roles, open_meteo, role, trigger):
    assert fetch(trip_with_roles.client(role), trip_with_roles.trip, trigger).status_code == 200


@pytest.mark.parametrize("trigger", [False, True], ids=["GET", "POST trigger"])
def test_non_member_gets_404_and_nothing_is_fetched(trip_with_roles, open_meteo, trigger):
    response = fetch(trip_with_roles.client("stranger"), trip_with_roles.trip, trigger)

    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"
    assert open_meteo.queries == []


@pytest.mark.parametrize("trigger", [False, True], ids=["GET", "POST trigger"])
def test_anonymous_caller_gets_401(api_client, open_meteo, trigger):
    response = fetch(api_client, TripFactory(), trigger)

    assert response.status_code == 401
    assert open_meteo.queries == []


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(None, None), (0, 0)], ids=["no coordinates", "zero"]
)
def test_trip_without_destination_is_a_409(user, user_client, open_meteo, latitude, longitude):
    trip = TripFactory(
        created_by=user, destination_latitude=latitude, destination_longitude=longitude
    )

    response = user_client.get(weather_url(trip))

    assert response.status_code == 409
    assert (response.json()["type"], response.json()["code"]) == (
        "CONFLICT",
        "trip_has_no_destination",
    )
    assert open_meteo.queries == []


def test_weather_routes_are_rate_limited(trip_with_roles, open_meteo, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "weather": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = trip_with_roles.client("member")

    statuses = [fetch(client, trip_with_roles.trip, trigger=i == 1).status_code for i in range(3)]

    assert statuses == [200, 200, 429]


# --- upstream failures ----------------------------------------------------------------------


def assert_unavailable(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert (body["type"], body["code"]) == ("UNAVAILABLE", "weather_unavailable")


@pytest.mark.parametrize("status", [500, 503, 429, 400])
def test_upstream_error_is_a_502(trip_with_roles, open_meteo, status):
    open_meteo.status = status
    open_meteo.body = b'{"error": true, "reason": "down"}'

    response = fetch(trip_with_roles.client("member"), trip_with_roles.trip)

    assert_unavailable(response, 502)


def test_failures_are_not_cached(trip_with_roles, open_meteo):
    client = trip_with_roles.client("member")
    open_meteo.status = 500

    assert fetch(client, trip_with_roles.trip).status_code == 502
    open_meteo.status = 200
    assert fetch(client, trip_with_roles.trip).status_code == 200
    assert len(open_meteo.queries) == 2


def test_upstream_timeout_is_a_504(trip_with_roles, open_meteo, settings):
    settings.OPEN_METEO_TIMEOUT_SECONDS = 0.2
    open_meteo.delay = 1.0

    response = fetch(trip_with_roles.client("member"), trip_with_roles.trip)

    assert_unavailable(response, 504)


def test_unreachable_upstream_is_a_503(trip_with_roles, open_meteo, settings):
    open_meteo.stop()  # nothing listens on the port any more

    response = fetch(trip_with_roles.client("member"), trip_with_roles.trip)

    assert_unavailable(response, 503)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway error</html>",
        b'{"current": ',
        b"[]",
        b'{"latitude": 38.72}',
        b'{"current": "sunny"}',
        b'{"current": {"temperature_2m": "warm", "weather_code": 1}}',
        b'{"current": {"temperature_2m": 20, "weather_code": true}}',
    ],
    ids=["html", "truncated", "array", "no current", "current not object", "text", "bool"],
)
def test_malformed_answer_is_a_502(trip_with_roles, open_meteo, body):
    open_meteo.body = body

    response = fetch(trip_with_roles.client("member"), trip_with_roles.trip)

    assert_unavailable(response, 502)
