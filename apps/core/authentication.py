"""DRF authentication by Cognito bearer token.

A valid token whose ``sub`` has no user yet authenticates as a ``CognitoIdentity``: enough to
call the onboarding endpoint, refused everywhere else by ``IsOnboarded`` with
``user_not_onboarded``.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apps.core.cognito import TokenRejected, verify_token


@dataclass
class CognitoToken:
    """The raw bearer token and its verified claims (``request.auth``)."""

    raw: str
    claims: dict[str, Any]

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


def authenticate_token(raw_token: str):
    """Verify a token and find its user; shared by REST and WebSocket handshakes."""
    from apps.users.selectors import user_by_cognito_sub

    try:
        claims = verify_token(raw_token)
    except TokenRejected as rejection:
        raise exceptions.AuthenticationFailed(rejection.message, code=rejection.code) from None
    token = CognitoToken(raw=raw_token, claims=claims)
    user = user_by_cognito_sub(claims["sub"])
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
