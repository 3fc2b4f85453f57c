"""Users (one per Cognito identity, plus password-only staff) and their push tokens."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from apps.core.models import BaseModel


class LocationPrivacy(models.TextChoices):
    PRECISE = "precise", "Precise"
    APPROXIMATE = "approximate", "Approximate"
    HIDDEN = "hidden", "Hidden"


DELETED_USER_NAME = "Deleted user"


class User(AbstractUser):
    """A NomadCrew user. ``cognito_sub`` links the Cognito identity; staff may have none."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cognito_sub = models.CharField(max_length=128, unique=True, null=True, blank=True)
    email = models.EmailField("email address", blank=True, db_index=True)
    contact_email = models.EmailField(blank=True)
    avatar_url = models.URLField(max_length=1024, blank=True)  # an external picture URL
    avatar_key = models.CharField(max_length=512, blank=True)  # an uploaded picture (storage key)
    location_privacy_preference = models.CharField(
        max_length=16, choices=LocationPrivacy.choices, default=LocationPrivacy.APPROXIMATE
    )
    preferences = models.JSONField(default=dict, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Account deletion (``users.services.user_delete_account``): the row stays, anonymised and
    # inactive, so trip history keeps its author ("Deleted user"). ``cognito_sub`` stays too,
    # so the deleted account's unexpired tokens are refused rather than onboarded afresh.
    # Until ``identity_deleted_at`` is set, the Cognito user (and ``avatar_key``'s object, if
    # one is still named) remain to be deleted: that step runs after the commit and is retried.
    deleted_at = models.DateTimeField(null=True, blank=True)
    identity_deleted_at = models.DateTimeField(null=True, blank=True)

    # Set per request from the token's cognito:groups; never stored.
    in_cognito_admin_group = False
    is_onboarded = True

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="users_username_ci_unique"),
            # A deleted account can never sign in again.
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(is_active=False),
                name="users_deleted_is_inactive",
            ),
        ]
        indexes = [models.Index(Lower("email"), name="users_email_ci_idx")]

    def __str__(self):
        return self.username

    @property
    def is_app_admin(self) -> bool:
        return self.is_staff or self.in_cognito_admin_group

    @property
    def avatar(self) -> str:
        """The picture to show: an uploaded one (short-lived URL) wins over an external URL."""
        from apps.core.media import media_url

        if self.deleted_at:
            return ""
        return media_url(self.avatar_key) if self.avatar_key else self.avatar_url

    @property
    def display_name(self) -> str:
        if self.deleted_at:
            return DELETED_USER_NAME
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.username


class DeviceType(models.TextChoices):
    IOS = "ios", "iOS"
    ANDROID = "android", "Android"


class PushToken(BaseModel):
    """An Expo push token of one device. Deregistering deactivates; rows are kept for audit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_tokens")
    token = models.CharField(max_length=255)
    device_type = models.CharField(max_length=16, choices=DeviceType.choices)
    is_active = models.BooleanField(default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="push_token_user_token_unique")
        ]
        indexes = [models.Index(fields=["token"]), models.Index(fields=["user", "is_active"])]

    def __str__(self):
        return f"{self.device_type}:{self.token[:24]}"
