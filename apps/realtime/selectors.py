"""Reads for the API Gateway transport: which open connections an event goes to."""

from django.db.models import Q
from django.utils import timezone

from apps.core import event_catalogue as catalogue
from apps.core.events import Event
from apps.realtime.models import WebSocketConnection


def live_connections():
    """Open connections still authorised: API Gateway's 2 hours not over, the token not expired
    (``token_expires_at``; refreshed by an ``auth`` frame), the account active."""
    now = timezone.now()
    return WebSocketConnection.objects.filter(
        Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=now),
        expires_at__gt=now,
        user__is_active=True,
    )


def connection_ids_of_user(user_id) -> list[str]:
    return list(
        WebSocketConnection.objects.filter(user_id=user_id).values_list("connection_id", flat=True)
    )


def connection_row(connection_id: str) -> WebSocketConnection | None:
    """The row however stale (to tell an expired token from a purged connection)."""
    return WebSocketConnection.objects.filter(connection_id=connection_id).first()


def connection_for_message(connection_id: str) -> WebSocketConnection | None:
    """The open connection a frame came in on, with its user (one query)."""
    return live_connections().select_related("user").filter(connection_id=connection_id).first()


def connection_ids_for_event(event: Event) -> list[str]:
    """Connections that must receive ``event``, in one query.

    People-addressed events go to their users. A trip's event goes to its ACTIVE members as
    they are now (a join or a removal counts at once), and ``MEMBER_REMOVED`` to the removed
    user as well, so they learn about it; a connection that unsubscribed from the trip is left
    out.
    """
    if event.recipient_user_ids:
        return list(
            live_connections()
            .filter(user_id__in=event.recipient_user_ids)
            .order_by("connection_id")
            .values_list("connection_id", flat=True)
        )
    if not event.trip_id:
        return []
    from apps.trips.models import Membership, MembershipStatus

    members = Membership.objects.filter(
        trip_id=event.trip_id, status=MembershipStatus.ACTIVE
    ).values("user_id")
    audience = Q(user_id__in=members)
    if event.type == catalogue.MEMBER_REMOVED.name and event.user_id:
        audience |= Q(user_id=event.user_id)
    rows = (
        live_connections()
        .filter(audience)
        .order_by("connection_id")
        .values_list("connection_id", "unsubscribed_trip_ids")
    )
    return [cid for cid, muted in rows if event.trip_id not in (muted or ())]


def live_connection_ids() -> list[str]:
    return list(live_connections().values_list("connection_id", flat=True))


def connection_ids_by_user(user_ids) -> dict[str, list[str]]:
    """Each user's live connections, for a batch of people-addressed events, in one query."""
    by_user: dict[str, list[str]] = {}
    rows = (
        live_connections()
        .filter(user_id__in=list(user_ids))
        .order_by("connection_id")
        .values_list("user_id", "connection_id")
    )
    for user_id, connection_id in rows:
        by_user.setdefault(str(user_id), []).append(connection_id)
    return by_user
