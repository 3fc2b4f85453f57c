"""Shared fixtures: a moto server standing in for AWS, a Cognito pool, signed-in API clients."""

import json
import os
import socket
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from rest_framework.test import APIClient

from apps.core.cognito import reset_key_cache
from tests.logcapture import all_logs  # noqa: F401 - the fixture, for every test

REGION = "us-east-1"
LOCAL_KID = "test-local-key"
PASSWORD = "Correct-Horse-9-Battery!"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    """Every AWS API the app calls, served by moto on a local port for the whole session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = endpoint  # boto3 clients made by the app follow it
    yield endpoint
    if previous is None:
        os.environ.pop("AWS_ENDPOINT_URL", None)
    else:
        os.environ["AWS_ENDPOINT_URL"] = previous
    server.stop()


@dataclass
class CognitoUser:
    username: str
    email: str
    sub: str
    id_token: str
    access_token: str


@dataclass
class CognitoPool:
    """A moto user pool with one app client, and helpers to make signed-in users."""

    client: object
    pool_id: str
    client_id: str
    endpoint: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    @property
    def issuer_jwks_url(self) -> str:
        """Where moto in server mode publishes the pool's JWKS."""
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"

    def create_user(self, email: str | None = None, groups=()) -> CognitoUser:
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        username = f"{email.split('@')[0][:40]}-{uuid.uuid4().hex[:8]}"
        self.client.admin_create_user(
            UserPoolId=self.pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        self.client.admin_set_user_password(
            UserPoolId=self.pool_id, Username=username, Password=PASSWORD, Permanent=True
        )
        for group in groups:
            self.client.admin_add_user_to_group(
                UserPoolId=self.pool_id, Username=username, GroupName=group
            )
        return self.sign_in(username, email)

    def sign_in(self, username: str, email: str) -> CognitoUser:
        result = self.client.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        sub = jwt.decode(result["AccessToken"], options={"verify_signature": False})["sub"]
        return CognitoUser(username, email, sub, result["IdToken"], result["AccessToken"])


@pytest.fixture(scope="session")
def cognito(moto_endpoint) -> CognitoPool:
    client = boto3.client("cognito-idp", region_name=REGION, endpoint_url=moto_endpoint)
    pool_id = client.create_user_pool(PoolName="nomadcrew-test", AutoVerifiedAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client_id = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="mobile",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "email_verified", "given_name", "family_name"],
    )["UserPoolClient"]["ClientId"]
    client.create_group(GroupName="admins", UserPoolId=pool_id)
    return CognitoPool(client, pool_id, client_id, moto_endpoint)


@pytest.fixture(scope="session")
def local_signing_key(tmp_path_factory):
    """A key the app trusts through COGNITO_JWKS_FILE, to sign tokens Cognito never would."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update({"kid": LOCAL_KID, "alg": "RS256", "use": "sig"})
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk]}))
    return key, str(path)


@pytest.fixture(autouse=True)
def unhashed_static_files(settings):
    """The hashed manifest exists only after collectstatic (the package test covers that)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def cognito_settings(settings, cognito, local_signing_key):
    settings.COGNITO_USER_POOL_ID = cognito.pool_id
    settings.COGNITO_REGION = REGION
    settings.COGNITO_APP_CLIENT_IDS = [cognito.client_id]
    settings.COGNITO_JWKS_URL = cognito.issuer_jwks_url
    settings.COGNITO_JWKS_FILE = local_signing_key[1]
    settings.COGNITO_JWKS_REFETCH_COOLDOWN_SECONDS = 0
    reset_key_cache()
    yield settings
    reset_key_cache()


@pytest.fixture
def sign_token(cognito, local_signing_key):
    """Sign claims with the locally trusted key; defaults make a valid ID token."""

    def sign(overrides=None, *, key=None, headers=None, drop=()):
        now = int(time.time())
        claims = {
            "sub": str(uuid.uuid4()),
            "iss": cognito.issuer,
            "aud": cognito.client_id,
            "token_use": "id",
            "email": "forged@example.com",
            "email_verified": True,
            "iat": now,
            "exp": now + 600,
        }
        claims.update(overrides or {})
        for name in drop:
            claims.pop(name, None)
        return jwt.encode(
            claims,
            key or local_signing_key[0],
            algorithm="RS256",
            headers={"kid": LOCAL_KID, **(headers or {})},
        )

    return sign


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass  # the stubs' access lines would drown pytest's output


