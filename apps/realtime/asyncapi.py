"""The AsyncAPI 3.0 document of ``/v1/ws``, generated from the event catalogue and the protocol's
client messages, served at ``/v1/asyncapi.json`` beside the OpenAPI schema. Nothing here is
written by hand twice: a new event type or client message appears once it is declared.
"""

from functools import cache
from typing import Any

from django.conf import settings

from apps.core import event_catalogue as catalogue
from apps.realtime import protocol

CHANNEL = "socket"


def _message_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/channels/{CHANNEL}/messages/{name}"}


def _frame(kind: str, payload: dict[str, Any] | None = None, **extra) -> dict[str, Any]:
    properties: dict[str, Any] = {"type": {"const": kind}, **extra}
    if payload is not None:
        properties["payload"] = payload
    return {
        "type": "object",
        "properties": properties,
        "required": ["type", *(["payload"] if payload is not None else [])],
    }


def event_frame_schema(event_type: catalogue.EventType) -> dict[str, Any]:
    """The whole frame of an event: the envelope, its ``payload`` the declared one."""
    envelope = catalogue.obj(
        {
            "id": catalogue.STRING,
            "type": {"const": event_type.name},
            "tripId": {"type": "string", "description": "empty for events addressed to people"},
            "userId": {"type": "string", "description": "the actor, or the member concerned"},
            "timestamp": catalogue.DATETIME,
            "version": catalogue.INTEGER,
            "metadata": catalogue.obj({"source": catalogue.STRING}),
            "payload": event_type.payload,
        }
    )
    return _frame("event", envelope)


def event_frame_example(event_type: catalogue.EventType) -> dict[str, Any]:
    return {
        "type": "event",
        "payload": {
            "id": "20260601093000-1a2b3c4d",
            "type": event_type.name,
            "tripId": ""
            if event_type.audience == catalogue.RECIPIENTS
            else catalogue.example(catalogue.UUID, "tripId"),
            "userId": catalogue.example(catalogue.UUID, "userId"),
            "timestamp": "2026-06-01T09:30:00Z",
            "version": 1,
            "metadata": {"source": "api"},
            "payload": catalogue.example(event_type.payload),
        },
    }


def _audience(event_type: catalogue.EventType) -> str:
    if event_type.audience == catalogue.RECIPIENTS:
        text = "Sent to the users it is addressed to."
    else:
        text = "Sent to every socket of the trip's ACTIVE members."
    for key, action in event_type.restricted.items():
        text += (
            f" `{key}` only to members allowed `{action}` (OWNER, ADMIN); others get it without."
        )
    return text


SERVER_MESSAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "connected": (
        "First frame after the handshake: the user and the trips delivered.",
        _frame(
            "connected",
            catalogue.obj(
                {
                    "userId": catalogue.UUID,
                    "tripCount": catalogue.INTEGER,
                    "trips": catalogue.array(catalogue.UUID),
                }
            ),
        ),
    ),
    "serverPing": ("Keep-alive every 25 s; answer pong.", _frame("ping")),
    "serverPong": ("The answer to ping.", _frame("pong")),
    "subscribed": (
        "subscribe accepted.",
        _frame("subscribed", catalogue.obj({"tripId": catalogue.UUID})),
    ),
    "unsubscribed": (
        "unsubscribe done.",
        _frame("unsubscribed", catalogue.obj({"tripId": catalogue.UUID})),
    ),
    "authenticated": (
        "auth accepted: the socket is authorised until expiresAt (unix seconds).",
        _frame("authenticated", catalogue.obj({}, {"expiresAt": catalogue.INTEGER})),
    ),
    "error": (
        "A refused frame: code says why (rate_limited carries retryAfter in seconds; "
        "token codes as REST's 401s).",
        _frame(
            "error",
            None,
            error=catalogue.STRING,
            code=catalogue.STRING,
            retryAfter=catalogue.INTEGER,
        ),
    ),
}


@cache
def document() -> dict[str, Any]:
    messages: dict[str, Any] = {}
    for name, (summary, payload) in SERVER_MESSAGES.items():
        messages[name] = {"name": name, "summary": summary, "payload": payload}
    for event_type in catalogue.ALL:
        messages[event_type.name] = {
            "name": event_type.name,
            "title": event_type.name,
            "summary": event_type.summary,
            "description": _audience(event_type),
            "payload": event_frame_schema(event_type),
            "examples": [{"payload": event_frame_example(event_type)}],
        }
    client: dict[str, Any] = {}
    for kind, (summary, payload) in protocol.CLIENT_MESSAGES.items():
        key = f"client_{kind}"
        client[key] = {
            "name": kind,
            "summary": summary,
            "payload": _frame(kind, payload),
            "examples": [{"payload": {"type": kind, "payload": catalogue.example(payload)}}],
        }
    channel_messages = {name: {"$ref": f"#/components/messages/{name}"} for name in messages}
    channel_messages |= {name: {"$ref": f"#/components/messages/{name}"} for name in client}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "NomadCrew real time",
            "version": settings.APP_VERSION,
            "description": (
                "Events of the trips a user belongs to, over one WebSocket. Connect to /v1/ws "
                "with `?token=<Cognito token>` or the token as the Sec-WebSocket-Protocol; a "
                "refused or expired token closes 4401 (refresh and reconnect). Renew the token "
                "in-band with an `auth` frame before it expires. Generated from the event "
                "catalogue (apps/core/event_catalogue.py)."
            ),
        },
        "defaultContentType": "application/json",
        "channels": {
            CHANNEL: {
                "address": "/v1/ws",
                "title": "The user's socket",
                "messages": channel_messages,
            }
        },
        "operations": {
            "sendServerMessages": {
                "action": "send",
                "channel": {"$ref": f"#/channels/{CHANNEL}"},
                "summary": "Events and answers the server sends.",
                "messages": [_message_ref(name) for name in messages],
            },
            "receiveClientMessages": {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{CHANNEL}"},
                "summary": "Frames a client may send.",
                "messages": [_message_ref(name) for name in client],
            },
        },
        "components": {"messages": {**messages, **client}},
    }
