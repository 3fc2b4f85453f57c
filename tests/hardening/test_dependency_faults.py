"""Redis, S3 and the WebSocket API going away: REST writes succeed or fail cleanly, fast, with
nothing half-stored.

Each fault is the deployed configuration (``nomadcrew/settings.py`` evaluated with a
deployment's variables) pointed at a port that refuses connections, or at one that accepts and
never answers, so the timeouts and retry limits under test are the ones production runs with.
E-mail and push failures are covered in tests/notifications and tests/invitations, an API
Gateway error answer in tests/realtime/test_api_gateway.py.
"""

import importlib.util
import logging
import socket
import time
import uuid
from pathlib import Path

import boto3
import pytest
import requests
from rest_framework.settings import api_settings

from apps.chat.models import ChatMessage
from apps.realtime.models import WebSocketConnection
from apps.todos.models import Todo
from apps.trips.models import Trip, TripImage
from apps.users.models import User
from nomadcrew import settings as settings_module
from tests.conftest import LocalHTTPServer, QuietHandler, free_port
from tests.factories import WebSocketConnectionFactory
from tests.logcapture import assert_no_secrets_logged
from tests.realtime.conftest import REDIS_URL, redis_reachable

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# A request that waits on a dead dependency must answer well inside API Gateway's 29 s; these
# budgets are several times what the configured timeouts and retries allow.
FAST = 3.0


def deployed_settings(monkeypatch, **env):
    """``nomadcrew/settings.py`` as a deployment with these variables would load it."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        f"deployed_settings_{uuid.uuid4().hex}", Path(settings_module.__file__)
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def hung_port():
    """A port that completes TCP handshakes (the kernel does) and never answers a byte."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


# --- Redis ---------------------------------------------------------------------------------


def use_redis(settings, monkeypatch, url: str, **env) -> None:
    """The cache (throttle counters, weather) and the channel layer on the deployed Redis
    config; changing the settings resets both connection caches (Django's and Channels')."""
    deployed = deployed_settings(monkeypatch, REDIS_URL=url, **env)
    settings.CACHES = deployed.CACHES
    settings.CHANNEL_LAYERS = deployed.CHANNEL_LAYERS
    settings.REALTIME_TRANSPORTS = ["channels"]


