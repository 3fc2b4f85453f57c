"""Rate limits per user and route group, and the JSON access log."""

import json
import logging

import pytest
from django.core.cache import cache
from rest_framework.settings import api_settings

from apps.core.logging import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_onboard_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, "onboard": "2/min"},
    }
    cache.clear()
    yield
    cache.clear()


def test_route_group_limit_answers_429_with_retry_after(api_client, cognito, tight_onboard_rate):
    person = cognito.create_user()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {person.access_token}"}
    first = api_client.post("/v1/users/onboard", {}, **auth)
    assert first.status_code == 200
    assert first["X-RateLimit-Limit"] == "2"
    assert first["X-RateLimit-Remaining"] == "1"
    assert int(first["X-RateLimit-Reset"]) > 0
    assert api_client.post("/v1/users/onboard", {}, **auth).status_code == 200

    limited = api_client.post("/v1/users/onboard", {}, **auth)
    assert limited.status_code == 429
    body = limited.json()
    assert (body["type"], body["code"]) == ("RATE_LIMIT", "rate_limited")
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited["X-RateLimit-Remaining"] == "0"


def test_limits_are_per_user(api_client, cognito, tight_onboard_rate):
    first, second = cognito.create_user(), cognito.create_user()
    for _ in range(2):
        api_client.post("/v1/users/onboard", {}, HTTP_AUTHORIZATION=f"Bearer {first.id_token}")
    other = api_client.post("/v1/users/onboard", {}, HTTP_AUTHORIZATION=f"Bearer {second.id_token}")
    assert other.status_code == 200


def test_unthrottled_routes_carry_no_rate_headers(user_client, tight_onboard_rate):
    response = user_client.get("/v1/users/me")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response


def test_access_log_is_json_with_request_id_and_no_token(user_client, caplog):
    caplog.set_level(logging.INFO, logger="nomadcrew.access")
    response = user_client.get("/v1/users/me", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 200
    record = next(r for r in caplog.records if r.name == "nomadcrew.access")
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42"
    assert line["status"] == 200
    assert line["route"] == "v1/users/me"
    assert line["method"] == "GET"
    assert line["user_id"]
    assert "Bearer" not in json.dumps(line)


@pytest.mark.urls("tests.core.broken_urls")
def test_unhandled_errors_are_500_json_with_request_id(user_client, caplog):
    """A programming error inside a view: the client gets JSON, the log gets one traceback."""
    response = user_client.get("/v1/broken", HTTP_X_REQUEST_ID="req-500")
    assert response.status_code == 500
    assert response.json() == {
        "type": "SERVER",
        "code": "internal_error",
        "message": "An unexpected error occurred.",
        "requestId": "req-500",
    }
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info[0] is ZeroDivisionError
