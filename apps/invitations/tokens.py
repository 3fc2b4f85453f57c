"""Invitation tokens: the signed, expiring proof in an invitation email's link.

An HS256 JWT with the contract's claims (§5): ``invitationId``, ``tripId``, ``inviteeEmail``,
``iss``, ``sub`` (the invitation id), ``jti``, ``iat``, ``nbf``, ``exp``. The signing key is
derived from ``SECRET_KEY`` (never the key itself, so a token can't be replayed against any
other use of that secret); ``SECRET_KEY_FALLBACKS`` keep tokens valid through a key rotation.

``sign_invitation_token`` and ``verify_invitation_token`` are pure (key and clock are
arguments) so property tests can drive them; the token is a function of the invitation's
stored fields, so the same invitation always yields the same link and nothing secret is stored.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from django.conf import settings
from django.utils.crypto import salted_hmac

ISSUER = "nomadcrew-backend-invitation"
ALGORITHM = "HS256"
KEY_SALT = "apps.invitations.tokens"
CLOCK_SKEW_SECONDS = 30
REQUIRED_CLAIMS = ("invitationId", "tripId", "inviteeEmail", "iss", "sub", "iat", "exp")


class InvalidInvitationToken(Exception):
    """Not a token we signed: malformed, tampered with, wrong key or wrong claims."""


class ExpiredInvitationToken(InvalidInvitationToken):
    """A token we signed whose ``exp`` has passed; ``claims`` says which invitation it was."""

    def __init__(self, claims: "InvitationClaims"):
        super().__init__("invitation token expired")
        self.claims = claims


@dataclass(frozen=True)
class InvitationClaims:
    invitation_id: uuid.UUID
    trip_id: uuid.UUID
    invitee_email: str
    issued_at: datetime
    expires_at: datetime


def derive_key(secret: str) -> bytes:
    """A 32-byte HMAC key for invitation tokens only, derived from a Django secret key."""
    return salted_hmac(
        KEY_SALT, "invitation-token-signing-key", secret=secret, algorithm="sha256"
    ).digest()


def signing_keys() -> list[bytes]:
    """The current key first, then the keys of ``SECRET_KEY_FALLBACKS``."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [derive_key(secret) for secret in secrets]


def _timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


def sign_invitation_token(
    *,
    invitation_id,
    trip_id,
    invitee_email: str,
    issued_at: datetime,
    expires_at: datetime,
    key: bytes,
) -> str:
    invitation = str(invitation_id)
    claims = {
        "invitationId": invitation,
        "tripId": str(trip_id),
        "inviteeEmail": invitee_email,
        "email": "",  # the old backend's claim, always empty
        "iss": ISSUER,
        "sub": invitation,
        "jti": invitation,
        "iat": _timestamp(issued_at),
        "nbf": _timestamp(issued_at),
        "exp": _timestamp(expires_at),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def _uuid(value) -> uuid.UUID:
    if not isinstance(value, str):
        raise InvalidInvitationToken("claim is not a string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInvitationToken("claim is not a UUID") from None


def _decode(token: str, keys: Iterable[bytes]) -> dict:
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise InvalidInvitationToken("no token")
    for key in keys:
        try:
            # Time claims are checked below against the caller's clock.
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise InvalidInvitationToken(str(exc)) from None
    raise InvalidInvitationToken("signature does not match")


def verify_invitation_token(
    token: str,
    *,
    keys: Iterable[bytes],
    now: datetime | None = None,
    leeway_seconds: int = CLOCK_SKEW_SECONDS,
) -> InvitationClaims:
    """The claims of a token we signed, or ``InvalidInvitationToken`` (``ExpiredInvitation
    Token`` when it is authentic but past ``exp``)."""
    payload = _decode(token, keys)
    invitation_id = _uuid(payload["invitationId"])
    email = payload["inviteeEmail"]
    issued_at, expires_at = payload["iat"], payload["exp"]
    if (
        payload["sub"] != payload["invitationId"]
        or not isinstance(email, str)
        or not email
        or not all(type(t) is int for t in (issued_at, expires_at))
    ):
        raise InvalidInvitationToken("malformed claims")
    try:
        claims = InvitationClaims(
            invitation_id=invitation_id,
            trip_id=_uuid(payload["tripId"]),
            invitee_email=email,
            issued_at=datetime.fromtimestamp(issued_at, UTC),
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )
    except (OverflowError, OSError, ValueError):
        raise InvalidInvitationToken("timestamp out of range") from None
    current = _timestamp(now or datetime.now(UTC))
    if issued_at > current + leeway_seconds:
        raise InvalidInvitationToken("token issued in the future")
    if expires_at <= current:
        raise ExpiredInvitationToken(claims)
    return claims


# --- Bound to this deployment's settings ---------------------------------------------------


def invitation_token(invitation) -> str:
    """The link token of an invitation; it changes only when ``expires_at`` does (a resend)."""
    return sign_invitation_token(
        invitation_id=invitation.pk,
        trip_id=invitation.trip_id,
        invitee_email=invitation.invitee_email,
        issued_at=invitation.created_at,
        expires_at=invitation.expires_at,
        key=signing_keys()[0],
    )


def invitation_claims(token: str) -> InvitationClaims:
    return verify_invitation_token(token, keys=signing_keys())
