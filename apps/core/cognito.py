"""Verification of Cognito JWTs: signing keys, claims and the reasons a token is refused.

The JWKS is cached at module level so warm Lambda invocations reuse it. Keys can be preloaded
from a file (a Lambda in a VPC may have no route to Cognito); an unknown ``kid`` triggers one
refetch, at most once per cool-down, so forged ``kid`` values can't turn into a request flood.
"""

import json
import logging
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings

from apps.core.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub", "token_use"]


class TokenRejected(Exception):
    """Why a bearer token was refused; rendered as a 401 with ``code``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def issuer() -> str:
    return (
        f"https://cognito-idp.{settings.COGNITO_REGION}.amazonaws.com/"
        f"{settings.COGNITO_USER_POOL_ID}"
    )


def jwks_url() -> str:
    return settings.COGNITO_JWKS_URL or f"{issuer()}/.well-known/jwks.json"


@dataclass
class _KeyStore:
    source: tuple[str, str] = ("", "")
    keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    last_fetch_attempt: float = float("-inf")


_store = _KeyStore()
_store_lock = threading.Lock()


def _parse_jwks(document: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    keys = {}
    for jwk in document.get("keys", []):
        kid = jwk.get("kid")
        if not kid or jwk.get("kty") != "RSA":
            continue
        try:
            keys[kid] = jwt.PyJWK.from_dict(jwk, algorithm="RS256")
        except jwt.PyJWTError:
            logger.warning("skipping unusable JWK kid=%s", kid)
    return keys


def _fetch_remote_keys(url: str) -> dict[str, jwt.PyJWK]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    timeout = settings.COGNITO_JWKS_TIMEOUT_SECONDS
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return _parse_jwks(json.load(response))


def _file_keys() -> dict[str, jwt.PyJWK]:
    if not settings.COGNITO_JWKS_FILE:
        return {}
    try:
        with open(settings.COGNITO_JWKS_FILE) as handle:
            return _parse_jwks(json.load(handle))
    except (OSError, ValueError):
        logger.warning("COGNITO_JWKS_FILE %s could not be read", settings.COGNITO_JWKS_FILE)
        return {}


def _has_remote_jwks() -> bool:
    """The local development pool has only the file; every real pool publishes a JWKS."""
    return bool(settings.COGNITO_JWKS_URL) or (
        settings.COGNITO_USER_POOL_ID != settings.COGNITO_DEV_POOL_ID
    )


def _reset_if_reconfigured() -> None:
    source = (jwks_url(), settings.COGNITO_JWKS_FILE)
    if _store.source != source:
        _store.source = source
        _store.keys = _file_keys()
        _store.last_fetch_attempt = float("-inf")


def reset_key_cache() -> None:
    """Forget every cached key (tests, and after rotating COGNITO_JWKS_FILE)."""
    with _store_lock:
        _store.source = ("", "")
        _store.keys = {}
        _store.last_fetch_attempt = float("-inf")


def signing_key(kid: str) -> jwt.PyJWK:
    with _store_lock:
        _reset_if_reconfigured()
        if kid in _store.keys:
            return _store.keys[kid]
        cooldown = settings.COGNITO_JWKS_REFETCH_COOLDOWN_SECONDS
        if time.monotonic() - _store.last_fetch_attempt >= cooldown:
            _store.last_fetch_attempt = time.monotonic()
            _store.keys.update(_file_keys())  # picks up a rotated or newly written key file
            if kid not in _store.keys and _has_remote_jwks():
                try:
                    _store.keys.update(_fetch_remote_keys(jwks_url()))
                except (OSError, ValueError) as exc:
                    logger.warning("JWKS fetch from %s failed: %s", jwks_url(), exc)
        if kid in _store.keys:
            return _store.keys[kid]
        if not _store.keys and _has_remote_jwks():
            # No key at all means we can't judge any token: unavailable, not "everyone is forged".
            raise ServiceUnavailable(
                "Sign-in keys are unavailable; try again shortly.", code="auth_unavailable"
            )
    raise TokenRejected("unknown_key", "The token was signed with an unknown key.")


@contextmanager
def token_refusals(*, issuer_name: str):
    """PyJWT's refusals as the API's 401 codes, one mapping for every token kind the API
    verifies (Cognito's, and the legacy app's Supabase tokens)."""
    try:
        yield
    except jwt.ExpiredSignatureError as exc:
        raise TokenRejected("token_expired", "The token has expired.") from exc
    except jwt.ImmatureSignatureError as exc:
        raise TokenRejected("token_not_yet_valid", "The token is not valid yet.") from exc
    except jwt.InvalidIssuerError as exc:
        message = f"The token was not issued by {issuer_name}."
        raise TokenRejected("invalid_issuer", message) from exc
    except jwt.InvalidAudienceError as exc:
        raise TokenRejected("invalid_audience", "The token is for another audience.") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TokenRejected("missing_claim", f"The token lacks the '{exc.claim}' claim.") from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenRejected("invalid_signature", "The token signature is invalid.") from exc
    except jwt.InvalidAlgorithmError as exc:
        raise TokenRejected("invalid_algorithm", "This token's algorithm is not accepted.") from exc
    except jwt.DecodeError as exc:
        raise TokenRejected("malformed_token", "The token could not be decoded.") from exc
    except jwt.PyJWTError as exc:
        raise TokenRejected("invalid_token", "The token is invalid.") from exc


def verify_token(token: str) -> dict[str, Any]:
    """Return the claims of a valid Cognito ID or access token, or raise TokenRejected."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as exc:
        raise TokenRejected("malformed_token", "The token is not a well-formed JWT.") from exc
    if header.get("alg") != "RS256":
        raise TokenRejected("invalid_algorithm", "Only RS256-signed tokens are accepted.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("unknown_key", "The token names no signing key.")
    key = signing_key(kid)
    with token_refusals(issuer_name="this pool"):
        claims = jwt.decode(
            token,
            key=key.key,
            algorithms=["RS256"],
            issuer=issuer(),
            leeway=settings.COGNITO_CLOCK_SKEW_SECONDS,
            options={"require": REQUIRED_CLAIMS, "verify_aud": False},
        )
    _check_audience(claims)
    return claims


def _check_audience(claims: dict[str, Any]) -> None:
    token_use = claims["token_use"]
    if token_use not in settings.COGNITO_ACCEPTED_TOKEN_USES:
        raise TokenRejected("invalid_token_use", f"'{token_use}' tokens are not accepted here.")
    client_ids = settings.COGNITO_APP_CLIENT_IDS
    if token_use == "id":  # noqa: S105 - a claim value, not a password
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if not any(a in client_ids for a in audiences):
            raise TokenRejected("invalid_audience", "The token is for another app client.")
    elif claims.get("client_id") not in client_ids:
        raise TokenRejected("invalid_client", "The token is for another app client.")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise TokenRejected("missing_claim", "The token lacks the 'sub' claim.")


@lru_cache(maxsize=1)
def _cognito_client():
    import boto3  # deferred: boto3 costs ~100 ms of import on a cold start

    # The endpoint follows AWS_ENDPOINT_URL (boto3 reads it), so tests reach the emulator.
    return boto3.client("cognito-idp", region_name=settings.COGNITO_REGION)


def user_attributes(access_token: str) -> dict[str, str]:
    """The user's attributes from Cognito's GetUser, which access tokens need (no email claim)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = _cognito_client().get_user(AccessToken=access_token)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NotAuthorizedException":
            raise TokenRejected("invalid_token", "Cognito no longer accepts this token.") from exc
        raise ServiceUnavailable(
            "Cognito is unavailable; try again shortly.", code="auth_unavailable"
        ) from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable(
            "Cognito is unavailable; try again shortly.", code="auth_unavailable"
        ) from exc
    attributes = {a["Name"]: a["Value"] for a in response.get("UserAttributes", [])}
    attributes.setdefault("cognito:username", response.get("Username", ""))
    return attributes


class IdentityDeletionFailed(Exception):
    """Cognito could not be reached or refused to delete a user; the caller retries later."""


def delete_identity(sub: str) -> None:
    """Delete the pool's user whose ``sub`` this is (AdminDeleteUser wants the username, so
    ListUsers finds it). A user that is already gone is success: a retry is always safe."""
    from botocore.exceptions import BotoCoreError, ClientError

    if settings.COGNITO_USER_POOL_ID == settings.COGNITO_DEV_POOL_ID:
        return  # the local development pool is a key file: there is no user to delete
    if not sub or '"' in sub or "\\" in sub:
        raise IdentityDeletionFailed("not a Cognito sub")
    client, pool_id = _cognito_client(), settings.COGNITO_USER_POOL_ID
    try:
        found = client.list_users(UserPoolId=pool_id, Filter=f'sub = "{sub}"', Limit=1)
        for user in found.get("Users", []):
            try:
                client.admin_delete_user(UserPoolId=pool_id, Username=user["Username"])
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "UserNotFoundException":
                    raise
    except (BotoCoreError, ClientError) as exc:
        raise IdentityDeletionFailed(str(exc)) from exc