@pytest.fixture
def redis_down(settings, monkeypatch):
    use_redis(settings, monkeypatch, f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture
def tight_rates(settings):
    """One request a minute per group, so a working limiter would refuse the second."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(api_settings.DEFAULT_THROTTLE_RATES, "1/min"),
    }


WRITES = {
    "chat message": (
        lambda trip: f"/v1/trips/{trip.pk}/chat/messages",
        {"content": "Meet at the station 🚉"},
        lambda trip: ChatMessage.objects.filter(trip=trip, content="Meet at the station 🚉"),
        "CHAT_MESSAGE_SENT",
    ),
    "todo": (
        lambda trip: f"/v1/trips/{trip.pk}/todos",
        {"text": "Buy tram tickets"},
        lambda trip: Todo.objects.filter(trip=trip, text="Buy tram tickets"),
        "TODO_CREATED",
    ),
    "trip": (
        lambda trip: "/v1/trips",
        {"name": "Porto weekend", "startDate": "2031-05-01", "endDate": "2031-05-03"},
        lambda trip: Trip.objects.filter(name="Porto weekend"),
        "TRIP_CREATED",
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_rest_writes_succeed_when_redis_is_unreachable(
    trip_with_roles, redis_down, capture_events, caplog, write, all_logs
):
    url, body, stored, event_type = write
    crew = trip_with_roles
    client = crew.client("member")
    caplog.set_level(logging.WARNING)

    with capture_events() as events:
        response, seconds = timed(lambda: client.post(url(crew.trip), body, format="json"))

    assert response.status_code == 201, response.content
    assert stored(crew.trip).count() == 1
    assert seconds < FAST
    # The channel layer failed; the event still reached the subscribers after it.
    assert event_type in [event.type for event in events]
    failures = [
        r
        for r in caplog.records
        if r.name == "apps.core.events" and r.getMessage().startswith("event delivery failed")
    ]
    assert any(event_type in r.getMessage() and "via_channels" in r.getMessage() for r in failures)
    assert all(r.levelno == logging.ERROR and r.exc_info for r in failures)
    assert {type(r.exc_info[1]).__name__ for r in failures} == {"ConnectionError"}
    assert_no_secrets_logged(all_logs, client.cognito_user.access_token)


def test_rate_limits_fail_open_and_warn_when_redis_is_unreachable(
    trip_with_roles, redis_down, tight_rates, caplog, all_logs
):
    client = trip_with_roles.client("member")
    url = f"/v1/trips/{trip_with_roles.trip.pk}/chat/messages"
    caplog.set_level(logging.WARNING, logger="apps.core.cache")

    responses = [client.post(url, {"content": f"#{n}"}, format="json") for n in range(3)]

    assert [r.status_code for r in responses] == [201, 201, 201]
    assert all("X-RateLimit-Limit" not in r for r in responses)  # nothing was counted
    assert ChatMessage.objects.filter(trip=trip_with_roles.trip).count() == 3
    warnings = [r for r in caplog.records if r.name == "apps.core.cache"]
    assert [r.getMessage() for r in warnings] == [
        "cache unavailable (rate limit chat_send not applied): ConnectionError"
    ] * 3  # one line per request, no traceback
    assert all(r.levelno == logging.WARNING and not r.exc_info for r in warnings)
    assert_no_secrets_logged(all_logs, client.cognito_user.access_token)


def test_a_redis_that_never_answers_costs_at_most_its_timeout(
    trip_with_roles, settings, monkeypatch, hung_port, capture_events, caplog
):
    """The worst outage: connections open, replies never come (a stuck node, a wrong route)."""
    use_redis(settings, monkeypatch, f"redis://127.0.0.1:{hung_port}/0", REDIS_TIMEOUT="0.3")
    client = trip_with_roles.client("member")
    url = f"/v1/trips/{trip_with_roles.trip.pk}/chat/messages"

    with capture_events():  # the throttle, then three publishes (message, two notifications)
        response, seconds = timed(lambda: client.post(url, {"content": "Hi"}, format="json"))

    assert response.status_code == 201, response.content
    assert ChatMessage.objects.filter(trip=trip_with_roles.trip).count() == 1
    assert seconds < FAST
    assert any(
        r.name == "apps.core.cache" and r.getMessage().endswith("TimeoutError")
        for r in caplog.records
    )


def test_weather_is_fetched_afresh_when_redis_is_unreachable(
    trip_with_roles, open_meteo, redis_down, caplog
):
    caplog.set_level(logging.WARNING, logger="apps.core.cache")
    client = trip_with_roles.client("member")
    url = f"/v1/trips/{trip_with_roles.trip.pk}/weather"

    first, second = client.get(url), client.get(url)

    assert (first.status_code, second.status_code) == (200, 200), first.content
    assert first.json()["temperatureCelsius"] == 24.3
    assert len(open_meteo.queries) == 2  # no cache: each request asks Open-Meteo
    assert {r.getMessage() for r in caplog.records if r.name == "apps.core.cache"} == {
        "cache unavailable (rate limit weather not applied): ConnectionError",
        "cache unavailable (get): ConnectionError",
        "cache unavailable (set): ConnectionError",
    }


@pytest.mark.redis
def test_the_deployed_redis_config_limits_and_delivers_when_redis_is_up(
    trip_with_roles, settings, monkeypatch, tight_rates, capture_events, caplog
):
    """The timeouts above must not break a healthy Redis: the limit holds, and the events are
    published to the channel layer without an error."""
    if not redis_reachable():
        pytest.skip("no Redis server at 127.0.0.1:6379")
    use_redis(settings, monkeypatch, REDIS_URL, CHANNEL_LAYER_PREFIX=f"t{uuid.uuid4().hex[:8]}")
    client = trip_with_roles.client("member")
    url = f"/v1/trips/{trip_with_roles.trip.pk}/chat/messages"

    with capture_events() as events:
        first = client.post(url, {"content": "one"}, format="json")
    second = client.post(url, {"content": "two"}, format="json")

    assert (first.status_code, second.status_code) == (201, 429)
    assert "CHAT_MESSAGE_SENT" in [event.type for event in events]
    assert not [r for r in caplog.records if r.name == "apps.core.events"]
    assert first["X-RateLimit-Limit"] == "1"
    assert ChatMessage.objects.filter(trip=trip_with_roles.trip).count() == 1
    assert not [r for r in caplog.records if r.name == "apps.core.cache"]


# --- API Gateway fan-out -------------------------------------------------------------------


@pytest.fixture
def websocket_api(trip_with_roles, settings):
    """Lambda's transport on, with a socket open for the member and the admin; ``point(url)``
    sets the management endpoint. Forgets the endpoints it paused afterwards."""
    from apps.realtime import api_gateway

    settings.REALTIME_TRANSPORTS = ["apigateway"]
    settings.WEBSOCKET_API_REGION = "us-east-1"
    for role in ("member", "admin"):
        WebSocketConnectionFactory(user=trip_with_roles.users[role], connection_id=f"{role}=")

    def point(url: str) -> None:
        settings.WEBSOCKET_API_ENDPOINT = url

    yield point
    api_gateway._unreachable_until.clear()


def send_chat(crew, capture_events):
    client = crew.client("owner")
    with capture_events() as events:
        response, seconds = timed(
            lambda: client.post(f"/v1/trips/{crew.trip.pk}/chat/messages", {"content": "Saved"})
        )
    assert response.status_code == 201, response.content
    assert ChatMessage.objects.filter(trip=crew.trip, content="Saved").exists()
    # The message and a notification for each of the two other members.
    assert [e.type for e in events] == ["CHAT_MESSAGE_SENT", *["notification.created"] * 2]
    return client, seconds


def api_gateway_warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "apps.realtime.api_gateway" and r.levelno == logging.WARNING
    ]


def test_fan_out_to_an_unreachable_websocket_api_never_fails_the_request(
    trip_with_roles, websocket_api, capture_events, caplog, all_logs
):
    """No route to the management API (a wrong endpoint, no way out of the VPC)."""
    websocket_api(f"http://127.0.0.1:{free_port()}/dev")

    client, seconds = send_chat(trip_with_roles, capture_events)

    assert seconds < FAST
    warnings = api_gateway_warnings(caplog)
    assert sorted(w.split(" failed:")[0] for w in warnings[:2]) == [
        "post_to_connection admin=",
        "post_to_connection member=",
    ]
    assert all("Could not connect to the endpoint URL" in w for w in warnings[:2])
    # Then the endpoint is skipped instead of each event retrying it: the members'
    # notifications (one batch) are not posted.
    assert warnings[2:] == ["websocket API unreachable: 2 posts skipped"]
    assert_no_secrets_logged(all_logs, client.cognito_user.access_token)
    # The sockets may come back: a failed post is no reason to forget them.
    assert WebSocketConnection.objects.count() == 2


def test_a_websocket_api_that_never_answers_costs_one_timeout_not_one_per_event(
    trip_with_roles, websocket_api, hung_port, capture_events, caplog
):
    """Without the pause each of the three events waited out its timeouts and retries
    (45 s with the old limits, past API Gateway's 29 s: the app saw a 504 for a saved
    message). Now the first post's two attempts of 2 s are all the request waits."""
    websocket_api(f"http://127.0.0.1:{hung_port}/dev")

    _, seconds = send_chat(trip_with_roles, capture_events)

    assert seconds < 8
    warnings = api_gateway_warnings(caplog)
    assert all("Read timeout on endpoint URL" in w for w in warnings[:2])
    assert warnings[2:] == ["websocket API unreachable: 2 posts skipped"]


# --- S3 ------------------------------------------------------------------------------------


def use_s3(settings, monkeypatch, endpoint: str, **env) -> None:
    deployed = deployed_settings(
        monkeypatch,
        AWS_STORAGE_BUCKET_NAME=f"media-{uuid.uuid4().hex[:12]}",
        AWS_S3_ENDPOINT_URL=endpoint,
        **{"AWS_S3_REGION_NAME": "us-east-1", "AWS_S3_ADDRESSING_STYLE": "path", **env},
    )
    settings.AWS_STORAGE_BUCKET_NAME = deployed.AWS_STORAGE_BUCKET_NAME
    settings.STORAGES = {**settings.STORAGES, "default": deployed.STORAGES["default"]}


@pytest.fixture
def s3_down(settings, monkeypatch):
    endpoint = f"http://127.0.0.1:{free_port()}"
    use_s3(settings, monkeypatch, endpoint)
    return endpoint


class FailingS3(LocalHTTPServer):
    """S3 answering every call with 503 SlowDown, counting the attempts."""

    def __init__(self):
        outer = self
        self.requests = 0

        class Handler(QuietHandler):
            def _fail(self):
                outer.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = (
                    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
                    b"<Message>Please reduce your request rate.</Message></Error>"
                )
                self.send_response(503)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body) if self.command != "HEAD" else 0))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_PUT = do_POST = _fail

        super().__init__(Handler)
        self.url = self.base_url


