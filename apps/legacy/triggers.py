"""Cognito's User Migration trigger: people keep their Supabase passwords.

Zappa routes the trigger to ``user_migration`` (``cognito`` in zappa_settings.json). Cognito calls
it when someone signs in (``UserMigration_Authentication``) or asks for a password reset
(``UserMigration_ForgotPassword``) with a username the pool doesn't know yet; on success Cognito
creates the user with the attributes returned here, and never asks again. Raising refuses, and
every refusal carries the same message, so the trigger can't be used to find out who has an
account.
"""

import logging

import bcrypt

from apps.core.tasks import fresh_connections
from apps.legacy.auth import usable_credentials

logger = logging.getLogger(__name__)

AUTHENTICATION = "UserMigration_Authentication"
FORGOT_PASSWORD = "UserMigration_ForgotPassword"  # noqa: S105 - a trigger name, not a password
REFUSAL = "Incorrect username or password."
# Checked when there is no hash to check, so an unknown address costs what a known one does.
_DECOY_HASH = bcrypt.hashpw(b"decoy", bcrypt.gensalt(rounds=10))


class MigrationRefused(Exception):
    """Cognito refuses the sign-in or reset; the message is shown as is, so it is generic."""

    def __init__(self):
        super().__init__(REFUSAL)


def _credential(username: str):
    """The credential of the one imported person with this email who may sign in: email
    confirmed by Supabase, not deleted, not banned now, profile active."""
    if not isinstance(username, str) or not username.strip():
        return None
    matches = list(
        usable_credentials().filter(
            email__iexact=username.strip(), email_confirmed_at__isnull=False
        )[:2]
    )
    # Two imported people with one email: no way to tell whose account Cognito would create.
    return matches[0] if len(matches) == 1 else None


def password_matches(password, encrypted_password: str) -> bool:
    """bcrypt as Supabase (GoTrue) stores it (``$2a$``). Passwords longer than bcrypt's 72 bytes
    never matched there either, and a missing hash (OAuth-only accounts) never matches."""
    hashed = encrypted_password.encode() if encrypted_password.startswith("$2") else None
    candidate = password.encode() if isinstance(password, str) else b""
    try:
        matches = bcrypt.checkpw(candidate, hashed or _DECOY_HASH)
    except ValueError:  # over 72 bytes, or a malformed hash
        return False
    return matches and hashed is not None


def _attributes(credential) -> dict[str, str]:
    return {"email": credential.email, "email_verified": "true"}


@fresh_connections
def user_migration(event, context=None):
    """Fill ``event["response"]`` for Cognito, or raise ``MigrationRefused``."""
    source = event.get("triggerSource")
    credential = _credential(event.get("userName"))
    if source == AUTHENTICATION:
        password = (event.get("request") or {}).get("password")
        hashed = credential.encrypted_password if credential else ""
        if not password_matches(password, hashed) or credential is None:
            logger.info("user migration refused a sign-in")
            raise MigrationRefused()
        event["response"] = {
            "userAttributes": _attributes(credential),
            "finalUserStatus": "CONFIRMED",
            "messageAction": "SUPPRESS",
        }
    elif source == FORGOT_PASSWORD:
        if credential is None:
            logger.info("user migration refused a password reset")
            raise MigrationRefused()
        event["response"] = {"userAttributes": _attributes(credential), "messageAction": "SUPPRESS"}
    else:
        logger.warning("user migration called for trigger %s", source)
        raise MigrationRefused()
    logger.info("user migration moved imported profile %s (%s)", credential.user_id, source)
    return event
