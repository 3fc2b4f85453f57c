"""Sign-in during the switch from the old Supabase backend, plugged into apps/core/authentication.

Two hooks named in settings (``AUTH_TOKEN_VERIFIERS``, ``AUTH_UNKNOWN_SUB_RESOLVERS``), so
removing apps/legacy and those two lines removes all of it:

- ``verify_supabase_token``: the Supabase access tokens installed app versions still send. A token
  is a Supabase token when the legacy settings are on and it is HS256 (Cognito never signs with
  HS256, so such a token is only ever checked against the Supabase secret) or names the Supabase
  issuer; it is then verified against Supabase's keys and algorithms only.
- ``link_imported_profile``: the first Cognito sign-in of an imported person links the new sub to
  their old profile, by an email both Supabase and Cognito verified.
"""

import logging
import threading
import time
import uuid
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.authentication import CognitoToken
from apps.core.cognito import TokenRejected, token_refusals, user_attributes
from apps.core.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

SUPABASE_AUDIENCE = "authenticated"
ASYMMETRIC_ALGORITHMS = ("ES256", "RS256")
REQUIRED_CLAIMS = ["exp", "iss", "sub", "aud"]


def supabase_tokens_enabled() -> bool:
    return bool(settings.LEGACY_SUPABASE_ISSUER) and bool(
        settings.LEGACY_SUPABASE_JWT_SECRET or settings.LEGACY_SUPABASE_JWKS_URL
    )


def _accepted_algorithms() -> list[str]:
    algorithms = ["HS256"] if settings.LEGACY_SUPABASE_JWT_SECRET else []
    if settings.LEGACY_SUPABASE_JWKS_URL:
        algorithms.extend(ASYMMETRIC_ALGORITHMS)
    return algorithms


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, timeout=settings.COGNITO_JWKS_TIMEOUT_SECONDS)


_refetch_lock = threading.Lock()
_last_refetch = {"at": float("-inf")}


def _signing_key(kid: Any):
    """The Supabase key for ``kid``: cached, refetched for an unknown kid at most once per
    cool-down (the rule apps/core/cognito.py applies to Cognito's keys)."""
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("unknown_key", "The token names no signing key.")
    client = _jwks_client(settings.LEGACY_SUPABASE_JWKS_URL)
    try:
        key = client.match_kid(client.get_signing_keys(), kid)
        if key is None:
            with _refetch_lock:
                cooldown = settings.COGNITO_JWKS_REFETCH_COOLDOWN_SECONDS
                if time.monotonic() - _last_refetch["at"] >= cooldown:
                    _last_refetch["at"] = time.monotonic()
                    key = client.match_kid(client.get_signing_keys(refresh=True), kid)
    except jwt.PyJWKClientConnectionError as exc:
        raise ServiceUnavailable(
            "Sign-in keys are unavailable; try again shortly.", code="auth_unavailable"
        ) from exc
    except jwt.PyJWKClientError:
        key = None  # a JWKS without usable keys: the kid is as unknown as a forged one
    if key is None:
        raise TokenRejected("unknown_key", "The token was signed with an unknown key.")
    return key


def _is_supabase_token(header: dict, unverified: dict) -> bool:
    """The explicit kind decision. HS256 is never Cognito's; Cognito's issuer is never
    Supabase's, so an RS256 token goes to Cognito unless it names the Supabase issuer."""
    return header.get("alg") == "HS256" or unverified.get("iss") == settings.LEGACY_SUPABASE_ISSUER


