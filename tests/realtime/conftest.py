"""Fixtures for the realtime tests: channel layers (in memory and Redis), signed-in sockets on
the ASGI application, and the API Gateway side (moto's management API, Zappa's handler)."""

import json
import os
import socket
import sys
import types
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from tests.package.events import ws_event  # noqa: F401 - shared by both suites

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
MOTO_ACCOUNT = "123456789012"
REGION = "us-east-1"


def redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories hash a password per user; PBKDF2's cost buys nothing in these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LAYERS = {
    "memory": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    "redis-pubsub": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"},
    "redis-core": {"BACKEND": "channels_redis.core.RedisChannelLayer"},
}


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis-pubsub", marks=pytest.mark.redis),
        pytest.param("redis-core", marks=pytest.mark.redis),
    ]
)
def channel_layer(request, settings):
    """Every Channels test runs on the in-memory layer and on both Redis layers (the settings'
    pub/sub one and the classic one), each test under its own key prefix."""
    layer = dict(LAYERS[request.param])
    if request.param.startswith("redis"):
        if not redis_reachable():
            pytest.skip(f"no Redis server at {REDIS_HOST}:{REDIS_PORT}")
        layer["CONFIG"] = {"hosts": [REDIS_URL], "prefix": f"test-{uuid.uuid4().hex[:10]}"}
    settings.CHANNEL_LAYERS = {"default": layer}
    settings.REALTIME_TRANSPORTS = ["channels"]
    settings.REALTIME_PING_INTERVAL_SECONDS = 3600  # tests that want pings shorten it
    return request.param


def application():
    from nomadcrew.asgi import application

    return application


class Socket:
    """A client socket on /v1/ws (``channels.testing.WebsocketCommunicator``)."""

    def __init__(self, token: str | None = None, *, via: str = "query", subprotocols=None):
        path = "/v1/ws"
        if token is not None and via == "query":
            path += f"?token={token}"
        if token is not None and via == "subprotocol":
            subprotocols = [token]
        self.communicator = WebsocketCommunicator(
            application(), path, subprotocols=subprotocols or []
        )
        self.accepted = False
        self.subprotocol = None

    async def open(self) -> dict:
        """Connect and return the ``connected`` snapshot."""
        self.accepted, self.subprotocol = await self.communicator.connect(timeout=5)
        assert self.accepted
        return await self.receive()

    async def receive(self, timeout: float = 5) -> dict:
        return await self.communicator.receive_json_from(timeout=timeout)

    async def receive_event(self, *, trip_id=None, timeout: float = 5) -> dict:
        """The next event's inner object, skipping pings (and other trips' or people-addressed
        events when ``trip_id`` is given: chat also notifies, for example)."""
        while True:
            message = await self.receive(timeout)
            if message["type"] == "ping":
                continue
            assert message["type"] == "event", message
            if trip_id is None or message["payload"]["tripId"] == str(trip_id):
                return message["payload"]

    async def receive_reply(self, timeout: float = 5) -> dict:
        """The next frame that is neither an event nor a ping: an answer to the client."""
        while True:
            message = await self.receive(timeout)
            if message["type"] not in ("event", "ping"):
                return message

    async def send(self, message: dict) -> None:
        await self.communicator.send_json_to(message)

    async def drain(self, timeout: float = 0.3) -> list[dict]:
        """Every frame that arrives until the socket has been quiet for ``timeout``."""
        frames = []
        while not await self.communicator.receive_nothing(timeout=timeout, interval=0.02):
            frames.append(await self.receive())
        return frames

    async def trip_events(self, trip_id, timeout: float = 0.3) -> list[dict]:
        """The events of one trip among the frames that arrive until the socket is quiet."""
        return [
            frame["payload"]
            for frame in await self.drain(timeout)
            if frame["type"] == "event" and frame["payload"]["tripId"] == str(trip_id)
        ]

    async def close(self) -> None:
        await self.communicator.disconnect(timeout=5)


