"""Supabase access tokens during the switch: accepted through the one authentication class when
the LEGACY_SUPABASE_* settings are on, refused as before when they are off, and never confused
with Cognito's tokens (apps/legacy/auth.py, apps/core/authentication.py)."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.checks import run_checks
from django.utils import timezone
from rest_framework.test import APIClient

from apps.legacy.checks import supabase_tokens_accepted
from apps.users.models import User
from tests.conftest import LOCAL_KID, JwksServer
from tests.legacy.auth_fixtures import (
    SUPABASE_ISSUER,
    imported_person,
    supabase_claims,
    supabase_token,
)

SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"
SUPABASE_KID = "supabase-es256-key"
SUPABASE_RSA_KID = "supabase-rs256-key"
SUPABASE_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

pytestmark = pytest.mark.django_db


@pytest.fixture
def supabase_on(settings):
    settings.LEGACY_SUPABASE_ISSUER = SUPABASE_ISSUER
    settings.LEGACY_SUPABASE_JWT_SECRET = SECRET
    settings.LEGACY_SUPABASE_JWKS_URL = ""
    return settings


@pytest.fixture
def person():
    return imported_person()


def _get_me(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/v1/users/me")


def _refused(response, code: str):
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code, response.json()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_signed(header: dict, claims: dict, hmac_key: bytes | None) -> str:
    """A JWT built by hand, as an attacker would: PyJWT refuses to sign HS256 with a PEM key."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if hmac_key is None:
        return f"{signing_input}."
    signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


# --- HS256 (the project's JWT secret) -----------------------------------------------------------


def test_valid_supabase_token_signs_in_the_imported_profile(supabase_on, person):
    response = _get_me(supabase_token(person.user_id, SECRET))

    assert response.status_code == 200, response.content
    assert response.json()["id"] == str(person.user_id)
    assert User.objects.count() == 1  # no new user for the old token


def test_expired_supabase_token_asks_the_app_to_refresh(supabase_on, person):
    expired = supabase_token(person.user_id, SECRET, exp=int(time.time()) - 120)
    _refused(_get_me(expired), "token_expired")


def test_supabase_token_for_another_audience_is_refused(supabase_on, person):
    _refused(_get_me(supabase_token(person.user_id, SECRET, aud="anon")), "invalid_audience")


def test_hs256_token_of_another_issuer_is_refused(supabase_on, person):
    other = supabase_token(person.user_id, SECRET, iss="https://other.supabase.co/auth/v1")
    _refused(_get_me(other), "invalid_issuer")


def test_supabase_token_signed_with_another_secret_is_refused(supabase_on, person):
    forged = supabase_token(person.user_id, "x" * 40)
    _refused(_get_me(forged), "invalid_signature")


@pytest.mark.parametrize("issuer", [SUPABASE_ISSUER, None])
def test_unsigned_token_is_refused(supabase_on, person, issuer):
    claims = supabase_claims(person.user_id, iss=issuer)
    unsigned = _hand_signed({"alg": "none", "typ": "JWT"}, claims, None)
    _refused(_get_me(unsigned), "invalid_algorithm")


def test_supabase_token_for_an_unknown_sub_is_refused_not_onboarded(supabase_on, person):
    stranger = supabase_token(uuid.uuid4(), SECRET)
    _refused(_get_me(stranger), "invalid_token")
    assert User.objects.count() == 1


def test_supabase_token_of_a_profile_without_legacy_credential_is_refused(supabase_on, person):
    """Only imported profiles: a new-system user's id in a Supabase token means nothing."""
    from tests.factories import UserFactory

    newcomer = UserFactory()
    _refused(_get_me(supabase_token(newcomer.pk, SECRET)), "invalid_token")


@pytest.mark.parametrize(
    "state",
    [{"deleted_at": timezone.now()}, {"banned_until": timezone.now() + timedelta(days=3)}],
    ids=["deleted", "banned"],
)
def test_deleted_or_banned_person_is_refused(supabase_on, state):
    person = imported_person(**state)
    _refused(_get_me(supabase_token(person.user_id, SECRET)), "invalid_token")


def test_disabled_profile_is_refused(supabase_on, person):
    User.objects.filter(pk=person.user_id).update(is_active=False)
    _refused(_get_me(supabase_token(person.user_id, SECRET)), "invalid_token")


