"""Trip events: built in one place, published only after the transaction commits.

Domain services publish through the event catalogue (``apps.core.event_catalogue``:
``catalogue.TODO_CREATED.publish(...)``), which declares every type and checks its payload; an
undeclared type or a payload that differs from its declaration raises here too. Transports
(Channels groups, API Gateway WebSockets) register with ``subscribe`` when their app loads.
Delivery never fails the request that published: a transport error is logged and the next
transport still runs.
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
BatchSubscriber = Callable[[list[Event]], None]
_subscribers: list[Subscriber] = []
# Called with each event as it is built (before commit): the test suite's contract check.
_observers: list[Subscriber] = []
_batch_handlers: dict[Subscriber, BatchSubscriber] = {}


def subscribe(handler: Subscriber, *, many: BatchSubscriber | None = None) -> None:
    """``many``, if given, takes the events of one ``publish_many`` in a single call (one
    transport round trip for a fan-out); without it ``handler`` gets them one by one."""
    if handler not in _subscribers:
        _subscribers.append(handler)
    if many is not None:
        _batch_handlers[handler] = many


def unsubscribe(handler: Subscriber) -> None:
    if handler in _subscribers:
        _subscribers.remove(handler)
    _batch_handlers.pop(handler, None)


def observe(handler: Subscriber) -> None:
    if handler not in _observers:
        _observers.append(handler)


def unobserve(handler: Subscriber) -> None:
    if handler in _observers:
        _observers.remove(handler)


def new_event_id(now: datetime) -> str:
    return f"{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def _event(
    *,
    event_type: str,
    trip_id=None,
    user_id=None,
    payload: dict[str, Any] | None = None,
    source: str = "api",
    recipient_user_ids=(),
) -> Event:
    from apps.core import event_catalogue  # declares its types against this module

    declaration = event_catalogue.declared(event_type)
    now = datetime.now(UTC)
    event = Event(
        id=new_event_id(now),
        type=event_type,
        trip_id=str(trip_id) if trip_id else "",
        user_id=str(user_id) if user_id else "",
        timestamp=now.isoformat().replace("+00:00", "Z"),
        payload=declaration.build(payload or {}),
        source=source,
        recipient_user_ids=tuple(str(r) for r in recipient_user_ids),
    )
    for observer in list(_observers):
        observer(event)
    return event


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
    event = _event(
        event_type=event_type,
        trip_id=trip_id,
        user_id=user_id,
        payload=payload,
        source=source,
        recipient_user_ids=recipient_user_ids,
    )
    transaction.on_commit(partial(deliver, event), robust=True)
    return event


def publish_many(specs: list[dict[str, Any]]) -> list[Event]:
    """``publish`` for several events (``publish``'s keyword arguments, one dict each), delivered
    together after commit: a fan-out to N people is one transport call, not N."""
    events = [_event(**spec) for spec in specs]
    if events:
        transaction.on_commit(partial(deliver_many, events), robust=True)
    return events


def _deliver_one(handler: Subscriber, event: Event) -> None:
    """A failing subscriber is logged and never stops the others (nor the request)."""
    try:
        handler(event)
    except Exception:
        logger.exception("event delivery failed: %s %s via %r", event.type, event.id, handler)


def deliver(event: Event) -> None:
    for handler in list(_subscribers):
        _deliver_one(handler, event)


def deliver_many(events: list[Event]) -> None:
    for handler in list(_subscribers):
        batch = _batch_handlers.get(handler)
        if batch is None:
            for event in events:
                _deliver_one(handler, event)
            continue
        try:
            batch(events)
        except Exception:
            logger.exception("delivery of %d events failed via %r", len(events), batch)
