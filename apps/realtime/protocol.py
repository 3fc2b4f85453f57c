"""The WebSocket protocol of /v1/ws (contract §14, Part 1 §12, §15.2), free of any transport.

Both transports, the Channels consumer and the API Gateway handlers, authenticate the
handshake with ``authenticate_handshake``, build server messages here and hand every client
frame to ``handle_message``. That function is synchronous (it reads the database and calls the
chat services, the same ones REST calls) and returns an ``Outcome``: the replies for the sender
and the subscription change the transport must apply, each in its own way (a Channels group,
a column of the connection's row).

A socket stays authorised only while its token is valid: ``Handshake.token_expires_at`` is the
token's ``exp``, and a client renews it in-band before then with
``{"type": "auth", "payload": {"token": "<fresh Cognito token>"}}`` (answered
``{"type": "authenticated", "payload": {"expiresAt": ...}}``; the token must be the same user's).
Past it, the Channels consumer closes with 4401 ``token_expired`` and API Gateway fan-out skips
the connection. Chat frames count against the REST rate-limit groups of ``apps.chat.rules``; over
the limit the answer is ``{"type": "error", "code": "rate_limited", "retryAfter": <seconds>}``.
"""

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from rest_framework.exceptions import AuthenticationFailed

from apps.chat import rules
from apps.core import event_catalogue as c
from apps.core.authentication import authenticate_token
from apps.core.errors import ApplicationError
from apps.core.throttling import user_retry_after

logger = logging.getLogger(__name__)

# Close codes: the app refreshes its token and reconnects on 4401; it backs off on the others.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_ONBOARDED = 4403
CLOSE_SERVER_ERROR = 1011

MAX_MESSAGE_CHARS = 64 * 1024

SUBSCRIBE_FAILED = "Not authorized to subscribe to this trip"
TRIP_ID_REQUIRED = "Invalid {kind} request: tripId required"


# --- Handshake -------------------------------------------------------------------------------


def token_from_query(query_string: str | bytes) -> str:
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    values = parse_qs(query_string).get("token") or [""]
    return values[0].strip()


def token_from_subprotocols(subprotocols: list[str]) -> str:
    """The app sends the token as the (only) subprotocol: ``new WebSocket(url, token)``."""
    offered = [p.strip() for p in subprotocols if p and p.strip()]
    for protocol in offered:
        if protocol.count(".") == 2:  # a JWT among other protocols
            return protocol
    return offered[0] if offered else ""


