"""Every real-time event type, declared once: its name, who receives it and its payload schema.

Publishers never spell an event name or shape a payload freehand: they call
``catalogue.TRIP_UPDATED.publish(trip_id=..., user_id=..., payload={...})`` (or ``.spec(...)`` for
``events.publish_many``), and ``EventType.build`` refuses a payload whose keys differ from the
declaration (a missing required key, an undeclared key, a snake_case key). ``None`` values are
dropped before the check: a payload never carries ``null``, an absent key means "none" (the app's
zod schemas take ``optional()``, not ``nullable()``). The AsyncAPI document
(``apps.realtime.asyncapi``), the app team's guide (``docs/mobile-app.md``) and the test suite's
contract check (``tests/conftest.py``, full JSON Schema validation of every event built) all read
these declarations.

To add an event type: declare it below with ``EventType(name, summary, payload=obj(...),
audience=...)``, using the schema helpers (``obj``, ``array``, ``enum``, the scalar constants), add
it to ``ALL`` and publish it through its ``publish``/``spec``; then run
``manage.py mobile_app_doc`` so the guide (``docs/mobile-app.md``) shows it. Nothing else needs
registering: the AsyncAPI document and the test suite's check pick it up.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apps.core import events

# --- Schema helpers (JSON Schema 2020-12, the dialect AsyncAPI 3 payloads default to) ---------

STRING: dict[str, Any] = {"type": "string"}
TEXT: dict[str, Any] = {"type": "string", "examples": ["Pack the tent"]}
UUID: dict[str, Any] = {"type": "string", "format": "uuid"}
DATETIME: dict[str, Any] = {"type": "string", "format": "date-time"}
EMAIL: dict[str, Any] = {"type": "string", "format": "email"}
# A user's address where REST may blank it: hidden by the privacy rule, or a deleted account.
EMAIL_OR_EMPTY: dict[str, Any] = {"anyOf": [EMAIL, {"type": "string", "maxLength": 0}]}
INTEGER: dict[str, Any] = {"type": "integer"}
NUMBER: dict[str, Any] = {"type": "number"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
EPOCH_MS: dict[str, Any] = {"type": "integer", "description": "milliseconds since the epoch"}


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def obj(
    required: Mapping[str, dict[str, Any]],
    optional: Mapping[str, dict[str, Any]] | None = None,
    *,
    open_: bool = False,
    description: str = "",
) -> dict[str, Any]:
    """An object schema. Closed (no other keys) unless ``open_``: free-form metadata only."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
    }
    if not open_:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def extend(
    schema: dict[str, Any],
    required: Mapping[str, dict[str, Any]] | None = None,
    optional: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``schema`` (a closed object) with more keys."""
    properties = schema["properties"]
    return obj(
        {name: properties[name] for name in schema["required"]} | dict(required or {}),
        {n: s for n, s in properties.items() if n not in schema["required"]} | dict(optional or {}),
    )


ROLE = enum("OWNER", "ADMIN", "MEMBER")
TRIP_STATUS = enum("PLANNING", "ACTIVE", "COMPLETED", "CANCELLED")

# What the REST API renders (GET /v1/trips/{id}, the users' summary, the todo), camelCase.
TRIP = obj(
    {
        "id": UUID,
        "name": STRING,
        "description": STRING,
        "destinationPlaceId": STRING,
        "destinationAddress": STRING,
        "destinationName": STRING,
        "startDate": DATETIME,
        "endDate": DATETIME,
        "status": TRIP_STATUS,
        "createdAt": DATETIME,
        "updatedAt": DATETIME,
        "backgroundImageUrl": STRING,
    },
    {"destinationLatitude": NUMBER, "destinationLongitude": NUMBER, "createdBy": UUID},
)
USER_SUMMARY = obj(
    {
        "id": UUID,
        "email": EMAIL_OR_EMPTY,
        "username": STRING,
        "firstName": STRING,
        "lastName": STRING,
        "avatarUrl": STRING,
        "displayName": STRING,
    },
)
CHAT_USER = obj({"id": UUID, "name": STRING}, {"avatar": STRING})
TODO = obj(
    {
        "id": UUID,
        "tripId": UUID,
        "text": TEXT,
        "status": enum("INCOMPLETE", "COMPLETE"),
        "createdAt": DATETIME,
        "updatedAt": DATETIME,
    },
    {
        "createdBy": UUID,
        "assignedTo": UUID,
        "dueDate": DATETIME,
        "completedAt": DATETIME,
        "completedBy": UUID,
    },
)


# --- Declarations ------------------------------------------------------------------------------

# Audiences: who a published event reaches.
TRIP_MEMBERS = "tripMembers"  # every socket of the trip's ACTIVE members
RECIPIENTS = "recipients"  # the users named by the publisher (``recipient_user_ids``)


class EventPayloadError(ValueError):
    """A payload that does not match its declaration: a bug in the publisher, never input."""


@dataclass(frozen=True)
class EventType:
    """One event type: ``name`` is the envelope's ``type``; ``payload`` its JSON Schema."""

    name: str
    summary: str
    payload: dict[str, Any]
    audience: str = TRIP_MEMBERS
    # Keys only some of the audience may see; the publisher sends two copies (see invitations).
    restricted: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name

    @property
    def required(self) -> set[str]:
        return set(self.payload.get("required", ()))

    @property
    def keys(self) -> set[str]:
        return set(self.payload.get("properties", {}))

    def build(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The payload without ``None`` values, checked against the declared keys."""
        built = {key: value for key, value in payload.items() if value is not None}
        missing = self.required - built.keys()
        extra = built.keys() - self.keys
        if missing or extra:
            raise EventPayloadError(
                f"{self.name}: missing {sorted(missing)}, undeclared {sorted(extra)}"
            )
        return built

    def without_restricted(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in payload.items() if key not in self.restricted}

    def publish(
        self,
        *,
        payload: Mapping[str, Any],
        trip_id=None,
        user_id=None,
        source: str = "api",
        recipient_user_ids: Iterable = (),
    ) -> events.Event:
        return events.publish(
            **self.spec(
                payload=payload,
                trip_id=trip_id,
                user_id=user_id,
                source=source,
                recipient_user_ids=recipient_user_ids,
            )
        )

    def spec(
        self,
        *,
        payload: Mapping[str, Any],
        trip_id=None,
        user_id=None,
        source: str = "api",
        recipient_user_ids: Iterable = (),
    ) -> dict[str, Any]:
        """``events.publish``'s keyword arguments (one item of a ``publish_many``)."""
        return {
            "event_type": self.name,
            "trip_id": trip_id,
            "user_id": user_id,
            "payload": self.build(payload),
            "source": source,
            "recipient_user_ids": tuple(recipient_user_ids),
        }


def _member_payload(**extra: dict[str, Any]) -> dict[str, Any]:
    return obj({"userId": UUID, "role": ROLE, "user": USER_SUMMARY, **extra})


_INVITATION = {
    "invitationId": UUID,
    "role": enum("ADMIN", "MEMBER"),
    "status": enum("PENDING", "ACCEPTED", "DECLINED", "EXPIRED"),
}

# Trips
TRIP_CREATED = EventType(
    "TRIP_CREATED", "A trip was created (the trip as GET /v1/trips/{id} renders it).", TRIP
)
TRIP_UPDATED = EventType(
    "TRIP_UPDATED",
    "A trip changed: the trip as GET /v1/trips/{id} renders it, and which fields changed.",
    extend(TRIP, required={"changedFields": array(STRING)}),
)
TRIP_STATUS_UPDATED = EventType(
    "TRIP_STATUS_UPDATED",
    "A trip moved along the status machine.",
    obj({"id": UUID, "status": TRIP_STATUS, "oldStatus": TRIP_STATUS}),
)
TRIP_DELETED = EventType("TRIP_DELETED", "A trip was deleted.", obj({"id": UUID}))

# Members (``userId`` is the member, in the envelope too)
MEMBER_ADDED = EventType(
    "MEMBER_ADDED", "Someone became a member of the trip.", _member_payload(addedBy=UUID)
)
MEMBER_REMOVED = EventType(
    "MEMBER_REMOVED",
    "A member left or was removed; the removed member receives it too, then nothing more.",
    _member_payload(removedBy=UUID),
)
MEMBER_ROLE_UPDATED = EventType(
    "MEMBER_ROLE_UPDATED",
    "A member's role changed.",
    _member_payload(oldRole=ROLE, updatedBy=UUID),
)

# The contract's older names for the same changes (kept for app builds that listen to them)
TRIP_MEMBER_JOINED = EventType(
    "TRIP_MEMBER_JOINED",
    "Older name of MEMBER_ADDED.",
    obj({"userId": UUID, "role": ROLE, "addedBy": UUID}),
)
TRIP_MEMBER_LEFT = EventType(
    "TRIP_MEMBER_LEFT", "Older name of MEMBER_REMOVED.", obj({"userId": UUID, "removedBy": UUID})
)
TRIP_MEMBER_UPDATED = EventType(
    "TRIP_MEMBER_UPDATED",
    "Older name of MEMBER_ROLE_UPDATED.",
    obj({"userId": UUID, "oldRole": ROLE, "newRole": ROLE, "updatedBy": UUID}),
)

# Invitations: the invitee's email only reaches those who may list invitations (OWNER, ADMIN).
_INVITATION_PAYLOAD = obj(_INVITATION, {"inviteeEmail": EMAIL})
TRIP_INVITATION_CREATED = EventType(
    "TRIP_INVITATION_CREATED",
    "An invitation to the trip was sent.",
    _INVITATION_PAYLOAD,
    restricted={"inviteeEmail": "invitation.list"},
)
TRIP_INVITATION_ACCEPTED = EventType(
    "TRIP_INVITATION_ACCEPTED",
    "An invitee accepted (MEMBER_ADDED follows).",
    _INVITATION_PAYLOAD,
    restricted={"inviteeEmail": "invitation.list"},
)
TRIP_INVITATION_DECLINED = EventType(
    "TRIP_INVITATION_DECLINED",
    "An invitee declined, or an admin revoked the invitation (``revoked``).",
    obj(_INVITATION, {"inviteeEmail": EMAIL, "revoked": BOOLEAN}),
    restricted={"inviteeEmail": "invitation.list"},
)

# Todos: the whole todo (for a delete, its last state)
TODO_CREATED = EventType("TODO_CREATED", "A todo was added.", TODO)
TODO_UPDATED = EventType("TODO_UPDATED", "A todo changed (text, status, assignee, due).", TODO)
TODO_DELETED = EventType("TODO_DELETED", "A todo was deleted: its last state.", TODO)

# Chat
_CHAT_IDS = {"messageId": UUID, "tripId": UUID}
CHAT_MESSAGE_SENT = EventType(
    "CHAT_MESSAGE_SENT",
    "A chat message was stored; ``clientMessageId`` echoes the sender's optimistic id.",
    obj(
        {**_CHAT_IDS, "content": TEXT, "user": CHAT_USER, "timestamp": DATETIME},
        {"replyToId": UUID, "clientMessageId": STRING},
    ),
)
CHAT_MESSAGE_EDITED = EventType(
    "CHAT_MESSAGE_EDITED", "A message's text was edited.", obj({**_CHAT_IDS, "content": TEXT})
)
CHAT_MESSAGE_DELETED = EventType("CHAT_MESSAGE_DELETED", "A message was deleted.", obj(_CHAT_IDS))
_REACTION = obj({**_CHAT_IDS, "reaction": STRING, "user": CHAT_USER})
CHAT_REACTION_ADDED = EventType("CHAT_REACTION_ADDED", "A reaction was added.", _REACTION)
CHAT_REACTION_REMOVED = EventType("CHAT_REACTION_REMOVED", "A reaction was removed.", _REACTION)
CHAT_READ_RECEIPT = EventType(
    "CHAT_READ_RECEIPT",
    "A member read up to a message.",
    obj(
        {**_CHAT_IDS, "userId": UUID, "userName": STRING, "timestamp": DATETIME},
        {"userAvatar": STRING},
    ),
)
CHAT_TYPING_STATUS = EventType(
    "CHAT_TYPING_STATUS",
    "A member started or stopped typing (nothing stored).",
    obj({"tripId": UUID, "userId": UUID, "isTyping": BOOLEAN, "username": STRING}),
)

# Locations
LOCATION_UPDATED = EventType(
    "LOCATION_UPDATED",
    "A member's shared position (as precise as their privacy setting allows).",
    obj(
        {
            "userId": UUID,
            "name": STRING,
            "location": obj(
                {"latitude": NUMBER, "longitude": NUMBER, "timestamp": EPOCH_MS},
                {"accuracy": NUMBER},
            ),
        }
    ),
)
LOCATION_SHARING_CHANGED = EventType(
    "LOCATION_SHARING_CHANGED",
    "A member turned location sharing on or off.",
    obj({"userId": UUID, "isSharingEnabled": BOOLEAN}),
)

# Polls
_POLL_IDS = {"pollId": UUID, "tripId": UUID}
POLL_CREATED = EventType("POLL_CREATED", "A poll was opened.", obj({**_POLL_IDS, "question": TEXT}))
POLL_UPDATED = EventType(
    "POLL_UPDATED", "A poll's question changed.", obj({**_POLL_IDS, "question": TEXT})
)
POLL_DELETED = EventType("POLL_DELETED", "A poll was deleted.", obj(_POLL_IDS))
POLL_VOTE_CAST = EventType(
    "POLL_VOTE_CAST",
    "A member voted.",
    obj({**_POLL_IDS, "optionId": UUID, "userId": UUID}),
)
POLL_VOTE_REMOVED = EventType(
    "POLL_VOTE_REMOVED", "A member took a vote back.", obj({**_POLL_IDS, "optionId": UUID})
)
POLL_CLOSED = EventType(
    "POLL_CLOSED", "A poll was closed early.", obj({**_POLL_IDS, "closedBy": UUID})
)

# Notifications, addressed to their user
NOTIFICATION_CREATED = EventType(
    "notification.created",
    "A notification for this user (the object GET /v1/notifications lists).",
    obj(
        {
            "id": UUID,
            "message": STRING,
            "read": BOOLEAN,
            "createdAt": DATETIME,
            "type": STRING,
            "metadata": obj({}, open_=True, description="type-specific, free-form"),
        }
    ),
    audience=RECIPIENTS,
)

ALL: tuple[EventType, ...] = (
    TRIP_CREATED,
    TRIP_UPDATED,
    TRIP_STATUS_UPDATED,
    TRIP_DELETED,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    MEMBER_ROLE_UPDATED,
    TRIP_MEMBER_JOINED,
    TRIP_MEMBER_LEFT,
    TRIP_MEMBER_UPDATED,
    TRIP_INVITATION_CREATED,
    TRIP_INVITATION_ACCEPTED,
    TRIP_INVITATION_DECLINED,
    TODO_CREATED,
    TODO_UPDATED,
    TODO_DELETED,
    CHAT_MESSAGE_SENT,
    CHAT_MESSAGE_EDITED,
    CHAT_MESSAGE_DELETED,
    CHAT_REACTION_ADDED,
    CHAT_REACTION_REMOVED,
    CHAT_READ_RECEIPT,
    CHAT_TYPING_STATUS,
    LOCATION_UPDATED,
    LOCATION_SHARING_CHANGED,
    POLL_CREATED,
    POLL_UPDATED,
    POLL_DELETED,
    POLL_VOTE_CAST,
    POLL_VOTE_REMOVED,
    POLL_CLOSED,
    NOTIFICATION_CREATED,
)
BY_NAME: dict[str, EventType] = {event_type.name: event_type for event_type in ALL}


def declared(name: str) -> EventType:
    """The declaration of ``name``; an undeclared type is a publisher bug."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise EventPayloadError(f"undeclared event type {name!r}") from None


# --- Examples (AsyncAPI, docs/mobile-app.md), derived from the schemas -----------------------

_EXAMPLE_UUIDS = {
    "tripId": "5f0c1a52-3c1e-4c1b-9a57-6b1f0b4c2d10",
    "userId": "0b7e3a4d-2f5c-4e8a-9d61-1c2b3a4d5e6f",
}
_DEFAULT_UUID = "8d3f2e1c-7b6a-4c5d-9e8f-0a1b2c3d4e5f"
_STRING_EXAMPLES = {
    "name": "Lisbon long weekend",
    "content": "Landing at 9, see you at the hotel",
    "question": "Dinner on Friday?",
    "reaction": "👍",
    "emoji": "👍",
    "requestId": "4856fd8f383c4d9ea165ca9054557e20",
    "email": "sam@example.com",
    "inviteeEmail": "sam@example.com",
    "username": "sam",
    "displayName": "Sam Rivera",
    "userName": "Sam Rivera",
    "firstName": "Sam",
    "lastName": "Rivera",
    "message": "Alex added you to Lisbon long weekend",
    "type": "MEMBER_ADDED",
    "clientMessageId": "tmp-1733373000000",
    "avatarUrl": "https://media.nomadcrew.uk/avatars/sam.jpg",
    "avatar": "https://media.nomadcrew.uk/avatars/sam.jpg",
    "userAvatar": "https://media.nomadcrew.uk/avatars/sam.jpg",
    "backgroundImageUrl": "https://media.nomadcrew.uk/trips/lisbon.jpg",
    "description": "Three days of pastéis and trams",
    "destinationName": "Lisbon",
    "destinationAddress": "Lisbon, Portugal",
    "destinationPlaceId": "ChIJO_PkYRozGQ0R0DaQ5L3rAAQ",
}


def example(schema: dict[str, Any], key: str = "") -> Any:
    """A value valid for ``schema``, with every optional key present (so a reader sees them)."""
    if "examples" in schema and key not in _STRING_EXAMPLES:
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: example(sub, name) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return ["name"] if key == "changedFields" else [example(schema["items"])]
    if kind == "boolean":
        return key not in {"revoked", "deleted"}
    if kind == "integer":
        return 1733373000000 if key == "timestamp" else 1
    if kind == "number":
        return {"latitude": 38.7223, "longitude": -9.1393, "accuracy": 12.5}.get(key, 38.7223)
    fmt = schema.get("format")
    if fmt == "uuid":
        return _EXAMPLE_UUIDS.get(key, _DEFAULT_UUID)
    if fmt == "date-time":
        dates = {"startDate": "2026-06-10T00:00:00Z", "endDate": "2026-06-12T00:00:00Z"}
        return dates.get(key, "2026-06-01T09:30:00Z")
    return _STRING_EXAMPLES.get(key, key and f"{key} text")