def test_with_the_settings_off_supabase_tokens_are_refused_as_today(settings, person):
    settings.LEGACY_SUPABASE_ISSUER = ""
    settings.LEGACY_SUPABASE_JWT_SECRET = ""
    settings.LEGACY_SUPABASE_JWKS_URL = ""
    _refused(_get_me(supabase_token(person.user_id, SECRET)), "invalid_algorithm")


def test_an_issuer_without_a_key_source_stays_off(settings, person):
    settings.LEGACY_SUPABASE_ISSUER = SUPABASE_ISSUER
    settings.LEGACY_SUPABASE_JWT_SECRET = ""
    settings.LEGACY_SUPABASE_JWKS_URL = ""
    _refused(_get_me(supabase_token(person.user_id, SECRET)), "invalid_algorithm")


def test_supabase_token_cannot_onboard_a_second_profile(supabase_on, person):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {supabase_token(person.user_id, SECRET)}")

    response = client.post("/v1/users/onboard", {"username": "second-me"}, format="json")

    _refused(response, "invalid_token_use")
    assert User.objects.count() == 1
    assert User.objects.get().cognito_sub is None


def test_cognito_tokens_still_work_with_supabase_tokens_on(supabase_on, user_client, user):
    response = user_client.get("/v1/users/me")
    assert response.status_code == 200
    assert response.json()["id"] == str(user.pk)


# --- Algorithm confusion, both ways ------------------------------------------------------------


def test_hs256_token_keyed_with_the_cognito_public_key_is_refused(
    supabase_on, local_signing_key, cognito, person
):
    """The classic confusion: HMAC with the RS256 public key. It is a Supabase-kind token (HS256)
    and only ever checked against the Supabase secret."""
    public_pem = (
        local_signing_key[0]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": cognito.issuer,
        "aud": cognito.client_id,
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
    }
    header = {"alg": "HS256", "kid": LOCAL_KID, "typ": "JWT"}
    _refused(_get_me(_hand_signed(header, claims, public_pem)), "invalid_signature")
    claims.update(iss=SUPABASE_ISSUER, aud="authenticated", sub=str(person.user_id))
    _refused(_get_me(_hand_signed(header, claims, public_pem)), "invalid_signature")
    # The same claims HMAC'd with the Supabase secret pass: the secret is what was checked.
    assert _get_me(_hand_signed(header, claims, SECRET.encode())).status_code == 200


def test_hs256_token_signed_with_the_supabase_secret_never_reaches_cognito(
    supabase_on, cognito, person
):
    """A valid Supabase signature does not make a token claiming Cognito's issuer a Cognito
    token: the issuer check of the Supabase kind refuses it."""
    token = supabase_token(
        person.user_id, SECRET, iss=cognito.issuer, aud=cognito.client_id, token_use="id"
    )
    _refused(_get_me(token), "invalid_issuer")


def test_rs256_token_from_the_cognito_key_naming_the_supabase_issuer_is_refused(
    supabase_on, sign_token, person
):
    """Cognito's key can't speak for Supabase: with only the HS256 secret, RS256 is refused."""
    token = sign_token({"sub": str(person.user_id), "iss": SUPABASE_ISSUER, "aud": "authenticated"})
    _refused(_get_me(token), "invalid_algorithm")


def test_with_supabase_off_an_hs256_token_goes_to_cognito_and_is_refused(settings, person):
    settings.LEGACY_SUPABASE_ISSUER = ""
    settings.LEGACY_SUPABASE_JWT_SECRET = ""
    token = supabase_token(person.user_id, SECRET)
    _refused(_get_me(token), "invalid_algorithm")


# --- Asymmetric keys (a JWKS, e.g. ES256) ------------------------------------------------------


@pytest.fixture
def supabase_jwks(settings):
    """Supabase's asymmetric signing key, published by a local JWKS stub."""
    key = ec.generate_private_key(ec.SECP256R1())
    public_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    public_jwk.update({"kid": SUPABASE_KID, "alg": "ES256", "use": "sig"})
    rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(SUPABASE_RSA_KEY.public_key()))
    rsa_jwk.update({"kid": SUPABASE_RSA_KID, "use": "sig"})  # no "alg": inferred from kty
    server = JwksServer(json.dumps({"keys": [public_jwk, rsa_jwk]}).encode())
    settings.LEGACY_SUPABASE_ISSUER = SUPABASE_ISSUER
    settings.LEGACY_SUPABASE_JWT_SECRET = ""
    settings.LEGACY_SUPABASE_JWKS_URL = server.url
    yield key, server
    server.stop()