def split_subprotocol_header(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


@dataclass
class Handshake:
    """The outcome of checking a handshake's token: a user, or a close code and reason."""

    user: Any = None
    close_code: int | None = None
    reason: str = ""
    token_expires_at: float | None = None  # the token's ``exp`` (unix seconds)

    @property
    def accepted(self) -> bool:
        return self.user is not None


def authenticate_handshake(token: str) -> Handshake:
    """The REST check (same Cognito verification); a valid token of a user who has not
    onboarded is refused too: the socket only carries data of a user's trips."""
    if not token:
        return Handshake(close_code=CLOSE_UNAUTHENTICATED, reason="token_missing")
    try:
        user, verified = authenticate_token(token)
    except AuthenticationFailed as failure:
        codes = failure.get_codes()
        return Handshake(
            close_code=CLOSE_UNAUTHENTICATED,
            reason=codes if isinstance(codes, str) else "invalid_token",
        )
    except ApplicationError as error:  # the key server is unreachable: retry later
        logger.warning("websocket handshake could not verify a token: %s", error.code)
        return Handshake(close_code=CLOSE_SERVER_ERROR, reason=error.code)
    if not getattr(user, "is_onboarded", False):
        return Handshake(close_code=CLOSE_NOT_ONBOARDED, reason="user_not_onboarded")
    expires_at = verified.claims.get("exp") if verified is not None else None
    return Handshake(
        user=user, token_expires_at=float(expires_at) if expires_at is not None else None
    )


def token_expired(expires_at: float | None, *, now: float | None = None) -> bool:
    return expires_at is not None and (now if now is not None else time.time()) >= expires_at


# --- Server messages -------------------------------------------------------------------------


def connected_message(*, user_id, trip_ids: list[str]) -> dict[str, Any]:
    return {
        "type": "connected",
        "payload": {"userId": str(user_id), "tripCount": len(trip_ids), "trips": list(trip_ids)},
    }


def error_message(text: str, *, code: str | None = None, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "error", "error": text}
    if code:
        message["code"] = code
    message.update(extra)
    return message


class RateLimited(ApplicationError):
    """A chat frame over its REST group's limit."""

    def __init__(self, retry_after: int):
        super().__init__("Too many requests; slow down.", code="rate_limited", status_code=429)
        self.retry_after = retry_after


def _throttle(user, scope: str) -> None:
    retry_after = user_retry_after(scope=scope, user=user)
    if retry_after is not None:
        raise RateLimited(retry_after)


PING = {"type": "ping"}
PONG = {"type": "pong"}


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


# --- Client messages -------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a client frame asks of the transport: replies to the sender, and a trip to start or
    stop delivering (already authorised)."""

    replies: list[dict[str, Any]] = field(default_factory=list)
    subscribe: str | None = None
    unsubscribe: str | None = None
    token_expires_at: float | None = None  # a fresh token's expiry (``auth``)


def parse(text: str | bytes | None) -> dict[str, Any] | None:
    """A client frame as a JSON object, or None when it is not one."""
    if text is None or len(text) > MAX_MESSAGE_CHARS:
        return None
    try:
        message = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: not a message
        return None
    return message if isinstance(message, dict) else None


def _field(message: dict[str, Any], *names: str) -> Any:
    """A field from the payload, else from the top level (the app sends ``{type, tripId,
    userId, payload}``); camelCase or snake_case."""
    payload = message.get("payload")
    for source in (payload if isinstance(payload, dict) else {}, message):
        for name in names:
            if source.get(name) is not None:
                return source[name]
    return None


def _trip_id(message: dict[str, Any]) -> str | None:
    value = _field(message, "tripId", "trip_id")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def handle_message(*, user, text: str | bytes | None) -> Outcome:
    """Answer one client frame. Never raises: a failure becomes an ``error`` reply."""
    message = parse(text)
    if message is None:
        return Outcome(replies=[error_message("Invalid message: expected a JSON object")])
    kind = message.get("type")
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        logger.info("websocket: ignored a client message of type %r", kind)
        return Outcome()
    try:
        return handler(user, message)
    except RateLimited as error:
        return Outcome(
            replies=[error_message(error.message, code=error.code, retryAfter=error.retry_after)]
        )
    except ApplicationError as error:
        return Outcome(replies=[error_message(error.message, code=error.code)])
    except Exception:
        logger.exception("websocket: %s from user %s failed", kind, getattr(user, "pk", None))
        return Outcome(replies=[error_message("Internal server error", code="server_error")])


def _ping(user, message) -> Outcome:
    return Outcome(replies=[PONG])


def _pong(user, message) -> Outcome:
    return Outcome()  # the app answering our keep-alive


def _auth(user, message) -> Outcome:
    """A fresh token for this socket (the app refreshes before ``exp``): same user only."""
    token = _field(message, "token")
    handshake = authenticate_handshake(token if isinstance(token, str) else "")
    if not handshake.accepted:
        return Outcome(replies=[error_message("Token refused.", code=handshake.reason)])
    if handshake.user.pk != user.pk:
        return Outcome(replies=[error_message("Token of another user.", code="user_mismatch")])
    expires_at = handshake.token_expires_at
    reply: dict[str, Any] = {"type": "authenticated", "payload": {}}
    if expires_at is not None:
        reply["payload"]["expiresAt"] = int(expires_at)
    return Outcome(replies=[reply], token_expires_at=expires_at)


def _subscribe(user, message) -> Outcome:
    from apps.trips.permissions import trip_membership_for

    trip_id = _trip_id(message)
    if trip_id is None:
        return Outcome(replies=[error_message(TRIP_ID_REQUIRED.format(kind="subscribe"))])
    try:
        membership = trip_membership_for(user, trip_id, "realtime.subscribe")
    except ApplicationError as error:
        return Outcome(replies=[error_message(SUBSCRIBE_FAILED, code=error.code)])
    trip_id = str(membership.trip_id)
    return Outcome(
        replies=[{"type": "subscribed", "payload": {"tripId": trip_id}}], subscribe=trip_id
    )


def _unsubscribe(user, message) -> Outcome:
    trip_id = _trip_id(message)
    try:
        trip_id = str(uuid.UUID(trip_id)) if trip_id else None
    except ValueError:
        trip_id = None
    if trip_id is None:
        return Outcome(replies=[error_message(TRIP_ID_REQUIRED.format(kind="unsubscribe"))])
    return Outcome(
        replies=[{"type": "unsubscribed", "payload": {"tripId": trip_id}}], unsubscribe=trip_id
    )


def _membership(user, message, action: str):
    """The sender's membership for a chat action: the REST views' check, the same 404/403."""
    from apps.trips.permissions import trip_membership_for

    trip_id = _trip_id(message)
    if trip_id is None:
        raise ApplicationError("tripId is required.", code="trip_id_required")
    return trip_membership_for(user, trip_id, action)


def _uuid(value: Any, *, code: str, name: str) -> str | None:
    """An optional id that must be a UUID (the chat services look rows up by it)."""
    if value is None or value == "":
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ApplicationError(f"{name} must be a message id.", code=code) from None


def _chat_message_send(user, message) -> Outcome:
    """The chat service validates the content and the client id, as it does for REST."""
    from apps.chat import services as chat

    _throttle(user, rules.SEND)
    membership = _membership(user, message, "chat.create")
    chat.message_send(
        trip=membership.trip,
        user=user,
        content=_field(message, "content", "message"),
        reply_to_id=_uuid(
            _field(message, "replyToId", "reply_to_id"), code="invalid_reply_to", name="replyToId"
        ),
        client_message_id=_field(message, "messageId", "clientMessageId", "client_message_id"),
    )
    # Every socket of the trip, the sender's included, gets CHAT_MESSAGE_SENT. A retried
    # messageId is stored once and announced once (the service's idempotency).
    return Outcome()


def _typing_status(user, message) -> Outcome:
    from apps.chat import services as chat

    _throttle(user, rules.TYPING)
    membership = _membership(user, message, "chat.read")
    is_typing = _field(message, "isTyping", "is_typing")
    if not isinstance(is_typing, bool):
        raise ApplicationError("isTyping must be true or false.", code="invalid_request")
    chat.typing_status_publish(trip=membership.trip, user=user, is_typing=is_typing)
    return Outcome()


def _read_receipt(user, message) -> Outcome:
    from apps.chat import services as chat

    _throttle(user, rules.READ_RECEIPT)
    membership = _membership(user, message, "chat.mark_read")
    message_id = _uuid(
        _field(message, "messageId", "message_id", "lastReadMessageId", "lastMessageId"),
        code="invalid_message_id",
        name="messageId",
    )
    if message_id is None:
        raise ApplicationError("messageId is required.", code="message_id_required")
    chat.read_receipt_update(trip=membership.trip, user=user, message_id=message_id)
    return Outcome()


def _reaction(user, message, *, add: bool) -> Outcome:
    """``CHAT_REACTION_ADD|REMOVE`` ``{tripId, messageId, emoji}``: the REST reaction routes."""
    from apps.chat import services as chat

    _throttle(user, rules.REACT)
    membership = _membership(user, message, "chat.react")
    message_id = _uuid(
        _field(message, "messageId", "message_id"), code="invalid_message_id", name="messageId"
    )
    if message_id is None:
        raise ApplicationError("messageId is required.", code="message_id_required")
    action = chat.reaction_add if add else chat.reaction_remove
    action(
        trip=membership.trip,
        user=user,
        message_id=message_id,
        emoji=_field(message, "emoji", "reaction"),
    )
    return Outcome()


def _reaction_add(user, message) -> Outcome:
    return _reaction(user, message, add=True)


def _reaction_remove(user, message) -> Outcome:
    return _reaction(user, message, add=False)


# What a client may send, declared once for the AsyncAPI document and the app team's guide
# (``HANDLERS`` must answer exactly these; a test checks). ``tripId`` may also sit at the top
# level and the app's older key names are accepted (``_field``); these are the ones to use.
_TRIP = {"tripId": c.UUID}
CLIENT_MESSAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "ping": ("Keep-alive; answered with pong.", c.obj({})),
    "pong": ("The answer to the server's ping.", c.obj({})),
    "auth": (
        "A fresh Cognito token for this socket, sent before the current one expires (the "
        "socket closes 4401 token_expired at its exp otherwise). Same user only.",
        c.obj({"token": c.STRING}),
    ),
    "subscribe": ("Deliver this trip's events again (after an unsubscribe).", c.obj(_TRIP)),
    "unsubscribe": ("Stop delivering this trip's events on this socket.", c.obj(_TRIP)),
    "CHAT_MESSAGE_SEND": (
        "Send a chat message (as POST .../chat/messages; the same rules and rate limit). "
        "messageId is the app's optimistic id, echoed as clientMessageId.",
        c.obj(
            {**_TRIP, "content": c.TEXT},
            {"replyToId": c.UUID, "messageId": c.STRING},
        ),
    ),
    "TYPING_STATUS": ("Started or stopped typing.", c.obj({**_TRIP, "isTyping": c.BOOLEAN})),
    "READ_RECEIPT": ("Read up to a message.", c.obj({**_TRIP, "messageId": c.UUID})),
    "CHAT_REACTION_ADD": (
        "React to a message (as POST .../reactions).",
        c.obj({**_TRIP, "messageId": c.UUID, "emoji": c.STRING}),
    ),
    "CHAT_REACTION_REMOVE": (
        "Take a reaction back.",
        c.obj({**_TRIP, "messageId": c.UUID, "emoji": c.STRING}),
    ),
}

HANDLERS = {
    "ping": _ping,
    "pong": _pong,
    "auth": _auth,
    "CHAT_REACTION_ADD": _reaction_add,
    "CHAT_REACTION_REMOVE": _reaction_remove,
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "CHAT_MESSAGE_SEND": _chat_message_send,
    "TYPING_STATUS": _typing_status,
    "READ_RECEIPT": _read_receipt,
}