@pytest.fixture
def s3_failing(settings, monkeypatch):
    stub = FailingS3()
    use_s3(settings, monkeypatch, stub.url)
    yield stub
    stub.stop()


def png_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.png", PNG, content_type="image/png")


def avatar_key(crew) -> str:
    return f"avatars/{crew.owner.pk}/{uuid.uuid4().hex}.png"


def trip_image_key(crew) -> str:
    return f"trip-images/{crew.trip.pk}/{uuid.uuid4().hex}.png"


# (path, body maker, format): each needs S3 on the server side.
S3_CALLS = {
    "avatar confirm": (
        lambda crew: "/v1/users/me/avatar/confirm",
        lambda crew: {"key": avatar_key(crew)},
        "json",
    ),
    "avatar multipart": (
        lambda crew: "/v1/users/me/avatar",
        lambda crew: {"file": png_upload()},
        "multipart",
    ),
    "trip image confirm": (
        lambda crew: f"/v1/trips/{crew.trip.pk}/images",
        lambda crew: {"key": trip_image_key(crew), "setAsBackground": True},
        "json",
    ),
    "trip image multipart": (
        lambda crew: f"/v1/trips/{crew.trip.pk}/images",
        lambda crew: {"file": png_upload(), "setAsBackground": "true"},
        "multipart",
    ),
}


