"""``/v1/ws`` on ASGI servers: one Channels consumer per socket.

The consumer authenticates the handshake, joins its user's group and the group of every trip
the user is an ACTIVE member of, then forwards the events the channel layer brings
(``channel_layer.py``) and answers client frames through ``protocol.handle_message``, the code
the API Gateway transport runs too. It keeps the set of trips it delivers and drops anything
else, so an event already queued when a member was removed never reaches them.

It stays authorised only while its token is: at the token's ``exp`` it closes with 4401
``token_expired`` unless an ``auth`` frame brought a fresh one (``protocol``); a disabled account
is closed at once (``realtime.close`` to the user's group, sent by ``signals``).
"""

import asyncio
import contextlib
import logging
import time
from collections import deque

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from apps.core import event_catalogue as catalogue
from apps.realtime import protocol
from apps.realtime.channel_layer import trip_group, user_group

logger = logging.getLogger(__name__)


def _active_trip_ids(user_id) -> list[str]:
    from apps.trips.selectors import trip_ids_for_user

    return trip_ids_for_user(user_id=user_id)


class EventsConsumer(AsyncWebsocketConsumer):
    """A user's socket: trip events out, the app's messages in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = None
        self.user_id = ""
        self.trips: set[str] = set()
        self._recent_event_ids: deque[str] = deque(maxlen=128)
        self._ping_task: asyncio.Task | None = None
        self._expiry_task: asyncio.Task | None = None
        self.token_expires_at: float | None = None

    async def dispatch(self, message):
        """Channels' dispatch without its per-message ``close_old_connections``: that is a hop
        to the one sync thread for every event and socket, and only client frames touch the
        database here, through ``database_sync_to_async``, which does the same check itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- Lifecycle ---------------------------------------------------------------------------

    async def connect(self):
        # An offered subprotocol (the app's token) must be echoed, or browsers abort.
        subprotocol = protocol.token_from_subprotocols(self.scope.get("subprotocols") or [])
        token = protocol.token_from_query(self.scope.get("query_string", b"")) or subprotocol
        subprotocol = subprotocol or None
        try:
            handshake = await database_sync_to_async(protocol.authenticate_handshake)(token)
            trip_ids = await self._register(handshake.user) if handshake.accepted else []
        except Exception:
            logger.exception("websocket registration failed")
            with contextlib.suppress(Exception):  # the layer may be what failed
                await self._unregister()
            handshake = protocol.Handshake(
                close_code=protocol.CLOSE_SERVER_ERROR, reason="registration failed"
            )
        if not handshake.accepted:
            # A close before accepting reaches the client as HTTP 403 with no code; accepting
            # first is the only way to hand it 4401. Nothing else is sent.
            await self.accept(subprotocol)
            await self.close(code=handshake.close_code, reason=handshake.reason)
            return
        await self.accept(subprotocol)
        await self._send(protocol.connected_message(user_id=self.user_id, trip_ids=trip_ids))
        self._ping_task = asyncio.create_task(self._keep_alive())
        self.token_expires_at = handshake.token_expires_at
        if self.token_expires_at is not None:
            self._expiry_task = asyncio.create_task(self._close_at_expiry())

    async def _register(self, user) -> list[str]:
        """Join the user's group, then every trip of theirs (in that order, so a trip joined
        while the list is read still arrives through the user's group)."""
        self.user = user
        self.user_id = str(user.pk)
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)
        trip_ids = await database_sync_to_async(_active_trip_ids)(user.pk)
        for trip_id in trip_ids:
            await self._join(trip_id)
        return trip_ids

    async def _unregister(self) -> None:
        for trip_id in list(self.trips):
            await self._leave(trip_id)
        if self.user is not None:
            await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)
        self.user = None

    async def disconnect(self, code):
        for task in (self._ping_task, self._expiry_task):
            if task is not None:
                task.cancel()
        await self._unregister()

    async def _close_at_expiry(self):
        """Sleep until the token's ``exp`` (moved on by each ``auth``), then close 4401."""
        while self.token_expires_at is not None:
            remaining = self.token_expires_at - time.time()
            if remaining <= 0:
                await self._end(protocol.CLOSE_UNAUTHENTICATED, "token_expired")
                return
            await asyncio.sleep(remaining)

    async def _end(self, code: int, reason: str) -> None:
        """Stop delivering at once, then close with ``code``."""
        await self._unregister()
        await self.close(code=code, reason=reason)

    async def _keep_alive(self):
        """An application-level ping: the app never sees protocol pings and drops sockets
        silent for 60 s."""
        interval = settings.REALTIME_PING_INTERVAL_SECONDS
        while True:
            await asyncio.sleep(interval)
            await self._send(protocol.PING)

    # --- Client frames -----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.user is None:
            return
        if protocol.token_expired(self.token_expires_at):
            await self._end(protocol.CLOSE_UNAUTHENTICATED, "token_expired")
            return
        outcome = await database_sync_to_async(protocol.handle_message)(
            user=self.user, text=text_data if text_data is not None else bytes_data
        )
        if outcome.token_expires_at is not None:
            self.token_expires_at = outcome.token_expires_at
        if outcome.subscribe:
            await self._join(outcome.subscribe)
        if outcome.unsubscribe:
            await self._leave(outcome.unsubscribe)
        for reply in outcome.replies:
            await self._send(reply)

    # --- Channel layer messages (channel_layer.py) -------------------------------------------

    async def realtime_event(self, message):
        trip_id = message["trip_id"]
        if trip_id and trip_id not in self.trips:
            return  # unsubscribed, or removed with this event already queued
        await self._deliver(message)
        if trip_id and (
            message["event_type"] == catalogue.TRIP_DELETED.name
            or (
                message["event_type"] == catalogue.MEMBER_REMOVED.name
                and message["subject_id"] == self.user_id
            )
        ):
            await self._leave(trip_id)

    async def realtime_close(self, message):
        """The account was disabled (or deleted): nothing more reaches this socket."""
        await self._end(message["code"], message["reason"])

    async def realtime_trip_join(self, message):
        """The user was added to a trip: deliver it from now on, starting with the news."""
        await self._join(message["trip_id"])
        await self._deliver(message)

    async def realtime_trip_leave(self, message):
        """The user was removed: tell them (once), then stop delivering the trip."""
        trip_id = message["trip_id"]
        if trip_id in self.trips:
            await self._deliver(message)
            await self._leave(trip_id)

    # --- Helpers -----------------------------------------------------------------------------

    async def _join(self, trip_id: str) -> None:
        if trip_id not in self.trips:
            self.trips.add(trip_id)
            await self.channel_layer.group_add(trip_group(trip_id), self.channel_name)

    async def _leave(self, trip_id: str) -> None:
        if trip_id in self.trips:
            self.trips.discard(trip_id)
            await self.channel_layer.group_discard(trip_group(trip_id), self.channel_name)

    async def _deliver(self, message: dict) -> None:
        """Send an event frame (encoded by the publisher) unless this socket just had it."""
        event_id = message["event_id"]
        if event_id in self._recent_event_ids:
            return
        self._recent_event_ids.append(event_id)
        await self.send(text_data=message["text"])

    async def _send(self, message: dict) -> None:
        await self.send(text_data=protocol.encode(message))
