"""Current weather at a trip's destination, from Open-Meteo's forecast API, cached per place.

The cache key is the destination rounded to about 1 km (``round_coordinate``), and that rounded
point is also what Open-Meteo is asked about, so every trip sharing an entry gets exactly the
weather that was fetched for it. Upstream trouble becomes a 502/503/504 ``weather_unavailable``,
never a 500; failures are not cached. An unreachable cache only costs a fetch.

The response keys are written here exactly as the contract spells them (``pressureMSLhPa``,
``windSpeedMS``): none contains an underscore, so the camelCase renderer leaves them alone.
"""

import logging
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings

from apps.core import cache as shared_cache
from apps.core.errors import ApplicationError, Conflict
from apps.locations.models import round_coordinate

logger = logging.getLogger(__name__)

CURRENT_VARIABLES = (
    "temperature_2m,relative_humidity_2m,apparent_temperature,is_day,precipitation,rain,showers,"
    "snowfall,weather_code,cloud_cover,pressure_msl,surface_pressure,wind_speed_10m,"
    "wind_direction_10m,wind_gusts_10m"
)
CACHE_KEY_VERSION = 1

WMO_DESCRIPTIONS: dict[int, str] = {
    0: "Clear sky",
    1: "Mainly clear",
    2: "Partly cloudy",
    3: "Overcast",
    45: "Foggy",
    48: "Depositing rime fog",
    51: "Light drizzle",
    53: "Moderate drizzle",
    55: "Dense drizzle",
    56: "Light freezing drizzle",
    57: "Dense freezing drizzle",
    61: "Slight rain",
    63: "Moderate rain",
    65: "Heavy rain",
    66: "Light freezing rain",
    67: "Heavy freezing rain",
    71: "Slight snow fall",
    73: "Moderate snow fall",
    75: "Heavy snow fall",
    77: "Snow grains",
    80: "Slight rain showers",
    81: "Moderate rain showers",
    82: "Violent rain showers",
    85: "Slight snow showers",
    86: "Heavy snow showers",
    95: "Thunderstorm",
    96: "Thunderstorm with slight hail",
    99: "Thunderstorm with heavy hail",
}
UNKNOWN_WEATHER = "Unknown weather condition"

# Contract key -> Open-Meteo ``current`` variable.
_NUMBERS = {
    "temperatureCelsius": "temperature_2m",
    "apparentTempCelsius": "apparent_temperature",
    "precipitationMM": "precipitation",
    "rainMM": "rain",
    "showersMM": "showers",
    "snowfallCM": "snowfall",
    "cloudCoverPercent": "cloud_cover",
    "pressureMSLhPa": "pressure_msl",
    "surfacePressurehPa": "surface_pressure",
    "windSpeedMS": "wind_speed_10m",
    "windDirectionDeg": "wind_direction_10m",
    "windGustsMS": "wind_gusts_10m",
}


def describe_weather_code(code: int | None) -> str:
    return WMO_DESCRIPTIONS.get(code, UNKNOWN_WEATHER) if code is not None else UNKNOWN_WEATHER


class WeatherUnavailable(ApplicationError):
    status_code = 502
    default_code = "weather_unavailable"


class MalformedWeather(ValueError):
    """Open-Meteo answered 200 with something that is not the forecast we asked for."""


def _number(current: dict, name: str) -> float | None:
    value = current.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedWeather(f"{name} is not a number")
    return float(value)


def _integer(current: dict, name: str) -> int | None:
    value = _number(current, name)
    return None if value is None else round(value)


def parse_current(document: Any) -> dict[str, Any]:
    """The contract's weather fields from an Open-Meteo ``/v1/forecast`` answer."""
    current = document.get("current") if isinstance(document, dict) else None
    if not isinstance(current, dict):
        raise MalformedWeather("no 'current' object")
    code = _integer(current, "weather_code")
    humidity = _integer(current, "relative_humidity_2m")
    is_day = _number(current, "is_day")
    info: dict[str, Any] = {name: _number(current, source) for name, source in _NUMBERS.items()}
    info.update(
        humidityPercent=humidity,
        isDay=bool(is_day),
        weatherCode=code,
        description=describe_weather_code(code),
    )
    return info


def fetch_current_weather(latitude: float, longitude: float) -> dict[str, Any]:
    """One call to Open-Meteo; raises ``WeatherUnavailable`` (502/503/504) on any failure."""
    url = settings.OPEN_METEO_BASE_URL.rstrip("/") + "/v1/forecast"
    params = {
        "latitude": f"{latitude:.4f}",
        "longitude": f"{longitude:.4f}",
        "current": CURRENT_VARIABLES,
        "wind_speed_unit": "ms",
        "timezone": "GMT",
    }
    try:
        response = requests.get(url, params=params, timeout=settings.OPEN_METEO_TIMEOUT_SECONDS)
    except requests.Timeout:
        logger.warning("open-meteo timed out")
        raise WeatherUnavailable(
            "The weather service did not answer in time; try again shortly.", status_code=504
        ) from None
    except requests.RequestException as exc:
        logger.warning("open-meteo unreachable: %s", exc.__class__.__name__)
        raise WeatherUnavailable(
            "The weather service is unreachable; try again shortly.", status_code=503
        ) from None
    if response.status_code != 200:
        logger.warning("open-meteo answered %s", response.status_code)
        raise WeatherUnavailable("The weather service failed to answer.")
    try:
        return parse_current(response.json())
    except (ValueError, MalformedWeather) as exc:  # JSONDecodeError is a ValueError
        logger.warning("open-meteo answer unreadable: %s", exc)
        raise WeatherUnavailable("The weather service sent an unreadable answer.") from None


def _cache_key(latitude: float, longitude: float) -> str:
    return f"weather:v{CACHE_KEY_VERSION}:{latitude:.2f}:{longitude:.2f}"


def trip_has_destination(trip) -> bool:
    """Coordinates set, and not the (0, 0) older app builds send for "no destination"."""
    latitude, longitude = trip.destination_latitude, trip.destination_longitude
    if latitude is None or longitude is None:
        return False
    return not (latitude == 0 and longitude == 0)


def weather_for_trip(trip) -> dict[str, Any]:
    """WeatherInfo (contract §11) for the trip's destination, from the cache when fresh."""
    if not trip_has_destination(trip):
        raise Conflict(
            "This trip has no destination to report the weather for.",
            code="trip_has_no_destination",
        )
    latitude = round_coordinate(trip.destination_latitude)
    longitude = round_coordinate(trip.destination_longitude)
    key = _cache_key(latitude, longitude)
    weather = shared_cache.get_quietly(key)  # an unreachable cache is a miss
    if weather is None:
        weather = fetch_current_weather(latitude, longitude)
        weather["timestamp"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        shared_cache.set_quietly(key, weather, settings.WEATHER_CACHE_SECONDS)
    return {
        "tripId": str(trip.pk),
        "timestamp": weather["timestamp"],
        "latitude": trip.destination_latitude,
        "longitude": trip.destination_longitude,
        **{name: value for name, value in weather.items() if name != "timestamp"},
        # The app's optional names for two of them (contract §15.3).
        "humidity": weather["humidityPercent"],
        "windSpeed": weather["windSpeedMS"],
    }