def media_state(crew) -> tuple:
    return (
        User.objects.get(pk=crew.owner.pk).avatar_key,
        Trip.objects.get(pk=crew.trip.pk).background_image_key,
        list(TripImage.objects.values_list("key", flat=True)),
    )


def assert_storage_unavailable(response, seconds):
    assert response.status_code == 503, response.content
    body = response.json()
    assert (body["type"], body["code"]) == ("UNAVAILABLE", "storage_unavailable")
    assert body["message"] == "Media storage is unavailable; try again shortly."
    assert body["requestId"] == response["X-Request-ID"]
    assert seconds < FAST


@pytest.fixture
def crew_with_media(trip_with_roles):
    """The owner has an avatar and the trip a background already: a failure must keep them."""
    crew = trip_with_roles
    User.objects.filter(pk=crew.owner.pk).update(avatar_key=f"avatars/{crew.owner.pk}/old.png")
    Trip.objects.filter(pk=crew.trip.pk).update(
        background_image_key=f"trip-images/{crew.trip.pk}/old.png"
    )
    TripImage.objects.create(trip=crew.trip, key=f"trip-images/{crew.trip.pk}/old.png")
    return crew


def test_the_deployed_s3_config_uploads_and_confirms_when_s3_is_up(
    user, user_client, settings, monkeypatch, moto_endpoint
):
    """The client config above (timeouts, retries, the addressing style it now carries)
    against a working S3: the presigned POST lands and the confirm sees it."""
    use_s3(settings, monkeypatch, moto_endpoint, AWS_S3_ADDRESSING_STYLE="virtual")
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint).create_bucket(
        Bucket=bucket
    )

    form = user_client.post("/v1/users/me/avatar/upload-url", {"contentType": "image/png"})
    assert form.status_code == 200, form.content
    form = form.json()
    uploaded = requests.post(
        form["url"],
        data=form["fields"],
        files={"file": ("avatar.png", PNG, "image/png")},
        timeout=10,
    )
    assert uploaded.status_code in (200, 201, 204), uploaded.content
    confirmed = user_client.post("/v1/users/me/avatar/confirm", {"key": form["key"]})

    assert confirmed.status_code == 200, confirmed.content
    assert User.objects.get(pk=user.pk).avatar_key == form["key"]
    assert requests.get(confirmed.json()["avatarUrl"], timeout=10).content == PNG