def _es256(claims: dict, key, kid: str = SUPABASE_KID) -> str:
    return jwt.encode(claims, key, "ES256", headers={"kid": kid})


def test_es256_supabase_token_signs_in_with_keys_fetched_once(supabase_jwks, person):
    key, server = supabase_jwks
    token = _es256(supabase_claims(person.user_id), key)

    for _ in range(3):
        response = _get_me(token)
        assert response.status_code == 200, response.content
        assert response.json()["id"] == str(person.user_id)
    assert server.hits == 1


def test_es256_token_from_another_key_with_the_same_kid_is_refused(supabase_jwks, person):
    impostor = ec.generate_private_key(ec.SECP256R1())
    _refused(_get_me(_es256(supabase_claims(person.user_id), impostor)), "invalid_signature")


def test_es256_token_naming_an_unknown_key_is_refused(supabase_jwks, person):
    key, _ = supabase_jwks
    _refused(_get_me(_es256(supabase_claims(person.user_id), key, "nope")), "unknown_key")


def test_expired_es256_token_is_refused(supabase_jwks, person):
    key, _ = supabase_jwks
    claims = supabase_claims(person.user_id, exp=int(time.time()) - 300)
    _refused(_get_me(_es256(claims, key)), "token_expired")


def test_cognito_signed_rs256_token_naming_supabase_is_checked_against_supabase_keys_only(
    supabase_jwks, sign_token, person
):
    token = sign_token({"sub": str(person.user_id), "iss": SUPABASE_ISSUER, "aud": "authenticated"})
    _refused(_get_me(token), "unknown_key")


def test_es256_supabase_key_cannot_sign_a_cognito_token(supabase_jwks, cognito, person):
    """A token naming Cognito's issuer goes the Cognito way: RS256 only."""
    key, _ = supabase_jwks
    claims = supabase_claims(
        person.user_id, iss=cognito.issuer, aud=cognito.client_id, token_use="id"
    )
    _refused(_get_me(_es256(claims, key)), "invalid_algorithm")


def test_rs256_supabase_token_signs_in_with_the_supabase_rsa_key(supabase_jwks, person):
    token = jwt.encode(
        supabase_claims(person.user_id), SUPABASE_RSA_KEY, "RS256",
        headers={"kid": SUPABASE_RSA_KID},
    )  # fmt: skip
    assert _get_me(token).json()["id"] == str(person.user_id)


def test_a_token_naming_a_key_of_another_algorithm_is_refused(supabase_jwks, person):
    """ES256 in the header, the RSA key's kid: the key decides which algorithm it vouches for."""
    key, _ = supabase_jwks
    token = _es256(supabase_claims(person.user_id), key, SUPABASE_RSA_KID)
    _refused(_get_me(token), "invalid_algorithm")


def test_hs256_is_refused_when_only_the_jwks_is_configured(supabase_jwks, person):
    _refused(_get_me(supabase_token(person.user_id, SECRET)), "invalid_algorithm")


def test_unreachable_supabase_jwks_is_a_503_not_a_forgery(supabase_jwks, person):
    key, server = supabase_jwks
    server.stop()
    response = _get_me(_es256(supabase_claims(person.user_id), key, "rotated-key"))
    assert response.status_code == 503
    assert response.json()["code"] == "auth_unavailable"


# --- check --deploy ----------------------------------------------------------------------------


def test_deploy_check_warns_while_supabase_tokens_are_accepted(supabase_on):
    [warning] = supabase_tokens_accepted(None)
    assert warning.id == "legacy.W001"
    assert "legacy.W001" in {m.id for m in run_checks(include_deployment_checks=True)}


def test_deploy_check_is_quiet_when_off(settings):
    settings.LEGACY_SUPABASE_ISSUER = ""
    assert supabase_tokens_accepted(None) == []
    assert "legacy.W001" not in {m.id for m in run_checks(include_deployment_checks=True)}


def test_websocket_handshakes_share_the_same_verification(supabase_on, person):
    """apps/realtime authenticates sockets with authenticate_token: same kinds, same codes."""
    from rest_framework.exceptions import AuthenticationFailed

    from apps.core.authentication import authenticate_token

    user, token = authenticate_token(supabase_token(person.user_id, SECRET))
    assert (user.pk, token.kind) == (person.user_id, "supabase")
    with pytest.raises(AuthenticationFailed) as refusal:
        authenticate_token(supabase_token(person.user_id, "y" * 40))
    assert refusal.value.get_codes() == "invalid_signature"
