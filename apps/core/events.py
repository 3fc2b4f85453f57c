"""Trip events: built in one place, published only after the transaction commits.

Domain services call ``publish``; transports (Channels groups, API Gateway WebSockets) register
with ``subscribe`` when their app loads. Delivery never fails the request that published: a
transport error is logged and the next transport still runs.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One event in the contract's envelope (§14.4)."""

    id: str
    type: str
    trip_id: str
    user_id: str
    timestamp: str
    payload: dict[str, Any]
    source: str = "api"
    version: int = 1
    # Set for events addressed to people rather than to a trip (notification.created).
    recipient_user_ids: tuple[str, ...] = field(default_factory=tuple)

    def envelope(self) -> dict[str, Any]:
        return {
            "type": "event",
            "payload": {
                "id": self.id,
                "type": self.type,
                "tripId": self.trip_id,
                "userId": self.user_id,
                "timestamp": self.timestamp,
                "version": self.version,
                "metadata": {"source": self.source},
                "payload": self.payload,
            },
        }


Subscriber = Callable[[Event], None]
_subscribers: list[Subscriber] = []


def subscribe(handler: Subscriber) -> None:
    if handler not in _subscribers:
        _subscribers.append(handler)


def unsubscribe(handler: Subscriber) -> None:
    if handler in _subscribers:
        _subscribers.remove(handler)


def new_event_id(now: datetime) -> str:
    return f"{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def publish(
    *,
    event_type: str,
    trip_id=None,
    user_id=None,
    payload: dict[str, Any] | None = None,
    source: str = "api",
    recipient_user_ids=(),
) -> Event:
    """Queue an event for delivery once the surrounding transaction commits.

    ``user_id`` is the actor, or the subject where the contract says so (MEMBER_ADDED...).
    The inner payload is always an object: the app's schema rejects ``null``.
    """
    now = datetime.now(UTC)
    event = Event(
        id=new_event_id(now),
        type=event_type,
        trip_id=str(trip_id) if trip_id else "",
        user_id=str(user_id) if user_id else "",
        timestamp=now.isoformat().replace("+00:00", "Z"),
        payload=payload or {},
        source=source,
        recipient_user_ids=tuple(str(r) for r in recipient_user_ids),
    )
    transaction.on_commit(partial(deliver, event), robust=True)
    return event


def deliver(event: Event) -> None:
    for handler in list(_subscribers):
        try:
            handler(event)
        except Exception:
            logger.exception("event delivery failed: %s %s via %r", event.type, event.id, handler)