def supabase_claims(raw_token: str) -> dict[str, Any] | None:
    """Verified claims of a Supabase access token; None when the token is not Supabase's."""
    if not supabase_tokens_enabled():
        return None
    try:
        unverified = jwt.decode_complete(raw_token, options={"verify_signature": False})
    except jwt.DecodeError:
        return None  # not a JWT at all: the Cognito path reports it as it always has
    header, payload = unverified["header"], unverified["payload"]
    if not isinstance(payload, dict) or not _is_supabase_token(header, payload):
        return None
    algorithm = header.get("alg")
    if algorithm not in _accepted_algorithms():
        raise TokenRejected("invalid_algorithm", "This token's algorithm is not accepted.")
    if algorithm == "HS256":
        key: Any = settings.LEGACY_SUPABASE_JWT_SECRET
    else:
        jwk = _signing_key(header.get("kid"))
        if jwk.algorithm_name != algorithm:  # an RSA key can't vouch for an ES256 token
            raise TokenRejected("invalid_algorithm", "This token's algorithm is not accepted.")
        key = jwk.key
    with token_refusals(issuer_name="Supabase"):
        claims = jwt.decode(
            raw_token,
            key=key,
            algorithms=[algorithm],
            audience=SUPABASE_AUDIENCE,
            issuer=settings.LEGACY_SUPABASE_ISSUER,
            leeway=settings.COGNITO_CLOCK_SKEW_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise TokenRejected("missing_claim", "The token lacks the 'sub' claim.")
    return claims


def usable_credentials():
    """Credentials of imported people who may still sign in (not deleted, not banned now)."""
    from apps.legacy.models import LegacyCredential

    return LegacyCredential.objects.filter(
        Q(banned_until__isnull=True) | Q(banned_until__lte=timezone.now()),
        deleted_at__isnull=True,
        user__is_active=True,
    ).select_related("user")


def verify_supabase_token(raw_token: str):
    """``AUTH_TOKEN_VERIFIERS`` hook: ``(user, token)`` for a Supabase token, None for others.
    Its ``sub`` is the imported profile's id; anyone else is refused, never onboarded."""
    claims = supabase_claims(raw_token)
    if claims is None:
        return None
    credential = usable_credentials().filter(user_id=_uuid_or_none(claims["sub"])).first()
    if credential is None:
        raise TokenRejected("invalid_token", "The token's user is unknown here.")
    return credential.user, CognitoToken(raw=raw_token, claims=claims, kind="supabase")


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _verified_email(token: CognitoToken) -> str | None:
    """The token's email if Cognito verified it. Access tokens carry neither, so Cognito's
    GetUser answers (only on this path: a sub no user has yet)."""
    claims = token.claims
    if "email" in claims:
        email, verified = claims.get("email"), claims.get("email_verified")
    else:
        try:
            attributes = user_attributes(token.raw)
        except ServiceUnavailable:
            logger.warning("Cognito GetUser unavailable; linking waits for the next request")
            return None
        email, verified = attributes.get("email"), attributes.get("email_verified")
    if verified not in (True, "true") or not isinstance(email, str) or not email.strip():
        return None
    return email.strip()


def link_imported_profile(token: CognitoToken):
    """``AUTH_UNKNOWN_SUB_RESOLVERS`` hook: the imported profile whose verified email is the
    token's verified email, linked to the token's sub; None when there is no single match."""
    from apps.users.models import User

    email = _verified_email(token)
    if email is None:
        return None
    matches = list(
        usable_credentials()
        .filter(
            email__iexact=email,
            email_confirmed_at__isnull=False,
            user__cognito_sub__isnull=True,
        )
        .values_list("user_id", flat=True)[:2]
    )
    if len(matches) != 1:
        if matches:
            logger.warning("several imported profiles share one email; none linked")
        return None
    sub = token.claims["sub"]
    try:
        with transaction.atomic():
            User.objects.filter(pk=matches[0], cognito_sub__isnull=True).update(
                cognito_sub=sub, updated_at=timezone.now()
            )
    except IntegrityError:
        pass  # a concurrent first request linked or onboarded this sub
    user = User.objects.filter(cognito_sub=sub).first()
    if user is not None:
        logger.info("linked a Cognito sub to imported profile %s", user.pk)
    return user