@pytest.mark.parametrize("call", S3_CALLS.values(), ids=S3_CALLS.keys())
def test_uploads_answer_503_and_store_nothing_when_s3_is_unreachable(
    crew_with_media, s3_down, caplog, call, all_logs
):
    crew = crew_with_media
    path, body, fmt = call
    client = crew.client("owner")
    before = media_state(crew)

    response, seconds = timed(lambda: client.post(path(crew), body(crew), format=fmt))

    assert_storage_unavailable(response, seconds)
    assert media_state(crew) == before
    logged = [r for r in caplog.records if r.name == "apps.core.media"]
    assert [r.levelno for r in logged] == [logging.WARNING]
    assert logged[0].getMessage().endswith("EndpointConnectionError")
    assert_no_secrets_logged(all_logs, client.cognito_user.access_token)


@pytest.mark.parametrize("call", S3_CALLS.values(), ids=S3_CALLS.keys())
def test_uploads_answer_503_when_s3_fails_and_retry_once(crew_with_media, s3_failing, call):
    crew = crew_with_media
    path, body, fmt = call
    before = media_state(crew)

    response, seconds = timed(lambda: crew.client("owner").post(path(crew), body(crew), format=fmt))

    assert_storage_unavailable(response, seconds)
    assert media_state(crew) == before
    assert s3_failing.requests == 2  # AWS_S3_MAX_ATTEMPTS: one retry, then the 503


@pytest.mark.parametrize("call", S3_CALLS.values(), ids=S3_CALLS.keys())
def test_uploads_answer_503_within_the_read_timeout_when_s3_hangs(
    crew_with_media, settings, monkeypatch, hung_port, call
):
    use_s3(settings, monkeypatch, f"http://127.0.0.1:{hung_port}", AWS_S3_READ_TIMEOUT="0.4")
    crew = crew_with_media
    path, body, fmt = call
    before = media_state(crew)

    response, seconds = timed(lambda: crew.client("owner").post(path(crew), body(crew), format=fmt))

    assert_storage_unavailable(response, seconds)
    assert media_state(crew) == before


@pytest.mark.parametrize(
    "path",
    [
        lambda crew: "/v1/users/me/avatar/upload-url",
        lambda crew: f"/v1/trips/{crew.trip.pk}/images/upload-url",
    ],
    ids=["avatar", "trip image"],
)
def test_upload_forms_are_signed_locally_while_s3_is_unreachable(crew_with_media, s3_down, path):
    """A presigned POST needs no call to S3, so it is handed out; the upload itself, and the
    confirm after it, meet the outage."""
    crew = crew_with_media
    before = media_state(crew)

    response = crew.client("owner").post(path(crew), {"contentType": "image/png"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["url"].startswith(s3_down)
    assert media_state(crew) == before
