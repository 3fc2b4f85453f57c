"""In-app notifications: one row per recipient, its text derived from type and metadata."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import BaseModel
from apps.notifications.messages import notification_message


class NotificationType(models.TextChoices):
    """Every value of the old database enum (contract §10), the original set and migration
    000011's, so rows and clients written against either spelling stay valid."""

    TRIP_INVITATION_RECEIVED = "TRIP_INVITATION_RECEIVED"
    TRIP_INVITATION_ACCEPTED = "TRIP_INVITATION_ACCEPTED"
    TRIP_INVITATION_DECLINED = "TRIP_INVITATION_DECLINED"
    TRIP_UPDATE = "TRIP_UPDATE"
    NEW_CHAT_MESSAGE = "NEW_CHAT_MESSAGE"
    EXPENSE_REPORT_SUBMITTED = "EXPENSE_REPORT_SUBMITTED"
    TASK_ASSIGNED = "TASK_ASSIGNED"
    TASK_COMPLETED = "TASK_COMPLETED"
    LOCATION_SHARED = "LOCATION_SHARED"
    MEMBERSHIP_CHANGE = "MEMBERSHIP_CHANGE"
    TRIP_INVITATION = "TRIP_INVITATION"
    TRIP_MEMBER_JOINED = "TRIP_MEMBER_JOINED"
    TRIP_MEMBER_LEFT = "TRIP_MEMBER_LEFT"
    TRIP_UPDATED = "TRIP_UPDATED"
    CHAT_MESSAGE = "CHAT_MESSAGE"
    TODO_ASSIGNED = "TODO_ASSIGNED"
    TODO_COMPLETED = "TODO_COMPLETED"
    MEMBER_ADDED = "MEMBER_ADDED"
    # Not in the old enum: the wallet's expiry reminders (the app shows unknown types as is).
    WALLET_DOCUMENT_EXPIRING = "WALLET_DOCUMENT_EXPIRING"


class Notification(BaseModel):
    """Something a user should see in the app's inbox, and on their phone if push is on.

    ``message`` is computed, not stored: it is a pure function of ``type`` and ``metadata``, so
    storing it would only duplicate data and freeze today's wording into old rows.
    ``pushed_at`` makes the push task idempotent: it is set when a run claims the notification
    for sending and cleared only if Expo could not be reached for any of its devices.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    type = models.CharField(max_length=32, choices=NotificationType.choices)
    metadata = models.JSONField(default=dict, blank=True)
    read = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The status-filtered list and the unread count; the plain list uses the next one.
            models.Index(fields=["user", "read", "-created_at"], name="notif_user_read_created"),
            models.Index(fields=["user", "-created_at"], name="notif_user_created"),
            # The push resend schedule's scan: only rows no push run has claimed.
            models.Index(
                fields=["created_at"],
                condition=Q(pushed_at__isnull=True),
                name="notif_unpushed_created",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=NotificationType.values), name="notification_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(read=False, read_at__isnull=True) | Q(read=True, read_at__isnull=False),
                name="notification_read_at_iff_read",
            ),
        ]

    def __str__(self):
        return f"{self.type} for {self.user_id}"

    @property
    def message(self) -> str:
        return notification_message(self.type, self.metadata)
