"""The authorization matrix (``matrix.py``) against the live URL conf.

Every (method, route) of ``get_resolver()`` must have a row and every row a route, so a new
route cannot ship without deciding who may call it. The URL conf is read as the tests load it,
with DJANGO_DEBUG off as in production, so debug-only routes never need a row; Django admin's
own routes are one row, its index. Each row's cells run in one world
(``conftest.world``), each inside a savepoint rolled back afterwards, so a DELETE as owner does
not change what the next caller sees.
"""

import inspect
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Model, QuerySet
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.chat.models import ChatMessage, ChatReaction, ChatReadState
from apps.locations.models import Location
from apps.polls.models import PollVote
from apps.todos.models import Todo
from apps.trips.models import Membership, TripImage
from apps.wallet.models import WalletDocument
from apps.wallet.services import download_token
from tests.authorization.matrix import MATRIX, OBJECT_CASES, ROLES
from tests.factories import LocationFactory, PollVoteFactory

pytestmark = pytest.mark.django_db

HTTP_METHODS = ("get", "post", "put", "patch", "delete")  # HEAD and OPTIONS are not rows
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --- The routes --------------------------------------------------------------------------------


def view_methods(callback) -> set[str]:
    """The methods a view implements: handlers it has and allows (class views), or the list
    of ``require_http_methods`` (function views, GET when undecorated)."""
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        allowed = view_class.http_method_names
        return {m.upper() for m in HTTP_METHODS if m in allowed and hasattr(view_class, m)}
    listed = inspect.getclosurevars(callback).nonlocals.get("request_method_list")
    methods = {m.upper() for m in listed} if listed else {"GET"}
    return methods & {m.upper() for m in HTTP_METHODS}


