"""Output shape of notifications (contract §10) for REST responses and event payloads."""

from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from apps.notifications.models import Notification


def rfc3339_seconds(value: datetime) -> str:
    """``2025-06-01T12:00:05Z``: the whole-second RFC 3339 the app's schema expects."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class WholeSecondDateTimeField(serializers.DateTimeField):
    def to_representation(self, value):
        return rfc3339_seconds(value) if value else None


class NotificationSerializer(serializers.ModelSerializer):
    """The Notification object. ``metadata`` passes through uncamelized (settings)."""

    message = serializers.CharField(read_only=True)
    created_at = WholeSecondDateTimeField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "message", "read", "created_at", "type", "metadata"]
        read_only_fields = fields


def notification_payload(notification: Notification) -> dict[str, Any]:
    """The same object for the ``notification.created`` event. Event payloads skip the
    camelCase renderer, so the keys are written camelCase here."""
    return {
        "id": str(notification.id),
        "message": notification.message,
        "read": notification.read,
        "createdAt": rfc3339_seconds(notification.created_at),
        "type": notification.type,
        "metadata": notification.metadata or {},
    }
