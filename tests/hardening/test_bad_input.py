"""Hostile and odd request bodies on every main write endpoint: a clear 4xx in the contract's
shape each time, and the database exactly as it was; odd but valid Unicode stored intact.

The table ``ENDPOINTS`` names each endpoint with a valid body and the text field the string
cases go into; every test runs across it.
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from rest_framework.settings import api_settings

from apps.chat.models import ChatMessage
from apps.feedback.models import Feedback
from apps.invitations.models import Invitation
from apps.locations.models import Location
from apps.notifications.models import Notification
from apps.polls.models import Poll, PollOption
from apps.realtime import protocol
from apps.todos.models import Todo
from apps.trips.models import Membership, Trip
from apps.users.models import User
from apps.wallet.models import WalletAuditLog, WalletDocument
from tests.factories import ChatMessageFactory, PollFactory, TodoFactory, WalletDocumentFactory

pytestmark = pytest.mark.django_db

MODELS = (User, Trip, Membership, Todo, ChatMessage, Poll, PollOption, Feedback, Invitation)
MODELS += (Location, Notification)
MODELS += (WalletDocument, WalletAuditLog)


def db_state() -> dict:
    """Every row of every table these endpoints write: "nothing stored half-way" is equality."""
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}


@pytest.fixture(autouse=True)
def generous_rates(settings):
    """Many requests per test; the limits have their own tests."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(api_settings.DEFAULT_THROTTLE_RATES, "10000/min"),
    }


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # formatted with trip, owner, todo, message
    body: dict[str, Any]
    text: str | None  # the string field the text cases go into
    max_length: int | None = None

    def url(self, ids) -> str:
        return self.path.format(**ids)

    def with_text(self, value) -> dict[str, Any]:
        return {**self.body, self.text: value}


ENDPOINTS = {
    "user update": Endpoint(
        "PUT", "/v1/users/{owner}", {"firstName": "Ana"}, "firstName", max_length=50
    ),
    "onboard": Endpoint(
        "POST", "/v1/users/onboard", {"username": "ana_lima"}, "username", max_length=30
    ),
    "preferences": Endpoint(
        "PUT", "/v1/users/{owner}/preferences", {"theme": "dark"}, "theme", max_length=None
    ),
    "trip create": Endpoint(
        "POST",
        "/v1/trips",
        {"name": "Porto", "startDate": "2031-05-01", "endDate": "2031-05-03"},
        "name",
        max_length=255,
    ),
    "trip update": Endpoint("PUT", "/v1/trips/{trip}", {"name": "Porto"}, "name", max_length=255),
    "todo create": Endpoint(
        "POST", "/v1/trips/{trip}/todos", {"text": "Tickets"}, "text", max_length=255
    ),
    "todo update": Endpoint(
        "PUT", "/v1/trips/{trip}/todos/{todo}", {"text": "Tickets"}, "text", max_length=255
    ),
    "chat send": Endpoint(
        "POST", "/v1/trips/{trip}/chat/messages", {"content": "Hi"}, "content", max_length=1000
    ),
    "chat edit": Endpoint(
        "PUT",
        "/v1/trips/{trip}/chat/messages/{message}",
        {"content": "Hi"},
        "content",
        max_length=1000,
    ),
    "poll create": Endpoint(
        "POST",
        "/v1/trips/{trip}/polls",
        {"question": "Where?", "options": ["Porto", "Braga"]},
        "question",
        max_length=500,
    ),
    "feedback": Endpoint(
        "POST",
        "/v1/feedback",
        {"name": "Ana", "email": "ana@example.com", "message": "The map is lovely to use."},
        "message",
        max_length=5000,
    ),
    "invitation": Endpoint(
        "POST",
        "/v1/trips/{trip}/invitations",
        {"email": "friend@example.com", "role": "MEMBER"},
        "email",
        max_length=254,
    ),
    "location": Endpoint(
        "PUT",
        "/v1/trips/{trip}/locations",
        {"latitude": 38.72, "longitude": -9.14, "privacy": "precise"},
        "privacy",
    ),
    "wallet document update": Endpoint(
        "PUT", "/v1/wallet/documents/{document}", {"name": "Passport"}, "name", max_length=255
    ),
}
TEXT_ENDPOINTS = {name: e for name, e in ENDPOINTS.items() if e.text}
LIMITED_ENDPOINTS = {name: e for name, e in ENDPOINTS.items() if e.max_length}


