"""The Channels transport's publishing side: events into channel-layer groups.

Each consumer (``consumers.EventsConsumer``) is in the group ``trip.<id>`` of every trip it
delivers and in its user's group ``user.<id>``. An event of a trip goes to the trip's group; an
event addressed to people (``notification.created``) to their user groups. Membership changes
also send a control message to the subject's user group, so every socket of that user, on any
server, joins the trip (``MEMBER_ADDED``) or leaves it (``MEMBER_REMOVED``) without
reconnecting. A socket joins before it passes the news on, so once the app has MEMBER_ADDED
(or TRIP_CREATED) every later event of the trip reaches it; one published by someone else in
the moment between the join's commit and that (milliseconds; up to the Redis pub/sub layer's
0.1 s polling) can miss it, which the app covers by loading the trip it has just joined.
"""

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from apps.core import event_catalogue as catalogue
from apps.core.events import Event
from apps.realtime.protocol import encode

logger = logging.getLogger(__name__)

# Consumer handler names (a message's "type" with dots as underscores).
EVENT = "realtime.event"
TRIP_JOIN = "realtime.trip_join"
TRIP_LEAVE = "realtime.trip_leave"


def trip_group(trip_id) -> str:
    return f"trip.{trip_id}"


def user_group(user_id) -> str:
    return f"user.{user_id}"


# Events about one member's place in a trip also go to that member's own group: to join the
# trip (every socket of theirs, on any server), to leave it, or, for the events that follow in
# the same transaction, to arrive even if the socket has not finished joining the trip's group.
SUBJECT_MESSAGES = {
    catalogue.TRIP_CREATED.name: TRIP_JOIN,  # the creator is the trip's first member
    catalogue.MEMBER_ADDED.name: TRIP_JOIN,
    catalogue.MEMBER_REMOVED.name: TRIP_LEAVE,
    catalogue.TRIP_MEMBER_JOINED.name: EVENT,
    catalogue.TRIP_MEMBER_LEFT.name: EVENT,
    catalogue.MEMBER_ROLE_UPDATED.name: EVENT,
    catalogue.TRIP_MEMBER_UPDATED.name: EVENT,
}


def layer_messages(event: Event) -> list[tuple[str, dict[str, Any]]]:
    """(group, message) pairs for an event, in the order they must be sent.

    The frame is encoded once here, not once per socket; the fields beside it are what a
    consumer decides on. A socket may get an event twice (its trip's group and its user's
    group): consumers drop the second copy by event id, and anything of a trip they no longer
    deliver.
    """
    message = {
        "type": EVENT,
        "trip_id": "",
        "event_id": event.id,
        "event_type": event.type,
        "subject_id": event.user_id,
        "text": encode(event.envelope()),
    }
    if event.recipient_user_ids:
        return [(user_group(user_id), message) for user_id in event.recipient_user_ids]
    if not event.trip_id:
        return []
    trip_message = {**message, "trip_id": event.trip_id}
    sends = [(trip_group(event.trip_id), trip_message)]
    subject_type = SUBJECT_MESSAGES.get(event.type)
    if subject_type and event.user_id:
        sends.append((user_group(event.user_id), {**trip_message, "type": subject_type}))
    return sends


async def _send_all(layer, sends: list[tuple[str, dict[str, Any]]]) -> None:
    for group, message in sends:
        await layer.group_send(group, message)


_pending: set[asyncio.Task] = set()


def deliver(event: Event) -> None:
    """An ``apps.core.events`` subscriber. Runs after commit, usually in a request's thread;
    ``async_to_sync`` then sends on the server's event loop (one Redis connection per process).
    """
    deliver_many([event])


def deliver_many(events: list[Event]) -> None:
    """Several events in one ``async_to_sync`` (each costs a thread and an event loop in a WSGI
    process: most of a chat message's time when it notified 19 members one by one)."""
    layer = get_channel_layer()
    sends = [send for event in events for send in layer_messages(event)]
    if layer is None or not sends:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(_send_all)(layer, sends)
        return
    # Published from code running on the event loop itself: send without blocking it.
    task = loop.create_task(_send_all(layer, sends))
    _pending.add(task)
    task.add_done_callback(_done)


def _done(task: asyncio.Task) -> None:
    _pending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("channel layer delivery failed", exc_info=task.exception())