def live_routes() -> dict[tuple[str, str], list[str]]:
    """``{(METHOD, url name): [url kwargs]}`` of every route but Django admin's own, which is
    one row (its index)."""
    found: dict[tuple[str, str], list[str]] = {}

    def walk(patterns, prefix: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            name = pattern.name or f"<unnamed {prefix}{pattern.pattern}>"
            for method in view_methods(pattern.callback):
                found[(method, name)] = list(pattern.pattern.converters)

    walk(get_resolver().url_patterns, "")
    found[("GET", "admin:index")] = []
    return found


def test_every_route_has_a_row():
    missing = set(live_routes()) - {key[:2] for key in MATRIX}
    assert not missing, f"add rows to tests/authorization/matrix.py for {sorted(missing)}"


def test_every_row_names_a_live_route():
    stale = {key[:2] for key in MATRIX} - set(live_routes())
    assert not stale, f"these rows name no route (or a method it lacks): {sorted(stale)}"


def test_rows_are_well_formed():
    author = ROLES.index("author")
    for key, cells in MATRIX.items():
        assert len(cells) == len(ROLES), key
        assert all(isinstance(c, int) for i, c in enumerate(cells) if i != author), key


# --- The requests ------------------------------------------------------------------------------


@dataclass
class Call:
    """One request: URL kwargs, body, query string; ``session`` also signs the caller in to
    Django's session (the admin doesn't read bearer tokens)."""

    kwargs: dict = field(default_factory=dict)
    data: object = None
    query: dict | None = None
    format: str = "json"
    session: bool = False


def trip(w, **kwargs) -> dict:
    return {"trip_id": w.trip.pk, **kwargs}


def message(w, **kwargs) -> dict:
    return trip(w, message_id=w.message.pk, **kwargs)


def poll(w, **kwargs) -> dict:
    return trip(w, poll_id=str(w.poll.pk), **kwargs)


def first_option(poll_) -> str:
    return str(poll_.options.order_by("position").first().pk)


def uploaded_avatar_key(owner) -> str:
    """A key under the owner's avatar prefix, with an object behind it (moto S3)."""
    owner_id = owner.pk if owner else uuid.uuid4()
    return default_storage.save(f"avatars/{owner_id}/{uuid.uuid4().hex}.png", ContentFile(PNG))


def uploaded_image_key(trip_) -> str:
    return default_storage.save(f"trip-images/{trip_.pk}/{uuid.uuid4().hex}.png", ContentFile(PNG))


def location_body(**extra) -> dict:
    now_ms = int(timezone.now().timestamp() * 1000)
    return {"latitude": 41.15, "longitude": -8.61, "accuracy": 8.0, "timestamp": now_ms, **extra}


FEEDBACK = {
    "name": "Ana",
    "email": "ana@example.com",
    "message": "The map is lovely, thank you.",
    "source": "landing",
}
NEW_TRIP = {
    "name": "Porto weekend",
    "startDate": "2031-06-01",
    "endDate": "2031-06-03",
    "destinationName": "Porto",
    "destinationLatitude": 41.15,
    "destinationLongitude": -8.61,
}

# Requests for rows whose route needs more than the trip id; the rest get ``default_call``.
# Each builder gets the world and the caller (None when anonymous).
Builder = Callable[..., Call]
REQUESTS: dict[tuple, Builder] = {
    ("GET", "admin:index"): lambda w, me: Call(session=True),
    ("POST", "feedback"): lambda w, me: Call(data=FEEDBACK),
    ("POST", "user-onboard"): lambda w, me: Call(data={}),
    ("PUT", "user-contact-email"): lambda w, me: Call(data={"email": "trips@contact.example"}),
    ("POST", "user-avatar"): lambda w, me: Call(
        data={"file": SimpleUploadedFile("me.png", PNG, "image/png")}, format="multipart"
    ),
    ("POST", "avatar-upload"): lambda w, me: Call(data={"contentType": "image/png"}),
    ("POST", "avatar-confirm"): lambda w, me: Call(data={"key": uploaded_avatar_key(me)}),
    ("GET", "user-search"): lambda w, me: Call(query={"q": "trav"}),
    ("POST", "user-push-token"): lambda w, me: Call(
        data={"token": "ExponentPushToken[matrix-new]", "deviceType": "android"}
    ),
    ("DELETE", "user-push-token"): lambda w, me: Call(data={"token": w.push_token.token}),
    ("GET", "user-detail"): lambda w, me: Call({"user_id": w.author.pk}),
    ("PUT", "user-detail"): lambda w, me: Call({"user_id": w.author.pk}, {"firstName": "Bea"}),
    ("PUT", "user-preferences"): lambda w, me: Call({"user_id": w.author.pk}, {"ghostMode": True}),
    ("POST", "trip-list"): lambda w, me: Call(data=NEW_TRIP),
    ("PUT", "trip-detail"): lambda w, me: Call(trip(w), {"description": "Pastries."}),
    ("PATCH", "trip-status"): lambda w, me: Call(trip(w), {"status": "ACTIVE"}),
    ("POST", "trip-search"): lambda w, me: Call(trip(w), {"destination": "Lis"}),
    ("POST", "trip-members"): lambda w, me: Call(
        trip(w), {"userId": str(w.outsider.pk), "role": "MEMBER"}
    ),
    ("DELETE", "trip-member"): lambda w, me: Call(trip(w, member_id=w.extra.pk)),
    ("DELETE", "trip-member", "self"): lambda w, me: Call(
        trip(w, member_id=me.pk if me else uuid.uuid4())
    ),
    ("PUT", "trip-member-role"): lambda w, me: Call(
        trip(w, member_id=w.extra.pk), {"role": "ADMIN"}
    ),
    ("PUT", "trip-member-role", "owner's"): lambda w, me: Call(
        trip(w, member_id=w.owner.pk), {"role": "MEMBER"}
    ),
    ("POST", "trip-invitations"): lambda w, me: Call(
        trip(w), {"email": "new.friend@example.com", "role": "MEMBER"}
    ),
    ("POST", "trip-images"): lambda w, me: Call(trip(w), {"key": uploaded_image_key(w.trip)}),
    ("POST", "trip-image-upload"): lambda w, me: Call(trip(w), {"contentType": "image/jpeg"}),
    ("DELETE", "trip-image"): lambda w, me: Call(trip(w, image_id=w.image.pk)),
    ("DELETE", "trip-invitation"): lambda w, me: Call(trip(w, invitation_id=w.invitation.pk)),
    ("GET", "invitation-join"): lambda w, me: Call(query={"token": w.invitation_token}),
    ("GET", "invitation-details"): lambda w, me: Call(query={"token": w.invitation_token}),
    ("POST", "invitation-accept"): lambda w, me: Call(data={"token": w.invitation_token}),
    ("POST", "invitation-decline"): lambda w, me: Call(data={"token": w.invitation_token}),
    ("GET", "invitation-detail"): lambda w, me: Call({"invitation_id": w.invitation.pk}),
    ("POST", "invitation-accept-by-id"): lambda w, me: Call({"invitation_id": w.invitation.pk}),
    ("POST", "invitation-decline-by-id"): lambda w, me: Call({"invitation_id": w.invitation.pk}),
    ("POST", "todo-list"): lambda w, me: Call(trip(w), {"text": "Book the night train"}),
    ("GET", "todo-detail"): lambda w, me: Call(trip(w, todo_id=w.todo.pk)),
    ("PUT", "todo-detail"): lambda w, me: Call(
        trip(w, todo_id=w.todo.pk), {"text": "Book the sleeper"}
    ),
    ("PUT", "todo-detail", "status only"): lambda w, me: Call(
        trip(w, todo_id=w.todo.pk), {"status": "COMPLETE"}
    ),
    ("DELETE", "todo-detail"): lambda w, me: Call(trip(w, todo_id=w.todo.pk)),
    ("POST", "chat-messages"): lambda w, me: Call(trip(w), {"content": "Boarding now"}),
    ("POST", "chat-messages-read"): lambda w, me: Call(
        trip(w), {"lastReadMessageId": str(w.message.pk)}
    ),
    ("PUT", "chat-messages-read"): lambda w, me: Call(
        trip(w), {"lastReadMessageId": str(w.message.pk)}
    ),
    ("PUT", "chat-last-read"): lambda w, me: Call(
        trip(w), {"lastReadMessageId": str(w.message.pk)}
    ),
    ("PUT", "chat-message"): lambda w, me: Call(message(w), {"content": "Boarding at 9"}),
    ("DELETE", "chat-message"): lambda w, me: Call(message(w)),
    ("GET", "chat-reactions"): lambda w, me: Call(message(w)),
    ("POST", "chat-reactions"): lambda w, me: Call(message(w), {"emoji": "🎉"}),
    ("DELETE", "chat-reaction"): lambda w, me: Call(message(w, emoji="👍")),
    ("POST", "trip-locations"): lambda w, me: Call(trip(w), location_body()),
    ("PUT", "trip-locations"): lambda w, me: Call(trip(w), {"latitude": 41.1, "longitude": -8.6}),
    ("POST", "location-update"): lambda w, me: Call(data=location_body()),
    ("POST", "poll-list"): lambda w, me: Call(
        trip(w), {"question": "Dinner?", "options": ["Tapas", "Sushi"]}
    ),
    ("GET", "poll-detail"): lambda w, me: Call(poll(w)),
    ("PUT", "poll-detail"): lambda w, me: Call(poll(w), {"question": "Lunch instead?"}),
    ("DELETE", "poll-detail"): lambda w, me: Call(poll(w)),
    ("POST", "poll-vote"): lambda w, me: Call(poll(w), {"optionId": first_option(w.poll)}),
    ("DELETE", "poll-vote-remove"): lambda w, me: Call(poll(w, option_id=first_option(w.poll))),
    ("POST", "poll-close"): lambda w, me: Call(poll(w)),
    ("PATCH", "notification-read"): lambda w, me: Call({"notification_id": str(w.notification.pk)}),
    ("DELETE", "notification-detail"): lambda w, me: Call(
        {"notification_id": str(w.notification.pk)}
    ),
    # --- wallet ---
    ("POST", "wallet-documents"): lambda w, me: wallet_upload(),
    ("POST", "wallet-document-upload"): lambda w, me: Call(data={"contentType": "application/pdf"}),
    ("GET", "wallet-document"): lambda w, me: Call(document(w.wallet.personal)),
    ("PUT", "wallet-document"): lambda w, me: Call(document(w.wallet.personal), {"name": "Mine"}),
    ("DELETE", "wallet-document"): lambda w, me: Call(document(w.wallet.personal)),
    ("GET", "wallet-document", "group"): lambda w, me: Call(document(w.wallet.group)),
    ("PUT", "wallet-document", "group"): lambda w, me: Call(
        document(w.wallet.group), {"name": "Mine"}
    ),
    ("DELETE", "wallet-document", "group"): lambda w, me: Call(document(w.wallet.group)),
    ("GET", "wallet-file"): lambda w, me: Call(wallet_token(w.wallet.personal, w.author)),
    ("POST", "trip-wallet-documents"): lambda w, me: wallet_upload(trip(w)),
    ("POST", "trip-wallet-document-upload"): lambda w, me: Call(
        trip(w), {"contentType": "image/png"}
    ),
}


def document(doc) -> dict:
    return {"document_id": doc.pk}


def wallet_token(doc, holder) -> dict:
    return {"token": download_token(document=doc, user=holder)}


def wallet_upload(kwargs=None) -> Call:
    metadata = json.dumps({"documentType": "receipt", "name": "Dinner receipt"})
    return Call(
        kwargs or {},
        {"file": SimpleUploadedFile("receipt.png", PNG), "metadata": metadata},
        format="multipart",
    )


def deleted_documents_token(w) -> Call:
    call = Call(wallet_token(w.wallet.personal, w.author))
    WalletDocument.objects.filter(pk=w.wallet.personal.pk).update(deleted_at=timezone.now())
    return call


def not_the_authors_document(w, body):
    assert body["data"] == []


# Rows that need a local stand-in for something outside the project.
NEEDS = {
    ("GET", "trip-weather"): "open_meteo",
    ("POST", "trip-weather-trigger"): "open_meteo",
    ("POST", "user-avatar"): "s3_bucket",
    ("POST", "avatar-upload"): "s3_bucket",
    ("POST", "avatar-confirm"): "s3_bucket",
    ("POST", "trip-images"): "s3_bucket",
    ("POST", "trip-image-upload"): "s3_bucket",
    ("POST", "wallet-documents"): "s3_bucket",
    ("POST", "wallet-document-upload"): "s3_bucket",
    ("GET", "wallet-file"): "s3_bucket",
    ("POST", "trip-wallet-documents"): "s3_bucket",
    ("POST", "trip-wallet-document-upload"): "s3_bucket",
}

# On these rows the author column is the invitation's invitee.
AUTHOR_IS_INVITEE = {
    ("POST", "invitation-accept"),
    ("POST", "invitation-decline"),
    ("GET", "invitation-detail"),
    ("POST", "invitation-accept-by-id"),
    ("POST", "invitation-decline-by-id"),
}


def default_call(key, kwarg_names) -> Builder:
    if not kwarg_names:
        return lambda w, me: Call()
    if kwarg_names == ["trip_id"]:
        return lambda w, me: Call(trip(w))
    raise AssertionError(f"{key} needs a request in REQUESTS: its URL takes {kwarg_names}")


def send(client, method: str, name: str, call: Call):
    url = reverse(name, kwargs=call.kwargs)
    if call.query:
        url = f"{url}?{urlencode(call.query)}"
    handler = getattr(client, method.lower())
    if call.data is None:
        return handler(url)
    return handler(url, call.data, format=call.format)


def error_code(response) -> str | None:
    if response.status_code < 400 or response.status_code >= 500:
        return None
    return response.json().get("code")


# Whatever the route: a missing token is token_missing, and a non-member's 404 on a trip-scoped
# route comes from the trip gate, before any object is looked up (so it reveals nothing).
EXPECTED_CODES = {401: "token_missing"}
TRIP_GATE_CODE = "trip_not_found"


def answer(response, *, trip_scoped: bool = False) -> int | str:
    """The status, or the status and what is wrong besides it (so the table's diff shows it)."""
    status = response.status_code
    if status >= 500:
        return f"{status} {getattr(response, 'content', b'')[:200]!r}"
    if 400 <= status < 500:
        body = response.json()
        if not {"type", "code", "message", "requestId"} <= set(body):
            return f"{status} without the contract's error shape: {body}"
        wanted = EXPECTED_CODES.get(status) or (TRIP_GATE_CODE if trip_scoped else None)
        if status in (401, 404) and wanted and body["code"] != wanted:
            return f"{status} {body['code']} (expected {wanted})"
    return status


def call_in_savepoint(client, user, method: str, name: str, build: Builder, w, *, gated: bool):
    """One cell: the request and everything it wrote are rolled back afterwards."""
    with transaction.atomic():
        call = build(w, user)
        if call.session and user is not None:
            client.force_login(user)
        response = send(client, method, name, call)
        transaction.set_rollback(True)
    if call.session and response.status_code == 302:
        assert response["Location"].startswith(reverse("admin:login")), response["Location"]
    return answer(response, trip_scoped=gated)


def row_id(key) -> str:
    return " ".join(key)


@pytest.mark.parametrize("key", list(MATRIX), ids=row_id)
def test_route_answers_each_caller_as_the_matrix_says(key, world, client_as, request):
    method, name = key[:2]
    if key[:2] in NEEDS:
        request.getfixturevalue(NEEDS[key[:2]])
    kwarg_names = live_routes().get(key[:2], [])
    build = REQUESTS.get(key) or default_call(key, kwarg_names)
    expected, got = {}, {}
    for role, status in zip(ROLES, MATRIX[key], strict=True):
        if status is None:
            continue
        if role == "author" and key[:2] in AUTHOR_IS_INVITEE:
            user = world.invitee
        else:
            user = None if role == "anonymous" else world.users[role]
        expected[role] = status
        gated = "trip_id" in kwarg_names and role in ("stranger", "staff")
        got[role] = call_in_savepoint(
            client_as(user), user, method, name, build, world, gated=gated
        )
    mismatches = "; ".join(
        f"{role} got {got[role]}, matrix says {want}"
        for role, want in expected.items()
        if got[role] != want
    )
    assert got == expected, f"{row_id(key)}: {mismatches}"


# --- Object-level cases ------------------------------------------------------------------------


@dataclass
class ObjectCase:
    """``call`` builds the request (and any precondition); ``target`` is what must be left
    as it was; ``check`` looks at the response body where the status alone says too little."""

    call: Callable
    target: Callable
    check: Callable | None = None


def other_poll(w, **kwargs) -> dict:
    return trip(w, poll_id=str(w.other.poll.pk), **kwargs)


def author_voted(w) -> Call:
    PollVoteFactory(option_id=first_option(w.poll), user=w.author)
    return Call(poll(w, option_id=first_option(w.poll)))


def member_has_legacy_location(w) -> Call:
    LocationFactory(user=w.member, trip=None)
    return Call(trip(w))


def only_authors_location(w, body):
    assert [loc["userId"] for loc in body["locations"]] == [str(w.author.pk)]


def only_the_callers_trip(w, body):
    assert [trip_["id"] for trip_ in body] == [str(w.trip.pk)]


def not_the_authors_notification(w, body):
    assert str(w.notification.pk) not in {n["id"] for n in body}


def no_private_fields(w, body):
    assert body["id"] == str(w.author.pk)
    assert "contactEmail" not in body
    assert "preferences" not in body
    assert (body["email"], body["lastSeenAt"], body["isOnline"]) == ("", None, False)


OBJECT_REQUESTS: dict[str, ObjectCase] = {
    "another trip's todo, read": ObjectCase(
        lambda w: Call(trip(w, todo_id=w.other.todo.pk)), lambda w: w.other.todo
    ),
    "another trip's todo, edit": ObjectCase(
        lambda w: Call(
            trip(w, todo_id=w.other.todo.pk), {"text": "Hijacked", "status": "COMPLETE"}
        ),
        lambda w: w.other.todo,
    ),
    "another trip's todo, delete": ObjectCase(
        lambda w: Call(trip(w, todo_id=w.other.todo.pk)), lambda w: w.other.todo
    ),
    "another trip's member as assignee": ObjectCase(
        lambda w: Call(trip(w), {"text": "Carry bags", "assignedTo": str(w.other.member.pk)}),
        lambda w: Todo.objects.filter(assigned_to=w.other.member),
    ),
    "another trip's message, edit": ObjectCase(
        lambda w: Call(trip(w, message_id=w.other.message.pk), {"content": "Hijacked"}),
        lambda w: w.other.message,
    ),
    "another trip's message, delete": ObjectCase(
        lambda w: Call(trip(w, message_id=w.other.message.pk)), lambda w: w.other.message
    ),
    "another trip's message, reactions": ObjectCase(
        lambda w: Call(trip(w, message_id=w.other.message.pk)),
        lambda w: ChatReaction.objects.filter(message=w.other.message),
    ),
    "another trip's message, react": ObjectCase(
        lambda w: Call(trip(w, message_id=w.other.message.pk), {"emoji": "😈"}),
        lambda w: ChatReaction.objects.filter(message=w.other.message),
    ),
    "another trip's message, unreact": ObjectCase(
        lambda w: Call(trip(w, message_id=w.other.message.pk, emoji="👍")),
        lambda w: ChatReaction.objects.filter(message=w.other.message),
    ),
    "another trip's message as read mark": ObjectCase(
        lambda w: Call(trip(w), {"lastReadMessageId": str(w.other.message.pk)}),
        lambda w: ChatReadState.objects.all(),
    ),
    "another trip's message as reply target": ObjectCase(
        lambda w: Call(trip(w), {"content": "Quoting you", "replyToId": str(w.other.message.pk)}),
        lambda w: ChatMessage.objects.filter(trip=w.trip),
    ),
    "another member's reaction": ObjectCase(
        lambda w: Call(message(w, emoji="👍")),
        lambda w: ChatReaction.objects.filter(message=w.message, user=w.author),
    ),
    "another trip's poll, read": ObjectCase(lambda w: Call(other_poll(w)), lambda w: w.other.poll),
    "another trip's poll, edit": ObjectCase(
        lambda w: Call(other_poll(w), {"question": "Hijacked?"}), lambda w: w.other.poll
    ),
    "another trip's poll, delete": ObjectCase(
        lambda w: Call(other_poll(w)), lambda w: w.other.poll
    ),
    "another trip's poll, close": ObjectCase(lambda w: Call(other_poll(w)), lambda w: w.other.poll),
    "another trip's poll, vote": ObjectCase(
        lambda w: Call(other_poll(w), {"optionId": first_option(w.other.poll)}),
        lambda w: PollVote.objects.all(),
    ),
    "another poll's option, vote": ObjectCase(
        lambda w: Call(poll(w), {"optionId": first_option(w.other.poll)}),
        lambda w: PollVote.objects.all(),
    ),
    "another member's vote": ObjectCase(author_voted, lambda w: PollVote.objects.all()),
    "another trip's invitation, revoke": ObjectCase(
        lambda w: Call(trip(w, invitation_id=w.other.invitation.pk)),
        lambda w: w.other.invitation,
    ),
    "another trip's member, remove": ObjectCase(
        lambda w: Call(trip(w, member_id=w.other.member.pk)),
        lambda w: Membership.objects.filter(user=w.other.member),
    ),
    "another trip's image, delete": ObjectCase(
        lambda w: Call(trip(w, image_id=w.other.image.pk)), lambda w: w.other.image
    ),
    "another trip's uploaded image, add": ObjectCase(
        lambda w: Call(trip(w), {"key": uploaded_image_key(w.other.trip)}),
        lambda w: TripImage.objects.all(),
    ),
    "another trip's member, change role": ObjectCase(
        lambda w: Call(trip(w, member_id=w.other.member.pk), {"role": "ADMIN"}),
        lambda w: Membership.objects.filter(user=w.other.member),
    ),
    # Both trips are in Lisbon: only the caller's matches.
    "another trip in my trip list": ObjectCase(
        lambda w: Call(query={"q": "Lisbon"}), lambda w: w.other.trip, only_the_callers_trip
    ),
    "another trip in my trip search": ObjectCase(
        lambda w: Call(trip(w), {"destination": "Lisbon"}),
        lambda w: w.other.trip,
        only_the_callers_trip,
    ),
    "another user's invitation, read": ObjectCase(
        lambda w: Call({"invitation_id": w.invitation.pk}), lambda w: w.invitation
    ),
    "another user's invitation, accept": ObjectCase(
        lambda w: Call({"invitation_id": w.invitation.pk}),
        lambda w: Membership.objects.filter(trip=w.trip),
    ),
    "another user's invitation token, accept": ObjectCase(
        lambda w: Call(data={"token": w.invitation_token}),
        lambda w: Membership.objects.filter(trip=w.trip),
    ),
    "another user's invitation token, decline": ObjectCase(
        lambda w: Call(data={"token": w.invitation_token}), lambda w: w.invitation
    ),
    "another user's notification, read": ObjectCase(
        lambda w: Call({"notification_id": str(w.notification.pk)}), lambda w: w.notification
    ),
    "another user's notification, delete": ObjectCase(
        lambda w: Call({"notification_id": str(w.notification.pk)}), lambda w: w.notification
    ),
    "another user's notification in my list": ObjectCase(
        lambda w: Call(), lambda w: w.notification, not_the_authors_notification
    ),
    "another user's notifications, delete all": ObjectCase(
        lambda w: Call(), lambda w: w.notification
    ),
    "another user's push token, deregister": ObjectCase(
        lambda w: Call(data={"token": w.push_token.token}), lambda w: w.push_token
    ),
    "another user's push tokens, deregister all": ObjectCase(
        lambda w: Call(), lambda w: w.push_token
    ),
    "another member's location, overwrite": ObjectCase(
        lambda w: Call(trip(w), {"latitude": 0.0, "longitude": 0.0}),
        lambda w: Location.objects.filter(user=w.author),
    ),
    "a member's trip-less location": ObjectCase(
        member_has_legacy_location, lambda w: Location.objects.all(), only_authors_location
    ),
    "another trip's locations": ObjectCase(
        lambda w: Call({"trip_id": w.other.trip.pk}), lambda w: w.other.location
    ),
    "profile of a user who shares no trip": ObjectCase(
        lambda w: Call({"user_id": w.author.pk}), lambda w: w.author, no_private_fields
    ),
    "another user's profile, edit": ObjectCase(
        lambda w: Call({"user_id": w.author.pk}, {"firstName": "Mallory"}), lambda w: w.author
    ),
    "another user's preferences, edit": ObjectCase(
        lambda w: Call({"user_id": w.author.pk}, {"ghostMode": False}), lambda w: w.author
    ),
    "another user's uploaded avatar, claim": ObjectCase(
        lambda w: Call(data={"key": uploaded_avatar_key(w.author)}),
        lambda w: w.stranger,
    ),
    # --- wallet ---
    "another user's personal document in my wallet": ObjectCase(
        lambda w: Call(), lambda w: w.wallet.personal, not_the_authors_document
    ),
    "another trip's wallet": ObjectCase(
        lambda w: Call({"trip_id": w.other.trip.pk}), lambda w: w.other.wallet_document
    ),
    "another trip's document, read": ObjectCase(
        lambda w: Call(document(w.other.wallet_document)), lambda w: w.other.wallet_document
    ),
    "another trip's document, edit": ObjectCase(
        lambda w: Call(document(w.other.wallet_document), {"name": "Hijacked"}),
        lambda w: w.other.wallet_document,
    ),
    "another trip's document, delete": ObjectCase(
        lambda w: Call(document(w.other.wallet_document)), lambda w: w.other.wallet_document
    ),
    "another user's pending wallet upload, confirm": ObjectCase(
        lambda w: Call(
            data={
                "key": default_storage.save(
                    f"wallet/pending/{w.author.pk}/{uuid.uuid4().hex}.png", ContentFile(PNG)
                ),
                "documentType": "receipt",
                "name": "Not mine",
            }
        ),
        lambda w: WalletDocument.objects.all(),
    ),
    "a deleted document's download token": ObjectCase(
        deleted_documents_token, lambda w: w.wallet.personal
    ),
}
OBJECT_NEEDS = {
    "another user's pending wallet upload, confirm": "s3_bucket",
    "a deleted document's download token": "s3_bucket",
    "another user's uploaded avatar, claim": "s3_bucket",
    "another trip's uploaded image, add": "s3_bucket",
}


def snapshot(target) -> list[dict]:
    queryset = target if isinstance(target, QuerySet) else None
    if isinstance(target, Model):
        queryset = type(target).objects.filter(pk=target.pk)
    assert queryset is not None, target
    return list(queryset.order_by("pk").values())


def test_every_object_case_has_a_request():
    assert set(OBJECT_CASES) == set(OBJECT_REQUESTS)


@pytest.mark.parametrize("case", list(OBJECT_CASES))
def test_object_out_of_reach(case, world, client_as, request):
    role, method, name, expected, code = OBJECT_CASES[case]
    if case in OBJECT_NEEDS:
        request.getfixturevalue(OBJECT_NEEDS[case])
    spec = OBJECT_REQUESTS[case]
    call = spec.call(world)
    before = snapshot(spec.target(world))
    response = send(client_as(world.users[role]), method, name, call)
    assert answer(response) == expected, response.content
    assert error_code(response) == code
    assert snapshot(spec.target(world)) == before
    if spec.check:
        spec.check(world, response.json())
