"""Cognito bearer tokens: real moto-issued ones pass, every forged or broken one is a 401."""

import base64
import hashlib
import hmac
import json
import time
import urllib.request

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ME = "/v1/users/me"


def b64json(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_rejected(response, code: str):
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["type"] == "AUTHENTICATION"
    assert body["code"] == code
    assert body["message"]
    assert "Traceback" not in response.content.decode()
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("token_use", ["access", "id"])
def test_moto_issued_token_reaches_me_after_onboarding(api_client, cognito, token_use):
    person = cognito.create_user(email="Alice.Walker@Example.com")
    token = person.access_token if token_use == "access" else person.id_token

    before = api_client.get(ME, **bearer(token))
    # The app onboards on a 404 here; other routes answer 401 user_not_onboarded.
    assert before.status_code == 404, before.content
    assert before.json()["code"] == "user_not_onboarded"

    onboard = api_client.post(reverse("user-onboard"), {"username": "alice"}, **bearer(token))
    assert onboard.status_code == 200, onboard.content
    assert onboard.json()["email"] == "Alice.Walker@Example.com"

    me = api_client.get(ME, **bearer(token))
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert me.json()["id"] == onboard.json()["id"]


def test_missing_header_is_token_missing(api_client):
    assert_rejected(api_client.get(ME), "token_missing")


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer a b", "Token x.y.z"])
def test_malformed_authorization_header(api_client, header):
    assert_rejected(api_client.get(ME, HTTP_AUTHORIZATION=header), "invalid_auth_format")


def test_garbage_token(api_client):
    assert_rejected(api_client.get(ME, **bearer("not-a-jwt")), "malformed_token")


def test_alg_none_is_refused(api_client, cognito):
    now = int(time.time())
    claims = {
        "sub": "x",
        "iss": cognito.issuer,
        "aud": cognito.client_id,
        "token_use": "id",
        "iat": now,
        "exp": now + 60,
    }
    token = f"{b64json({'alg': 'none', 'kid': 'dummy'})}.{b64json(claims)}."
    assert_rejected(api_client.get(ME, **bearer(token)), "invalid_algorithm")


def test_hs256_signed_with_the_public_key_is_refused(api_client, cognito):
    with urllib.request.urlopen(f"{cognito.issuer_jwks_url}") as response:  # noqa: S310
        jwk = json.load(response)["keys"][0]
    public_pem = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk)).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    claims = {
        "sub": "x",
        "iss": cognito.issuer,
        "aud": cognito.client_id,
        "token_use": "id",
        "iat": now,
        "exp": now + 60,
    }
    header = {"alg": "HS256", "kid": jwk["kid"], "typ": "JWT"}
    signing_input = f"{b64json(header)}.{b64json(claims)}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert_rejected(api_client.get(ME, **bearer(token)), "invalid_algorithm")


def test_expired_token(api_client, sign_token):
    now = int(time.time())
    token = sign_token({"iat": now - 7200, "exp": now - 3600})
    assert_rejected(api_client.get(ME, **bearer(token)), "token_expired")


def test_not_yet_valid_token(api_client, sign_token):
    now = int(time.time())
    token = sign_token({"iat": now + 3600, "nbf": now + 3600, "exp": now + 7200})
    assert_rejected(api_client.get(ME, **bearer(token)), "token_not_yet_valid")


def test_wrong_issuer(api_client, sign_token):
    token = sign_token({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"})
    assert_rejected(api_client.get(ME, **bearer(token)), "invalid_issuer")


def test_wrong_audience_on_id_token(api_client, sign_token):
    assert_rejected(api_client.get(ME, **bearer(sign_token({"aud": "other"}))), "invalid_audience")


def test_wrong_client_id_on_access_token(api_client, sign_token):
    token = sign_token({"token_use": "access", "client_id": "other"}, drop=["aud"])
    assert_rejected(api_client.get(ME, **bearer(token)), "invalid_client")


def test_unknown_token_use(api_client, sign_token):
    assert_rejected(
        api_client.get(ME, **bearer(sign_token({"token_use": "refresh"}))), "invalid_token_use"
    )


def test_id_token_refused_where_only_access_tokens_are_accepted(
    api_client, cognito, cognito_settings
):
    cognito_settings.COGNITO_ACCEPTED_TOKEN_USES = ["access"]
    person = cognito.create_user()
    assert_rejected(api_client.get(ME, **bearer(person.id_token)), "invalid_token_use")


def test_access_token_refused_where_only_id_tokens_are_accepted(
    api_client, cognito, cognito_settings
):
    cognito_settings.COGNITO_ACCEPTED_TOKEN_USES = ["id"]
    person = cognito.create_user()
    assert_rejected(api_client.get(ME, **bearer(person.access_token)), "invalid_token_use")


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "sub", "token_use"])
def test_required_claims(api_client, sign_token, claim):
    assert_rejected(api_client.get(ME, **bearer(sign_token(drop=[claim]))), "missing_claim")


def test_unknown_kid(api_client, sign_token):
    token = sign_token(headers={"kid": "rotated-away"})
    assert_rejected(api_client.get(ME, **bearer(token)), "unknown_key")


def test_signature_from_another_key(api_client, sign_token):
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_rejected(api_client.get(ME, **bearer(sign_token(key=stranger_key))), "invalid_signature")


def test_tampered_payload_of_a_real_token(api_client, cognito):
    person = cognito.create_user()
    UserFactory(cognito_sub=person.sub)
    header, payload, signature = person.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_rejected(
        api_client.get(ME, **bearer(f"{header}.{forged}.{signature}")), "invalid_signature"
    )


def test_disabled_user_is_refused(api_client, sign_token):
    token = sign_token({"sub": "disabled-sub"})
    UserFactory(cognito_sub="disabled-sub", is_active=False)
    assert_rejected(api_client.get(ME, **bearer(token)), "account_disabled")


def test_cached_keys_keep_working_when_the_jwks_endpoint_goes_down(
    api_client, cognito, cognito_settings, jwks_server
):
    person = cognito.create_user()
    UserFactory(cognito_sub=person.sub)
    cognito_settings.COGNITO_JWKS_URL = jwks_server.url
    assert api_client.get(ME, **bearer(person.access_token)).status_code == 200
    jwks_server.stop()
    assert api_client.get(ME, **bearer(person.access_token)).status_code == 200
    assert jwks_server.hits == 1


def test_no_keys_at_all_is_503_not_401(api_client, cognito, cognito_settings):
    person = cognito.create_user()
    cognito_settings.COGNITO_JWKS_FILE = ""
    cognito_settings.COGNITO_JWKS_URL = "http://127.0.0.1:9/unreachable/jwks.json"
    response = api_client.get(ME, **bearer(person.access_token))
    assert response.status_code == 503
    assert response.json()["code"] == "auth_unavailable"
    assert response.json()["type"] == "UNAVAILABLE"


def test_unknown_kid_refetch_respects_the_cooldown(
    api_client, sign_token, cognito_settings, jwks_server
):
    cognito_settings.COGNITO_JWKS_URL = jwks_server.url
    cognito_settings.COGNITO_JWKS_REFETCH_COOLDOWN_SECONDS = 3600
    for _ in range(5):
        token = sign_token(headers={"kid": "forged-kid"})
        assert_rejected(api_client.get(ME, **bearer(token)), "unknown_key")
    assert jwks_server.hits == 1