class LocalHTTPServer:
    """A stub of a third-party HTTP API on a free 127.0.0.1 port, served by daemon threads;
    subclasses pass their handler class and keep what the tests read on ``self``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()


class JwksServer(LocalHTTPServer):
    """A local HTTP server relaying the pool's JWKS, counting fetches, that can be stopped."""

    def __init__(self, document: bytes):
        outer = self
        self.hits = 0

        class Handler(QuietHandler):
            def do_GET(self):
                outer.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(document)

        super().__init__(Handler)
        self.url = f"{self.base_url}/jwks.json"


@pytest.fixture
def jwks_server(cognito):
    with urllib.request.urlopen(cognito.issuer_jwks_url) as response:  # noqa: S310 - local
        server = JwksServer(response.read())
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(moto_endpoint, settings):
    """Default storage on a fresh moto S3 bucket, configured as in production but path-style
    (virtual-host names like bucket.127.0.0.1 don't resolve)."""
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", region_name=REGION, endpoint_url=moto_endpoint).create_bucket(Bucket=bucket)
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": moto_endpoint,
                "region_name": REGION,
                "signature_version": "s3v4",
                "addressing_style": "path",
                "querystring_expire": 300,
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    return bucket


@pytest.fixture
def ses(settings, moto_endpoint):
    """django-ses pointed at the moto server, with the sender verified as SES requires."""
    boto3.client("ses", region_name=REGION, endpoint_url=moto_endpoint).verify_email_identity(
        EmailAddress="no-reply@nomadcrew.uk"
    )
    settings.EMAIL_BACKEND = "django_ses.SESBackend"
    settings.AWS_SES_REGION_NAME = REGION
    settings.AWS_SES_REGION_ENDPOINT_URL = moto_endpoint
    settings.DEFAULT_FROM_EMAIL = "NomadCrew <no-reply@nomadcrew.uk>"
    return moto_endpoint


def moto_sent_messages(endpoint: str) -> list[dict]:
    """Every raw email moto's SES has accepted this session."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json") as response:  # noqa: S310
        return json.load(response).get("ses", {}).get("RawMessage", [])


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(cognito):
    """An API client signed in with a real moto-issued access token for a user row."""

    def make(user, *, token_use: str = "access") -> APIClient:
        cognito_user = cognito.create_user(email=user.email or f"{user.username}@example.com")
        type(user).objects.filter(pk=user.pk).update(cognito_sub=cognito_user.sub)
        user.cognito_sub = cognito_user.sub
        client = APIClient()
        token = cognito_user.access_token if token_use == "access" else cognito_user.id_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.cognito_user = cognito_user
        return client

    return make


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def user_client(user, client_for):
    return client_for(user)


@pytest.fixture(autouse=True)
def events_match_catalogue():
    """Every event built anywhere in the suite must match its catalogue declaration (full JSON
    Schema: types, formats, nested objects, no null, camelCase): an undeclared type, a missing
    or an extra key fails the test that published it."""
    from apps.core import events as event_bus
    from tests.contract.catalogue_check import problems

    found: list[str] = []

    def check(event):
        found.extend(problems(event.type, event.payload))

    event_bus.observe(check)
    yield
    event_bus.unobserve(check)
    if found:
        pytest.fail("events that do not match the catalogue:\n" + "\n".join(found))


@pytest.fixture
def capture_events(django_capture_on_commit_callbacks):
    """``with capture_events() as events: <request>`` runs the request's on-commit callbacks
    (tests run inside a transaction that never commits) and records the events delivered."""
    from apps.core import events as event_bus

    delivered: list = []
    event_bus.subscribe(delivered.append)

    @contextmanager
    def capture():
        with django_capture_on_commit_callbacks(execute=True):
            yield delivered

    yield capture
    event_bus.unsubscribe(delivered.append)


class ExpoPushStub(LocalHTTPServer):
    """A local stand-in for Expo's push API: records each request and answers one ticket per
    message (``DeviceNotRegistered`` for tokens in ``unregistered``). The HTTP status is the
    next of ``next_statuses`` if any, else ``status``; an error status gets Expo's error body."""

    def __init__(self):
        outer = self
        self.requests: list[dict] = []
        self.status = 200
        self.next_statuses: list[int] = []
        self.unregistered: set[str] = set()

        class Handler(QuietHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"headers": dict(self.headers), "body": body})
                status = outer.next_statuses.pop(0) if outer.next_statuses else outer.status
                if status >= 300:
                    reply = {"errors": [{"code": "INTERNAL_SERVER_ERROR", "message": "down"}]}
                else:
                    reply = {"data": [outer.ticket(message) for message in body]}
                payload = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        super().__init__(Handler)
        self.url = f"{self.base_url}/--/api/v2/push/send"

    def ticket(self, message: dict) -> dict:
        if message["to"] in self.unregistered:
            return {
                "status": "error",
                "message": f"{message['to']} is not a registered push notification recipient",
                "details": {"error": "DeviceNotRegistered"},
            }
        return {"status": "ok", "id": str(uuid.uuid4())}

    @property
    def messages(self) -> list[dict]:
        return [message for request in self.requests for message in request["body"]]


