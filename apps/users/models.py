"""Users (one per Cognito identity, plus password-only staff) and their push tokens."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from apps.core.models import BaseModel


class LocationPrivacy(models.TextChoices):
    PRECISE = "precise", "Precise"
    APPROXIMATE = "approximate", "Approximate"
    HIDDEN = "hidden", "Hidden"


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

    # Set per request from the token's cognito:groups; never stored.
    in_cognito_admin_group = False
    is_onboarded = True

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="users_username_ci_unique"),
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

        return media_url(self.avatar_key) if self.avatar_key else self.avatar_url

    @property
    def display_name(self) -> str:
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