@pytest.fixture
def site(trip_with_roles):
    """The owner's client and the ids the paths need."""
    crew = trip_with_roles
    ids = {
        "trip": crew.trip.pk,
        "owner": crew.owner.pk,
        "todo": TodoFactory(trip=crew.trip, created_by=crew.owner).pk,
        "message": ChatMessageFactory(trip=crew.trip, sender=crew.owner).pk,
        "document": WalletDocumentFactory(user=crew.owner).pk,
    }
    return crew.client("owner"), ids


def send(client, endpoint: Endpoint, ids, raw: bytes, content_type="application/json"):
    return client.generic(endpoint.method, endpoint.url(ids), raw, content_type=content_type)


def assert_error(response, status: int, code: str, error_type: str = "VALIDATION") -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert (body["type"], body["code"]) == (error_type, code)
    assert body["message"]
    assert body["requestId"] == response["X-Request-ID"]
    return body


def each(mapping):
    return pytest.mark.parametrize("endpoint", mapping.values(), ids=mapping.keys())


@each(ENDPOINTS)
def test_the_valid_body_of_each_endpoint_is_accepted(site, endpoint):
    """The table itself is right: every failure below is the bad part of the body."""
    client, ids = site
    response = send(client, endpoint, ids, json.dumps(endpoint.body).encode())
    assert response.status_code in (200, 201), response.content


# --- Structure -----------------------------------------------------------------------------


@each(ENDPOINTS)
@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"name": "Ana"', b"\xff\xfe{}", b'{"a": NaN}'],
    ids=["garbage", "truncated", "not utf-8", "NaN"],
)
def test_malformed_json_is_400(site, endpoint, raw):
    client, ids = site
    before = db_state()
    assert_error(send(client, endpoint, ids, raw), 400, "malformed_request")
    assert db_state() == before


@each(ENDPOINTS)
@pytest.mark.parametrize(
    "raw",
    [b"[1, 2]", b"[]", b'"text"', b"0", b"null", b"false"],
    ids=["array", "empty array", "string", "zero", "null", "false"],
)
def test_a_body_that_is_not_an_object_is_400(site, endpoint, raw):
    client, ids = site
    before = db_state()
    response = send(client, endpoint, ids, raw)
    if (endpoint, raw) == (ENDPOINTS["onboard"], b"null"):
        # Onboard's body is optional (contract §2): JSON null is no body, not an error.
        assert response.status_code == 200, response.content
        return
    assert_error(response, 400, "validation_error")
    assert db_state() == before


