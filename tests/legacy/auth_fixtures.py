"""Imported people as import_legacy leaves them (a profile plus its LegacyCredential), and the
old backend's Supabase signer, for the sign-in tests of the switch."""

import time
import uuid
from datetime import timedelta

import bcrypt
import jwt
from django.utils import timezone

from apps.legacy.models import LegacyCredential
from tests.factories import UserFactory

OLD_PASSWORD = "Old-Supabase-Passw0rd!"
SUPABASE_ISSUER = "https://abcdefghijklmnop.supabase.co/auth/v1"
# bcrypt at Supabase's cost, made once: hashing per test would cost a tenth of a second each.
OLD_HASH = bcrypt.hashpw(OLD_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()


def imported_person(*, email: str | None = None, confirmed=True, **credential) -> LegacyCredential:
    """A profile the import kept (same id as in Supabase) with its old password hash."""
    user = UserFactory(**({"email": email} if email else {}))
    return LegacyCredential.objects.create(
        user=user,
        email=email or user.email,
        encrypted_password=credential.pop("encrypted_password", OLD_HASH.replace("$2b$", "$2a$")),
        email_confirmed_at=timezone.now() - timedelta(days=100) if confirmed else None,
        **credential,
    )


def supabase_claims(sub, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": str(sub),
        "iss": SUPABASE_ISSUER,
        "aud": "authenticated",
        "role": "authenticated",
        "email": "old@example.com",
        "iat": now,
        "exp": now + 3600,
        "session_id": str(uuid.uuid4()),
    }
    claims.update(overrides)
    return claims


def supabase_token(sub, secret: str, *, headers=None, **overrides) -> str:
    return jwt.encode(supabase_claims(sub, **overrides), secret, "HS256", headers=headers)