@pytest.fixture
def token_for(sign_token):
    """A Cognito ID token for a user, signed with the key the app trusts in tests (no moto
    round trip), and ``token_for.client(user)``: an API client signed in with it. The sign-in
    tests use real moto-issued tokens (``client_for``)."""
    tokens: dict = {}

    def token(user) -> str:
        if user.pk not in tokens:
            sub = str(uuid.uuid4())
            type(user).objects.filter(pk=user.pk).update(cognito_sub=sub)
            user.cognito_sub = sub
            tokens[user.pk] = sign_token({"sub": sub, "email": user.email})
        return tokens[user.pk]

    def client(user) -> APIClient:
        api_client = APIClient()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token(user)}")
        return api_client

    token.client = client
    return token


def call(func, *args, **kwargs):
    """A sync call (a REST request, a service) from a test's coroutine, in the test's thread."""
    return sync_to_async(func)(*args, **kwargs)


# --- API Gateway ------------------------------------------------------------------------------


@dataclass
class ManagementApi:
    """moto's API Gateway management API, running in this process: what each connection got."""

    endpoint: str

    def _backend(self):
        from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

        return apigatewaymanagementapi_backends[MOTO_ACCOUNT][REGION]

    def messages(self, connection_id: str) -> list[dict]:
        """Every message posted to the connection, in order (moto concatenates them)."""
        # moto keeps the id as it appears in the URL path (real ids end in "=", sent as %3D).
        connections = self._backend().connections
        connection = connections.get(quote(connection_id, safe="")) or connections.get(
            connection_id
        )
        data = connection.data.decode() if connection else ""
        decoder, messages, index = json.JSONDecoder(), [], 0
        while index < len(data):
            message, index = decoder.raw_decode(data, index)
            messages.append(message)
        return messages

    def events(self, connection_id: str) -> list[dict]:
        return [m["payload"] for m in self.messages(connection_id) if m["type"] == "event"]

    def reset(self) -> None:
        self._backend().connections.clear()


@pytest.fixture
def management_api(moto_endpoint, settings):
    """The API Gateway transport on, posting to moto (path-style, as the moto server wants)."""
    from apps.realtime import api_gateway

    settings.REALTIME_TRANSPORTS = ["apigateway"]
    settings.WEBSOCKET_API_ENDPOINT = moto_endpoint
    settings.WEBSOCKET_API_REGION = REGION
    api = ManagementApi(moto_endpoint)
    api.reset()
    api_gateway._clients.clear()
    yield api
    api.reset()
    api_gateway._clients.clear()


@pytest.fixture
def zappa_lambda(monkeypatch, settings):
    """``zappa.handler.lambda_handler`` as the packaged function runs it, with the settings module
    Zappa would generate from zappa_settings.json (websocket_handler_module included)."""
    from zappa import handler as zappa_handler

    module = types.ModuleType("zappa_settings")
    module.__dict__.update(
        API_STAGE="dev",
        PROJECT_NAME="nomadcrew",
        LOG_LEVEL="INFO",
        DEBUG=False,
        REMOTE_ENV=None,
        ENVIRONMENT_VARIABLES={},
        DJANGO_SETTINGS="nomadcrew.settings",
        APP_MODULE="nomadcrew.lambda_app",
        APP_FUNCTION="application",
        EXCEPTION_HANDLER=None,
        BINARY_SUPPORT=True,
        CONTEXT_HEADER_MAPPINGS={},
        WEBSOCKET_HANDLER_MODULE="apps.realtime.lambda_ws",
    )
    monkeypatch.setitem(sys.modules, "zappa_settings", module)
    saved_environ = dict(os.environ)
    monkeypatch.setattr(zappa_handler.LambdaHandler, "_LambdaHandler__instance", None)
    monkeypatch.setattr(zappa_handler, "global_handler", None, raising=False)
    yield zappa_handler.lambda_handler
    os.environ.clear()
    os.environ.update(saved_environ)
