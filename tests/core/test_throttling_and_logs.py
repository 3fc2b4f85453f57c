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


# --- the client's address on Lambda (API Gateway's requestContext) ---------------------------


def api_gateway_event(source_ip: str, *, http_api: bool = False) -> dict:
    """The part of API Gateway's Lambda event Zappa leaves in the WSGI environ."""
    if http_api:
        return {"version": "2.0", "requestContext": {"http": {"sourceIp": source_ip}}}
    return {"requestContext": {"identity": {"sourceIp": source_ip}}}


@pytest.fixture
def tight_rate(settings):
    def tighten(group: str, rate: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, group: rate},
        }

    cache.clear()
    yield tighten
    cache.clear()


FEEDBACK = {"name": "Ana", "email": "ana@example.com", "message": "Great trip planning."}


def post_feedback(api_client, *, source_ip, forwarded_for, http_api=False):
    """Zappa fills REMOTE_ADDR from X-Forwarded-For (the client writes its first entries)."""
    return api_client.post(
        "/v1/feedback",
        FEEDBACK,
        format="json",
        HTTP_X_FORWARDED_FOR=f"{forwarded_for}, {source_ip}",
        REMOTE_ADDR=forwarded_for,
        **{"lambda.event": api_gateway_event(source_ip, http_api=http_api)},
    )


@pytest.mark.parametrize("http_api", [False, True], ids=["rest-api", "http-api"])
def test_anonymous_limits_key_on_api_gateway_source_ip_not_forwarded_for(
    api_client, tight_rate, http_api
):
    tight_rate("feedback", "2/min")
    statuses = [
        post_feedback(
            api_client, source_ip="203.0.113.7", forwarded_for=f"10.0.0.{n}", http_api=http_api
        ).status_code
        for n in range(3)
    ]
    other_client = post_feedback(
        api_client, source_ip="198.51.100.9", forwarded_for="10.0.0.1", http_api=http_api
    )

    assert statuses == [201, 201, 429]  # a fresh X-Forwarded-For each time did not help
    assert other_client.status_code == 201


def test_access_log_records_the_api_gateway_source_ip(api_client, caplog):
    caplog.set_level(logging.INFO, logger="nomadcrew.access")
    api_client.get(
        "/v1/users/me",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
        REMOTE_ADDR="6.6.6.6",
        **{"lambda.event": api_gateway_event("203.0.113.7")},
    )
    record = next(r for r in caplog.records if r.name == "nomadcrew.access")
    assert json.loads(JsonFormatter().format(record))["client_ip"] == "203.0.113.7"


def test_access_log_records_the_peer_address_off_lambda(api_client, caplog):
    caplog.set_level(logging.INFO, logger="nomadcrew.access")
    api_client.get("/v1/users/me", REMOTE_ADDR="192.0.2.10")
    record = next(r for r in caplog.records if r.name == "nomadcrew.access")
    assert record.client_ip == "192.0.2.10"


def test_user_search_is_rate_limited(user_client, tight_rate):
    tight_rate("user_search", "2/min")
    statuses = [user_client.get("/v1/users/search", {"q": "marc"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
