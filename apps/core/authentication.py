"""DRF authentication by Cognito bearer token.

A valid token whose ``sub`` has no user yet authenticates as a ``CognitoIdentity``: enough to
call the onboarding endpoint, refused everywhere else by ``IsOnboarded`` with
``user_not_onboarded``.

Other token kinds (the old backend's Supabase tokens during the switch) plug in through
``settings.AUTH_TOKEN_VERIFIERS``: the kind is decided before any signature is checked, each
verifier claims only its own tokens, and every other token is a Cognito token (RS256 only).
"""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apps.core.cognito import TokenRejected, verify_token


@dataclass
class CognitoToken:
    """The raw bearer token and its verified claims (``request.auth``); ``kind`` names the
    issuer when it is not Cognito."""

    raw: str
    claims: dict[str, Any]
    kind: str = "cognito"

    @property
    def groups(self) -> list[str]:
        groups = self.claims.get("cognito:groups") or []
        return groups if isinstance(groups, list) else [groups]


@dataclass
class CognitoIdentity:
    """A signed-in Cognito user who has not onboarded yet."""

    token: CognitoToken
    is_authenticated: bool = True
    is_onboarded: bool = False
    is_anonymous: bool = False
    is_active: bool = True
    is_staff: bool = False
    is_app_admin: bool = False
    pk: None = None
    id: None = None
    groups: list[str] = field(default_factory=list)

    @property
    def sub(self) -> str:
        return self.token.claims["sub"]


@lru_cache(maxsize=8)
def _hooks(paths: tuple[str, ...]) -> list:
    return [import_string(path) for path in paths]


def _other_kind(raw_token: str):
    """``(user, token)`` from the first verifier that claims the token, else None. A verifier
    returns None for tokens that aren't its kind and raises TokenRejected for bad ones that are."""
    for verify in _hooks(tuple(settings.AUTH_TOKEN_VERIFIERS)):
        verified = verify(raw_token)
        if verified is not None:
            return verified
    return None


def _cognito(raw_token: str):
    from apps.users.selectors import user_by_cognito_sub

    token = CognitoToken(raw=raw_token, claims=verify_token(raw_token))
    user = user_by_cognito_sub(token.claims["sub"])
    if user is None:  # a resolver may link the sub to an existing profile (apps/legacy)
        for resolve in _hooks(tuple(settings.AUTH_UNKNOWN_SUB_RESOLVERS)):
            user = resolve(token)
            if user is not None:
                break
    return user, token


def authenticate_token(raw_token: str):
    """Verify a token and find its user; shared by REST and WebSocket handshakes."""
    try:
        user, token = _other_kind(raw_token) or _cognito(raw_token)
    except TokenRejected as rejection:
        raise exceptions.AuthenticationFailed(rejection.message, code=rejection.code) from None
    if user is None:
        return CognitoIdentity(token=token), token
    if not user.is_active:
        raise exceptions.AuthenticationFailed("This account is disabled.", code="account_disabled")
    user.in_cognito_admin_group = settings.COGNITO_ADMIN_GROUP in token.groups
    return user, token


class CognitoJWTAuthentication(BaseAuthentication):
    """``Authorization: Bearer <Cognito ID or access token>``."""

    keyword = "bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword.encode() or len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid authorization header format; expected 'Bearer <token>'.",
                code="invalid_auth_format",
            )
        try:
            raw_token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "The token is not a well-formed JWT.", code="malformed_token"
            ) from None
        return authenticate_token(raw_token)

    def authenticate_header(self, request):
        return 'Bearer realm="nomadcrew"'
