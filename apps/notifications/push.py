"""The Expo push API: message shape, one HTTP call per batch, and reading the tickets back.

Expo accepts at most 100 messages per request and answers ``{"data": [ticket, ...]}`` with one
ticket per message, in order. A ticket is ``{"status": "ok", "id"}`` or
``{"status": "error", "message", "details": {"error": "DeviceNotRegistered" | ...}}``.
"""

from typing import Any

import requests
from django.conf import settings

from apps.notifications.models import Notification, NotificationType

BATCH_SIZE = 100
DEVICE_NOT_REGISTERED = "DeviceNotRegistered"

_CHAT_TYPES = {NotificationType.CHAT_MESSAGE, NotificationType.NEW_CHAT_MESSAGE}
_TITLES = {
    NotificationType.TRIP_INVITATION: "Trip Invitation",
    NotificationType.TRIP_INVITATION_RECEIVED: "Trip Invitation",
    NotificationType.MEMBER_ADDED: "New Member",
    NotificationType.TRIP_MEMBER_JOINED: "New Member",
    NotificationType.MEMBERSHIP_CHANGE: "New Member",
    NotificationType.TRIP_MEMBER_LEFT: "Member Left",
    NotificationType.TRIP_UPDATE: "Trip Updated",
    NotificationType.TRIP_UPDATED: "Trip Updated",
    NotificationType.TODO_ASSIGNED: "Task Assigned",
    NotificationType.TASK_ASSIGNED: "Task Assigned",
    NotificationType.TODO_COMPLETED: "Task Completed",
    NotificationType.TASK_COMPLETED: "Task Completed",
}


class PushTransportError(Exception):
    """Expo could not be reached or refused the whole request; no ticket was issued."""


def _string(metadata: dict, key: str) -> str:
    value = metadata.get(key)
    return value.strip() if isinstance(value, str) else ""


def build_message(notification: Notification, token: str) -> dict[str, Any]:
    """One Expo message. ``data`` carries the metadata so a tap can deep-link; the id and type
    are written last so metadata can't overwrite them."""
    metadata = notification.metadata if isinstance(notification.metadata, dict) else {}
    title = _TITLES.get(notification.type, "NomadCrew")
    body = notification.message
    if notification.type in _CHAT_TYPES:
        title = _string(metadata, "senderName") or "New message"
        body = _string(metadata, "messagePreview") or body
    return {
        "to": token,
        "title": title,
        "body": body,
        "sound": "default",
        "data": {**metadata, "notificationId": str(notification.id), "type": notification.type},
    }


def send_batch(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """POST one batch and return its tickets, or raise PushTransportError."""
    headers = {
        "Accept": "application/json",
        "Accept-Encoding": "gzip, deflate",
        "Content-Type": "application/json",
    }
    if settings.EXPO_ACCESS_TOKEN:
        headers["Authorization"] = f"Bearer {settings.EXPO_ACCESS_TOKEN}"
    try:
        response = requests.post(
            settings.EXPO_PUSH_URL,
            json=messages,
            headers=headers,
            timeout=settings.EXPO_PUSH_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise PushTransportError(f"{exc.__class__.__name__}: {exc}") from exc
    if response.status_code >= 300:
        raise PushTransportError(f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        tickets = response.json().get("data")
    except (ValueError, AttributeError) as exc:
        raise PushTransportError(f"unreadable response: {response.text[:500]}") from exc
    if not isinstance(tickets, list):
        raise PushTransportError(f"no tickets in response: {response.text[:500]}")
    return tickets


def ticket_error(ticket: Any) -> str | None:
    """The ticket's error code (``DeviceNotRegistered``...), or None for an accepted message."""
    if isinstance(ticket, dict) and ticket.get("status") == "ok":
        return None
    details = ticket.get("details") if isinstance(ticket, dict) else None
    if isinstance(details, dict) and details.get("error"):
        return str(details["error"])
    return "unknown"
