"""Writes to the API Gateway transport's connection rows."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.realtime.models import WebSocketConnection

# A client can't grow its row without bound by unsubscribing from made-up trips.
MAX_UNSUBSCRIBED = 100


def connection_open(
    *, connection_id: str, user, token_expires_at: float | None = None, now: datetime | None = None
):
    """Record a connection API Gateway just accepted (idempotent for a retried ``$connect``)."""
    now = now or timezone.now()
    connection, _ = WebSocketConnection.objects.update_or_create(
        connection_id=connection_id,
        defaults={
            "user": user,
            "connected_at": now,
            "expires_at": now + timedelta(seconds=settings.WEBSOCKET_CONNECTION_TTL_SECONDS),
            "unsubscribed_trip_ids": [],
            "token_expires_at": _moment(token_expires_at),
        },
    )
    return connection


def _moment(unix_seconds: float | None) -> datetime | None:
    return None if unix_seconds is None else datetime.fromtimestamp(unix_seconds, tz=UTC)


def connection_token_refresh(*, connection_id: str, token_expires_at: float) -> None:
    """An ``auth`` frame brought a fresh token: deliver until its expiry."""
    WebSocketConnection.objects.filter(connection_id=connection_id).update(
        token_expires_at=_moment(token_expires_at), updated_at=timezone.now()
    )


def connection_close(*, connection_id: str) -> int:
    return connections_delete(connection_ids=[connection_id])


def connections_delete(*, connection_ids) -> int:
    connection_ids = list(connection_ids)
    if not connection_ids:
        return 0
    deleted, _ = WebSocketConnection.objects.filter(connection_id__in=connection_ids).delete()
    return deleted


def connection_subscription_set(*, connection_id: str, trip_id: str, subscribed: bool) -> None:
    """Deliver (or stop delivering) one trip on one connection. Locked, so two frames of the
    same socket handled by two Lambda invocations don't lose each other's change."""
    with transaction.atomic():
        connection = (
            WebSocketConnection.objects.select_for_update()
            .filter(connection_id=connection_id)
            .first()
        )
        if connection is None:
            return
        muted = [t for t in connection.unsubscribed_trip_ids or [] if t != trip_id]
        if not subscribed:
            muted = [*muted, trip_id][-MAX_UNSUBSCRIBED:]
        if muted != connection.unsubscribed_trip_ids:
            connection.unsubscribed_trip_ids = muted
            connection.save(update_fields=["unsubscribed_trip_ids", "updated_at"])


def connections_resubscribe(*, user_id, trip_id: str) -> None:
    """A user (re)joined a trip: sockets that had unsubscribed from it deliver it again, as a
    Channels consumer would."""
    for connection in WebSocketConnection.objects.filter(user_id=user_id).exclude(
        unsubscribed_trip_ids=[]
    ):
        if trip_id in (connection.unsubscribed_trip_ids or []):
            connection_subscription_set(
                connection_id=connection.connection_id, trip_id=trip_id, subscribed=True
            )


def connections_purge_stale(*, now: datetime | None = None) -> int:
    """Delete rows of connections API Gateway has closed for sure (past the 2-hour limit)."""
    now = now or timezone.now()
    deleted, _ = WebSocketConnection.objects.filter(expires_at__lte=now).delete()
    return deleted
