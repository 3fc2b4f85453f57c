"""Writes to users and push tokens."""

import json
import logging
import re
import uuid
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core import media
from apps.core.authentication import CognitoToken
from apps.core.cognito import delete_identity, user_attributes
from apps.core.errors import ApplicationError, Conflict
from apps.users.erasure import erase_personal_data
from apps.users.models import PushToken, User

logger = logging.getLogger(__name__)

LAST_SEEN_RESOLUTION = timedelta(minutes=5)
# Preferences are free-form but not a storage bucket: bounded once merged, not only per request.
MAX_PREFERENCE_KEYS = 100
MAX_PREFERENCES_BYTES = 16 * 1024
_USERNAME_CHARS = re.compile(r"[^\w.@+-]")


def _is_true(value) -> bool:
    """Cognito's ``email_verified``: a boolean in ID tokens, the string "true" from GetUser."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def cognito_email(token: CognitoToken) -> tuple[str, bool]:
    """The identity's email and whether Cognito verified it. ID tokens carry both; access
    tokens carry neither, so Cognito is asked with the token (GetUser)."""
    if token.claims.get("token_use") == "access":
        attributes = user_attributes(token.raw)
        email, verified = attributes.get("email"), attributes.get("email_verified")
    else:
        email, verified = token.claims.get("email"), token.claims.get("email_verified")
    return (email or "").strip(), _is_true(verified)


def user_verified_email(*, user: User, token: CognitoToken) -> str:
    """The caller's verified email ("" if Cognito has not verified it), refreshing the stored
    one when it changed: invitations are matched against this, never against a claim alone."""
    email, verified = cognito_email(token)
    if not (email and verified):
        return ""
    if user.email != email:
        user.email = email
        User.objects.filter(pk=user.pk).update(email=email, updated_at=timezone.now())
    return email


def _username_from_token(token: CognitoToken, email: str) -> str:
    claims = token.claims
    candidate = claims.get("preferred_username") or ""
    if not candidate:
        cognito_username = claims.get("cognito:username") or claims.get("username") or ""
        # Pools that sign in by email use the sub as username: a poor display name.
        candidate = "" if cognito_username == claims["sub"] else cognito_username
    return _USERNAME_CHARS.sub("", candidate or email.split("@")[0])[:30] or "traveller"


def _free_username(base: str) -> str:
    if not User.objects.filter(username__iexact=base).exists():
        return base
    return f"{base[:21]}-{uuid.uuid4().hex[:8]}"


def user_onboard(*, token: CognitoToken, username: str | None = None) -> User:
    """Create or refresh the user of a Cognito identity; safe under concurrent first requests.

    The email always comes from Cognito, never from the request body, and is stored only once
    Cognito has verified it: an unverified address is never stored (a new profile has none,
    an existing one keeps its verified address), so it can't be used to claim invitations.
    """
    sub = token.claims["sub"]
    email, verified = cognito_email(token)
    if not email:
        raise ApplicationError(
            "Your Cognito account has no email address.", code="email_missing", status_code=400
        )
    explicit = bool(username)
    wanted = username.strip() if explicit else _username_from_token(token, email)
    try:
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                cognito_sub=sub,
                defaults={
                    "email": email if verified else "",
                    "username": wanted if explicit else _free_username(wanted),
                    "last_seen_at": timezone.now(),
                    "password": make_password(None),  # Cognito signs them in; never a password
                },
            )
            if not created:
                if verified:
                    user.email = email
                if explicit:
                    user.username = wanted
                user.last_seen_at = timezone.now()
                user.save(update_fields=["email", "username", "last_seen_at", "updated_at"])
    except IntegrityError:
        existing = User.objects.filter(cognito_sub=sub).first()
        if existing is not None and not explicit:
            return existing  # a concurrent first request created this user
        raise Conflict("That username is already taken.", code="username_taken") from None
    return user


def user_update(*, user: User, data: dict[str, Any]) -> User:
    fields = [f for f in data if f in _UPDATABLE_FIELDS]
    for field in fields:
        setattr(user, field, data[field])
    if not fields:
        return user
    try:
        with transaction.atomic():
            user.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise Conflict("That username is already taken.", code="username_taken") from None
    return user


_UPDATABLE_FIELDS = {
    "username",
    "first_name",
    "last_name",
    "avatar_url",
    "location_privacy_preference",
}


def _check_preferences_size(preferences: dict[str, Any]) -> None:
    size = len(json.dumps(preferences, separators=(",", ":")).encode())
    if len(preferences) > MAX_PREFERENCE_KEYS or size > MAX_PREFERENCES_BYTES:
        raise ApplicationError(
            f"Preferences hold at most {MAX_PREFERENCE_KEYS} keys and "
            f"{MAX_PREFERENCES_BYTES // 1024} KB once merged; send null for keys to drop.",
            code="preferences_too_large",
            details={"preferences": [f"{len(preferences)} keys, {size} bytes after merging."]},
        )


def user_merge_preferences(*, user: User, preferences: dict[str, Any]) -> User:
    """Merge under a row lock so two devices saving different keys don't drop each other's."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        merged = dict(locked.preferences or {})
        for key, value in preferences.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        _check_preferences_size(merged)
        locked.preferences = merged
        locked.save(update_fields=["preferences", "updated_at"])
    user.preferences = merged
    return user