@pytest.fixture
def expo_push(settings):
    """Push turned on and pointed at a local Expo stub."""
    stub = ExpoPushStub()
    settings.EXPO_PUSH_ENABLED = True
    settings.EXPO_PUSH_URL = stub.url
    settings.EXPO_ACCESS_TOKEN = ""
    yield stub
    stub.stop()


class TripCrew:
    """A trip with one user per role plus a stranger; ``client(role)`` signs that user in
    (lazily: each Cognito sign-in costs a moto round trip)."""

    ROLES = ("owner", "admin", "member", "stranger")

    def __init__(self, trip, users: dict, client_for):
        self.trip = trip
        self.users = users
        self._client_for = client_for
        self._clients: dict = {}

    def __getattr__(self, name):
        if name in TripCrew.ROLES:
            return self.users[name]
        raise AttributeError(name)

    def client(self, role: str) -> APIClient:
        if role not in self._clients:
            self._clients[role] = self._client_for(self.users[role])
        return self._clients[role]


@pytest.fixture
def trip_with_roles(db, client_for) -> TripCrew:
    from tests.factories import MembershipFactory, TripFactory, UserFactory

    owner = UserFactory()
    trip = TripFactory(created_by=owner)
    admin = MembershipFactory(trip=trip, role="ADMIN").user
    member = MembershipFactory(trip=trip, role="MEMBER").user
    users = {"owner": owner, "admin": admin, "member": member, "stranger": UserFactory()}
    return TripCrew(trip, users, client_for)


@pytest.fixture
def owner_client(trip_with_roles):
    return trip_with_roles.client("owner")


@pytest.fixture
def trip_admin_client(trip_with_roles):
    """Not ``admin_client``: that is pytest-django's superuser client for the Django admin."""
    return trip_with_roles.client("admin")


@pytest.fixture
def member_client(trip_with_roles):
    return trip_with_roles.client("member")


@pytest.fixture
def stranger_client(trip_with_roles):
    return trip_with_roles.client("stranger")


class OpenMeteoStub(LocalHTTPServer):
    """A local stand-in for Open-Meteo's forecast API: records each query, answers ``body``
    (bytes; a realistic forecast by default) with ``status`` after sleeping ``delay`` s."""

    FORECAST = {
        "latitude": 38.72,
        "longitude": -9.14,
        "timezone": "GMT",
        "current": {
            "time": "2025-06-01T12:00",
            "interval": 900,
            "temperature_2m": 24.3,
            "relative_humidity_2m": 61,
            "apparent_temperature": 25.1,
            "is_day": 1,
            "precipitation": 0.0,
            "rain": 0.0,
            "showers": 0.0,
            "snowfall": 0.0,
            "weather_code": 2,
            "cloud_cover": 40,
            "pressure_msl": 1016.2,
            "surface_pressure": 1009.8,
            "wind_speed_10m": 4.2,
            "wind_direction_10m": 310,
            "wind_gusts_10m": 8.9,
        },
    }

    def __init__(self):
        outer = self
        self.queries: list[dict] = []
        self.status = 200
        self.body = json.dumps(self.FORECAST).encode()
        self.delay = 0.0

        class Handler(QuietHandler):
            def do_GET(self):
                from urllib.parse import parse_qs

                path, _, query = self.path.partition("?")
                outer.queries.append(
                    {"path": path, **{k: v[0] for k, v in parse_qs(query).items()}}
                )
                if outer.delay:
                    time.sleep(outer.delay)
                try:
                    self.send_response(outer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(outer.body)))
                    self.end_headers()
                    self.wfile.write(outer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

        super().__init__(Handler)
        self.url = self.base_url


@pytest.fixture
def open_meteo(db, settings):
    """Weather pointed at a local Open-Meteo stub, with an empty weather cache."""
    from django.core.cache import cache

    stub = OpenMeteoStub()
    settings.OPEN_METEO_BASE_URL = stub.url
    settings.OPEN_METEO_TIMEOUT_SECONDS = 2.0
    cache.clear()
    yield stub
    stub.stop()