def nested(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b'{"a": ' + b"[" * depth + b"]" * depth + b"}"
    return b'{"a": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"


@each(ENDPOINTS)
@pytest.mark.parametrize(
    ("depth", "kind"),
    [(10_000, "array"), (10_000, "object"), (33, "array")],
    ids=["10k arrays", "10k objects", "33 arrays"],
)
def test_deeply_nested_json_is_400_not_a_recursion_error(site, endpoint, depth, kind):
    client, ids = site
    before = db_state()
    body = assert_error(send(client, endpoint, ids, nested(depth, kind)), 400, "malformed_request")
    assert "nested deeper than 32 levels" in body["message"]
    assert db_state() == before


def test_nesting_up_to_the_limit_is_accepted(site):
    """Thirty-two levels is more than any client object needs, and still fine."""
    client, ids = site
    prefs = json.loads(b'{"deep": ' + b"[" * 31 + b"]" * 31 + b"}")
    response = send(client, ENDPOINTS["preferences"], ids, json.dumps(prefs).encode())
    assert response.status_code == 200, response.content
    assert User.objects.get(pk=ids["owner"]).preferences["deep"] == prefs["deep"]


@each(ENDPOINTS)
def test_a_body_over_the_upload_limit_is_413(site, endpoint):
    client, ids = site
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    raw = json.dumps({**endpoint.body, "padding": "x" * limit}).encode()
    before = db_state()
    body = assert_error(send(client, endpoint, ids, raw), 413, "request_too_large")
    assert str(limit) in body["message"]
    assert db_state() == before


def test_the_upload_limit_is_the_setting(site, settings):
    client, ids = site
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    endpoint = ENDPOINTS["chat send"]
    small = send(client, endpoint, ids, json.dumps({"content": "x" * 50}).encode())
    large = send(client, endpoint, ids, json.dumps({"content": "x" * 150}).encode())
    assert small.status_code == 201
    assert_error(large, 413, "request_too_large")


def test_too_many_form_fields_is_400(site, settings):
    client, ids = site
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    form = "&".join(f"f{n}=x" for n in range(20))
    before = db_state()
    response = send(
        client,
        ENDPOINTS["chat send"],
        ids,
        form.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 400, "bad_request")
    assert db_state() == before


# --- Content types -------------------------------------------------------------------------


@each(ENDPOINTS)
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml"])
def test_a_body_that_is_not_json_or_a_form_is_415(site, endpoint, content_type):
    client, ids = site
    before = db_state()
    raw = json.dumps(endpoint.body).encode()
    assert_error(send(client, endpoint, ids, raw, content_type), 415, "unsupported_media_type")
    assert db_state() == before


def test_a_form_on_a_json_only_endpoint_is_415(site):
    """Preferences are a free-form JSON object; a form can't carry one."""
    client, ids = site
    before = db_state()
    response = send(
        client,
        ENDPOINTS["preferences"],
        ids,
        b"theme=dark",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415, "unsupported_media_type")
    assert db_state() == before


# --- Text ----------------------------------------------------------------------------------


@each(TEXT_ENDPOINTS)
@pytest.mark.parametrize("where", ["field", "ignored field", "key", "nested"])
def test_a_nul_character_anywhere_is_400(site, endpoint, where):
    """PostgreSQL can store NUL in neither text nor jsonb: it must never reach a query."""
    client, ids = site
    bodies = {
        "field": (endpoint.with_text("bad\x00value"), endpoint.text),
        "ignored field": ({**endpoint.body, "extra": "\x00"}, "extra"),
        "key": ({**endpoint.body, "ke\x00y": "1"}, "ke\\x00y"),
        "nested": ({**endpoint.body, "extra": {"list": ["ok", "\x00"]}}, "extra.list[1]"),
    }
    payload, path = bodies[where]
    before = db_state()
    body = assert_error(
        send(client, endpoint, ids, json.dumps(payload).encode()), 400, "validation_error"
    )
    assert body["details"] == {path: ["Null characters are not allowed."]}
    assert db_state() == before


@each(TEXT_ENDPOINTS)
def test_a_lone_surrogate_is_400(site, endpoint):
    """``"\\ud800"`` is valid JSON syntax but no character: it can't be stored as UTF-8."""
    client, ids = site
    raw = json.dumps(endpoint.with_text("half \ud800 a pair")).encode()
    assert b"\\ud800" in raw
    before = db_state()
    body = assert_error(send(client, endpoint, ids, raw), 400, "validation_error")
    assert body["details"] == {endpoint.text: ["Surrogate characters are not allowed: U+D800."]}
    assert db_state() == before


def test_a_lone_surrogate_in_a_key_is_reported_printably(site):
    client, ids = site
    raw = b'{"theme": "dark", "\\udfff": 1}'
    body = assert_error(send(client, ENDPOINTS["preferences"], ids, raw), 400, "validation_error")
    assert body["details"] == {"\\udfff": ["Surrogate characters are not allowed: U+DFFF."]}


def test_a_number_too_large_for_a_float_is_400(site):
    """``1e400`` parses to infinity, which jsonb can't hold."""
    client, ids = site
    before = db_state()
    raw = b'{"theme": "dark", "zoom": 1e400}'
    body = assert_error(send(client, ENDPOINTS["preferences"], ids, raw), 400, "validation_error")
    assert body["details"] == {"zoom": ["A valid number is required."]}
    assert db_state() == before


@each(LIMITED_ENDPOINTS)
@pytest.mark.parametrize("char", ["x", "😀"], ids=["ascii", "emoji"])
def test_text_one_past_max_length_is_400(site, endpoint, char):
    """Lengths count code points (an emoji is one), as PostgreSQL's varchar does."""
    client, ids = site
    value = char * (endpoint.max_length + 1)
    if endpoint.text == "email":
        value = value[: -len("@example.com")] + "@example.com"
    before = db_state()
    body = assert_error(
        send(client, endpoint, ids, json.dumps(endpoint.with_text(value)).encode()),
        400,
        "validation_error",
    )
    assert list(body["details"]) == [endpoint.text]
    assert db_state() == before


# Emoji (with skin tone, ZWJ family, flag), Hebrew and Arabic (RTL), a combining accent kept
# decomposed, an explicit right-to-left override, CJK: 45 code points, under every limit.
UNICODE = "Zoë 👍🏽 👨‍👩‍👧‍👦 🇵🇹 שלום مرحبا e\u0301 \u202eabc\u202c 東京"


def json_strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in json_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in json_strings(item)]
    return [value] if isinstance(value, str) else []