def user_set_avatar(*, user: User, key: str) -> User:
    """Point the profile at a newly stored picture and drop the one it replaces."""
    previous = user.avatar_key
    user.avatar_key = key
    user.save(update_fields=["avatar_key", "updated_at"])
    if previous and previous != key:
        transaction.on_commit(lambda: media.delete_quietly(previous))
    return user


def user_set_contact_email(*, user: User, email: str) -> User:
    user.contact_email = email
    user.save(update_fields=["contact_email", "updated_at"])
    return user


def user_touch_last_seen(*, user: User) -> None:
    """Record activity at most every few minutes, so reads don't become writes."""
    now = timezone.now()
    if user.last_seen_at and now - user.last_seen_at < LAST_SEEN_RESOLUTION:
        return
    User.objects.filter(pk=user.pk).update(last_seen_at=now)
    user.last_seen_at = now


def push_token_register(*, user: User, token: str, device_type: str) -> PushToken:
    """Upsert on (user, token). A device that changed hands stops notifying its old user."""
    now = timezone.now()
    with transaction.atomic():
        PushToken.objects.filter(token=token, is_active=True).exclude(user=user).update(
            is_active=False, updated_at=now
        )
        push_token, _ = PushToken.objects.update_or_create(
            user=user,
            token=token,
            defaults={"device_type": device_type, "is_active": True, "last_used_at": now},
        )
    return push_token


def push_token_deregister(*, user: User, token: str) -> int:
    return PushToken.objects.filter(user=user, token=token, is_active=True).update(
        is_active=False, updated_at=timezone.now()
    )


def push_token_deregister_all(*, user: User) -> int:
    return PushToken.objects.filter(user=user, is_active=True).update(
        is_active=False, updated_at=timezone.now()
    )


# --- Account deletion -----------------------------------------------------------------------


def user_delete_account(*, user: User) -> User:
    """Delete an account as the app stores require, keeping the trips it took part in readable.

    One transaction erases the personal data: the row is anonymised ("Deleted user") and
    deactivated rather than deleted, so messages, todos, polls, votes and reactions keep their
    author; push tokens go; every registered eraser runs (``apps.users.erasure``: trips hand
    sole ownership on or are deleted, locations and notifications go, the wallet's files...).
    Only after it commits are the avatar file and the Cognito user deleted
    (``user_finish_deletion``): if that fails, the account is already unusable and erased, and
    a repeated DELETE, the admin or the ``finish_account_deletions`` schedule finishes it.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.deleted_at is None:
            _anonymise(locked)
            PushToken.objects.filter(user=locked).delete()
            erase_personal_data(user=locked)
    transaction.on_commit(lambda: user_finish_deletion(user_id=locked.pk), robust=True)
    return locked


def _anonymise(user: User) -> None:
    user.username = f"deleted-{uuid.uuid4().hex}"
    user.first_name = user.last_name = user.email = user.contact_email = user.avatar_url = ""
    user.preferences = {}
    user.location_privacy_preference = User._meta.get_field("location_privacy_preference").default
    user.last_seen_at = None
    user.password = make_password(None)
    user.is_active = user.is_staff = user.is_superuser = False
    user.deleted_at = timezone.now()
    user.save()  # every field: the whole row is rewritten
    user.groups.clear()
    user.user_permissions.clear()


def user_finish_deletion(*, user_id) -> bool:
    """The steps of a deletion outside the database: the uploaded avatar, then the Cognito user.
    Each is recorded once done, so running this again (retries, the schedule) is safe; returns
    True once nothing is left. Failures are logged and left for the next run."""
    user = User.objects.filter(pk=user_id, deleted_at__isnull=False).first()
    if user is None or user.identity_deleted_at is not None:
        return user is not None
    try:
        if user.avatar_key:
            default_storage.delete(user.avatar_key)  # a missing object is no error on S3
            User.objects.filter(pk=user.pk).update(avatar_key="")
        if user.cognito_sub:
            delete_identity(user.cognito_sub)
    except Exception:  # storage or Cognito, whatever the failure: the next run retries
        logger.exception("account deletion of user %s is incomplete; it will be retried", user.pk)
        return False
    User.objects.filter(pk=user.pk).update(identity_deleted_at=timezone.now())
    return True
