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


class JwksServer:
    """A local HTTP server relaying the pool's JWKS, counting fetches, that can be stopped."""

    def __init__(self, document: bytes):
        outer = self
        self.hits = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def jwks_server(cognito):
    with urllib.request.urlopen(cognito.issuer_jwks_url) as response:  # noqa: S310 - local
        server = JwksServer(response.read())
    yield server
    server.stop()


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