# Where each endpoint stores the text, and a GET that shows it again (None: the write's own
# answer is the read).
ROUND_TRIPS = {
    "user update": (
        lambda ids: User.objects.get(pk=ids["owner"]).first_name,
        lambda ids: f"/v1/users/{ids['owner']}",
    ),
    "preferences": (
        lambda ids: User.objects.get(pk=ids["owner"]).preferences["theme"],
        lambda ids: "/v1/users/me",
    ),
    "trip create": (lambda ids: Trip.objects.exclude(pk=ids["trip"]).get().name, None),
    "trip update": (
        lambda ids: Trip.objects.get(pk=ids["trip"]).name,
        lambda ids: f"/v1/trips/{ids['trip']}",
    ),
    "todo create": (
        lambda ids: Todo.objects.exclude(pk=ids["todo"]).get().text,
        lambda ids: f"/v1/trips/{ids['trip']}/todos",
    ),
    "todo update": (lambda ids: Todo.objects.get(pk=ids["todo"]).text, None),
    "chat send": (
        lambda ids: ChatMessage.objects.exclude(pk=ids["message"]).get().content,
        lambda ids: f"/v1/trips/{ids['trip']}/chat/messages",
    ),
    "chat edit": (lambda ids: ChatMessage.objects.get(pk=ids["message"]).content, None),
    "poll create": (
        lambda ids: Poll.objects.get().question,
        lambda ids: f"/v1/trips/{ids['trip']}/polls",
    ),
    "feedback": (lambda ids: Feedback.objects.get().message, None),
    "wallet document update": (
        lambda ids: WalletDocument.objects.get(pk=ids["document"]).name,
        lambda ids: "/v1/wallet/documents",
    ),
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_emoji_rtl_and_combining_characters_round_trip_intact(site, name):
    client, ids = site
    endpoint = ENDPOINTS[name]
    stored, read_url = ROUND_TRIPS[name]
    response = send(client, endpoint, ids, json.dumps(endpoint.with_text(UNICODE)).encode())
    assert response.status_code in (200, 201), response.content
    assert stored(ids) == UNICODE  # byte for byte: not normalised, trimmed or re-encoded
    if name != "feedback":  # which answers only {"status"}
        assert UNICODE in json_strings(response.json())
    if read_url:
        assert UNICODE in json_strings(client.get(read_url(ids)).json())


def test_poll_options_round_trip_unicode(site):
    client, ids = site
    options = ["🏖️ Praia", "עיר", "Cafe\u0301", "👨‍👩‍👧‍👦"]
    response = send(
        client,
        ENDPOINTS["poll create"],
        ids,
        json.dumps({"question": "Next?", "options": options}).encode(),
    )
    assert response.status_code == 201, response.content
    assert [o["text"] for o in response.json()["options"]] == options
    assert list(PollOption.objects.order_by("position").values_list("text", flat=True)) == options


# --- Ids in URLs ---------------------------------------------------------------------------

BAD_IDS = ["not-a-uuid", "%00", "%F0%9F%98%80", "x" * 2000]


@pytest.fixture
def poll_id(trip_with_roles):
    return PollFactory(trip=trip_with_roles.trip, created_by=trip_with_roles.owner).pk


# UUID path converters don't match: the contract's 404. Polls and notifications take any string
# and answer the contract's 400 invalid_*_id (Part 2 §9, §13).
ID_ROUTES = [
    ("GET", "/v1/trips/{bad}", 404, "not_found"),
    ("PUT", "/v1/trips/{bad}", 404, "not_found"),
    ("GET", "/v1/users/{bad}", 404, "not_found"),
    ("PUT", "/v1/trips/{trip}/todos/{bad}", 404, "not_found"),
    ("PUT", "/v1/trips/{trip}/chat/messages/{bad}", 404, "not_found"),
    ("DELETE", "/v1/trips/{trip}/members/{bad}", 404, "not_found"),
    ("POST", "/v1/invitations/{bad}/accept", 404, "not_found"),
    ("GET", "/v1/trips/{trip}/polls/{bad}", 400, "invalid_poll_id"),
    ("POST", "/v1/trips/{trip}/polls/{bad}/vote", 400, "invalid_poll_id"),
    ("DELETE", "/v1/trips/{trip}/polls/{poll}/vote/{bad}", 400, "invalid_option_id"),
    ("PATCH", "/v1/notifications/{bad}/read", 400, "invalid_notification_id"),
    ("DELETE", "/v1/notifications/{bad}", 400, "invalid_notification_id"),
    ("GET", "/v1/wallet/documents/{bad}", 404, "not_found"),
    ("PUT", "/v1/wallet/documents/{bad}", 404, "not_found"),
    ("GET", "/v1/wallet/files/{bad}", 400, "invalid_token"),
]


@pytest.mark.parametrize("bad", BAD_IDS, ids=["word", "nul", "emoji", "long"])
@pytest.mark.parametrize("route", ID_ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ID_ROUTES])
def test_ids_that_are_not_uuids_are_a_clean_4xx(trip_with_roles, poll_id, route, bad):
    method, path, status, code = route
    client = trip_with_roles.client("owner")
    url = path.format(bad=bad, trip=trip_with_roles.trip.pk, poll=poll_id)
    before = db_state()
    response = client.generic(method, url, b"{}", content_type="application/json")
    error_type = "NOT_FOUND" if status == 404 else "VALIDATION"
    assert_error(response, status, code, error_type)
    assert db_state() == before


# --- WebSocket frames ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    ["[" * 20_000 + "]" * 20_000, '{"type": "ping", "a": ' + "[" * 5000 + "]" * 5000 + "}"],
    ids=["deep array", "deep field"],
)
def test_a_deeply_nested_websocket_frame_is_an_error_reply(user, frame):
    """The socket's parser has the same recursion limit as the REST one; it must answer, not
    raise (an exception there drops the connection)."""
    outcome = protocol.handle_message(user=user, text=frame)
    assert outcome.replies == [
        {"type": "error", "error": "Invalid message: expected a JSON object"}
    ]
