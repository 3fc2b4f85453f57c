"""Schemathesis against the API's own OpenAPI schema, in process, on every operation.

The schema is read from ``/v1/openapi.json`` of the WSGI application Lambda runs, and each
operation is called through that application with a real moto-issued Cognito access token of a
user who owns a seeded trip (todos, polls, messages, invitations, ...). Path parameters point at
the seeded rows most of the time, so requests reach the code behind the 404s; the rest stay
random. Each example runs in a savepoint that is rolled back, so a DELETE does not starve the
examples after it. Checks: no 5xx, status code, content type and body as the schema documents,
and every 4xx in the contract's error shape. Examples are bounded and derandomized for CI.
"""

import os
import uuid
from datetime import timedelta

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.core.errors import error_type_for
from apps.invitations.tokens import invitation_token
from apps.trips.models import TripImage
from nomadcrew.wsgi import application
from tests.factories import (
    ChatMessageFactory,
    ChatReactionFactory,
    InvitationFactory,
    LocationFactory,
    MembershipFactory,
    NotificationFactory,
    PollFactory,
    PollOptionFactory,
    TodoFactory,
    TripFactory,
    UserFactory,
)

# CI's bound, the same examples every run. FUZZ_EXAMPLES=200 makes a deeper run with fresh random
# examples each time; FUZZ_COVERAGE=1 adds the coverage phase (boundary values and each way to
# break each field: ~100 more requests per operation).
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
DERANDOMIZE = "FUZZ_EXAMPLES" not in os.environ
COVERAGE_PHASE = os.environ.get("FUZZ_COVERAGE", "") == "1"

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",  # valid input, and input the schema forbids
            "max-examples": MAX_EXAMPLES,
            "deterministic": DERANDOMIZE,
            "database": "none",
            # Only our bearer token is sent: random session cookies would only test Django.
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": COVERAGE_PHASE}},
    }
)

# The schema lists only the DRF API: health, /v1/docs/ (HTML) and /v1/ws (a WebSocket
# upgrade) are outside it, so nothing needs excluding here.
schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", application, config=CONFIG)

# Not negative_data_rejection: the contract keeps the old backend's leniency (a malformed
# ``limit``/``offset`` means the default, an optional body that is not an object means none).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

ERROR_KEYS = {"type", "code", "message", "requestId"}


@schemathesis.check
def contract_error_shape(ctx, response, case):
    """Every 4xx is the contract's error JSON, its type matching the status (Part 1 §2)."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert isinstance(body, dict), f"4xx body is not a JSON object: {body!r}"
    missing = ERROR_KEYS - body.keys()
    assert not missing, f"4xx body lacks {sorted(missing)}: {body!r}"
    assert set(body) <= ERROR_KEYS | {"details"}, f"unexpected keys in 4xx body: {body!r}"
    assert body["type"] == error_type_for(response.status_code).value, body
    assert body["requestId"] == response.headers["x-request-id"][0], body
    return True


def _seed_id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://nomadcrew.test/fuzz/{name}")


# Fixed ids, so the strategies built at import time can name rows the fixture creates later.
OWNER, ADMIN, MEMBER, STRANGER = (_seed_id(n) for n in ("owner", "admin", "member", "stranger"))
TRIP, OTHER_TRIP = _seed_id("trip"), _seed_id("other-trip")
MY_MESSAGE, THEIR_MESSAGE = _seed_id("my-message"), _seed_id("their-message")
TODO, POLL, OPTION_A, OPTION_B = (_seed_id(n) for n in ("todo", "poll", "option-a", "option-b"))
SENT_INVITATION, RECEIVED_INVITATION = _seed_id("sent-invitation"), _seed_id("received")
IMAGE, NOTIFICATION = _seed_id("image"), _seed_id("notification")
EMOJI = "👍"

SEEDED_PATH_VALUES = {
    "trip_id": [TRIP],
    "message_id": [MY_MESSAGE, THEIR_MESSAGE],
    "emoji": [EMOJI],
    "todo_id": [TODO],
    "poll_id": [POLL],
    "option_id": [OPTION_A, OPTION_B],
    "invitation_id": [RECEIVED_INVITATION, SENT_INVITATION],
    "image_id": [IMAGE],
    "notification_id": [NOTIFICATION],
    "member_id": [MEMBER, ADMIN, OWNER],
    "user_id": [OWNER, MEMBER],
}
# Body and query fields (camelCase, as on the wire) that name seeded rows or need a value the
# schema can't express; the invitation token only exists once the fixture has signed it.
SEEDED_FIELD_VALUES = {
    "token": [],
    "messageId": [MY_MESSAGE, THEIR_MESSAGE],
    "lastReadMessageId": [MY_MESSAGE, THEIR_MESSAGE],
    "lastMessageId": [MY_MESSAGE, THEIR_MESSAGE],
    "replyToId": [MY_MESSAGE, THEIR_MESSAGE],
    "optionId": [OPTION_A, OPTION_B],
    "userId": [STRANGER, MEMBER],
    "contentType": ["image/jpeg", "image/png"],
}


def _mostly_seeded(strategy, seeds):
    """Three draws in four swap generated values for seeded ones; the fourth stays random."""

    def replace(drawn):
        values, keep, pick = drawn
        if keep or not isinstance(values, dict):
            return values
        return {
            name: str(seeds[name][pick % len(seeds[name])]) if seeds.get(name) else value
            for name, value in values.items()
        }

    return st.tuples(strategy, st.integers(0, 3).map(lambda n: n == 0), st.integers(0, 5)).map(
        replace
    )


@schema.hook
def before_generate_path_parameters(context, strategy):
    return _mostly_seeded(strategy, SEEDED_PATH_VALUES)


@schema.hook
def before_generate_query(context, strategy):
    return _mostly_seeded(strategy, SEEDED_FIELD_VALUES)


@schema.hook
def before_generate_body(context, strategy):
    return _mostly_seeded(strategy, SEEDED_FIELD_VALUES)


@pytest.fixture(scope="module")
def fuzz_identity(cognito):
    """One moto user for the module: a Cognito sign-in per operation would dominate the run."""
    return cognito.create_user(email="fuzz-owner@example.com")


@pytest.fixture
def seeded_trip(request, db, fuzz_identity, cognito, settings, s3_bucket):
    """A trip the signed-in user owns, with some of everything, and an invitation to them."""
    if "/weather" in request.node.name:
        # Only there: stopping the stub server costs a quarter second per test.
        request.getfixturevalue("open_meteo")
    owner = UserFactory(id=OWNER, email=fuzz_identity.email, cognito_sub=fuzz_identity.sub)
    admin, member, stranger = (UserFactory(id=pk) for pk in (ADMIN, MEMBER, STRANGER))
    trip = TripFactory(id=TRIP, created_by=owner)
    MembershipFactory(trip=trip, user=admin, role="ADMIN")
    MembershipFactory(trip=trip, user=member, role="MEMBER")
    mine = ChatMessageFactory(id=MY_MESSAGE, trip=trip, sender=owner)
    ChatMessageFactory(id=THEIR_MESSAGE, trip=trip, sender=member)
    ChatReactionFactory(message=mine, user=member, emoji=EMOJI)
    TodoFactory(id=TODO, trip=trip, created_by=member)
    poll = PollFactory(id=POLL, trip=trip, created_by=owner, options=[])
    PollOptionFactory(id=OPTION_A, poll=poll, text="Tascas", position=0, created_by=owner)
    PollOptionFactory(id=OPTION_B, poll=poll, text="Pastéis", position=1, created_by=owner)
    LocationFactory(trip=trip, user=member)
    TripImage.objects.create(id=IMAGE, trip=trip, key=f"trips/{TRIP}/beach.jpg", uploaded_by=owner)
    InvitationFactory(id=SENT_INVITATION, trip=trip, inviter=owner)
    other_trip = TripFactory(id=OTHER_TRIP, created_by=stranger)
    received = InvitationFactory(
        id=RECEIVED_INVITATION,
        trip=other_trip,
        invitee_email=owner.email,
        expires_at=timezone.now() + timedelta(days=3),
    )
    NotificationFactory(id=NOTIFICATION, user=owner)
    SEEDED_FIELD_VALUES["token"] = [invitation_token(received)]

    # Rate limits are tested elsewhere; here they would turn most examples into 429s.
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    yield {"Authorization": f"Bearer {fuzz_identity.access_token}"}
    SEEDED_FIELD_VALUES["token"] = []
    if request.node.name.endswith("[DELETE /v1/users/me]"):
        # Account deletion deleted the moto user too; the database rolls back, moto doesn't.
        fresh = cognito.create_user(email=fuzz_identity.email)
        vars(fuzz_identity).update(vars(fresh))


@pytest.fixture
def wsgi_in_test_transaction():
    """Requests go through the real WSGI handler, which closes "old" database connections at
    the start and end of each request; that would end the test's transaction. Django's test
    client disconnects the same receiver for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[
        # Safe here: each example runs in its own rolled-back savepoint.
        hypothesis.HealthCheck.function_scoped_fixture,
        # Big generated bodies and database round trips are the point, not a smell.
        hypothesis.HealthCheck.too_slow,
        hypothesis.HealthCheck.data_too_large,
        hypothesis.HealthCheck.large_base_example,
        hypothesis.HealthCheck.filter_too_much,
    ],
)
def test_operation_honours_the_schema(
    case, seeded_trip, wsgi_in_test_transaction, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        try:
            # On-commit callbacks (events, notifications) run too, as after a real commit.
            with django_capture_on_commit_callbacks(execute=True):
                case.call_and_validate(
                    headers=seeded_trip, checks=CHECKS, additional_checks=[contract_error_shape]
                )
        finally:
            transaction.set_rollback(True)


# --- What the fuzzing above found wrong in the schema, pinned down ----------------------------

OPERATIONS = [
    (path, method.upper(), operation)
    for path, item in schema.raw_schema["paths"].items()
    for method, operation in item.items()
]


def test_every_4xx_is_documented_with_the_error_component():
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in OPERATIONS:
        errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
        assert errors, (method, path)
        for code, response in errors.items():
            body = response["content"]["application/json"]["schema"]
            assert body == error_ref, (method, path, code)
        if "{" in path:
            assert "404" in errors, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= errors.keys(), (method, path)
    error = schema.raw_schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == ERROR_KEYS
    assert "TypeEnum" in schema.raw_schema["components"]["schemas"]  # the notification enum kept


@pytest.mark.parametrize(
    ("path", "component"),
    [
        ("/v1/notifications", "NotificationsDeleted"),
        ("/v1/trips/{trip_id}/chat/messages/{message_id}", "ChatMessage"),
        ("/v1/trips/{trip_id}/chat/messages/{message_id}/reactions/{emoji}", "ReactionRemoved"),
        ("/v1/trips/{trip_id}/polls/{poll_id}", "PollMessage"),
        ("/v1/trips/{trip_id}/polls/{poll_id}/vote/{option_id}", "PollMessage"),
        ("/v1/trips/{trip_id}/todos/{todo_id}", "TodoDeleted"),
    ],
)
def test_a_delete_that_answers_with_a_body_documents_200(path, component):
    responses = schema.raw_schema["paths"][path]["delete"]["responses"]
    assert "204" not in responses
    body = responses["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": f"#/components/schemas/{component}"}


@pytest.mark.parametrize(
    ("component", "optional"),
    [
        ("ChatMessage", {"replyToId", "editedAt", "clientMessageId"}),
        ("Location", {"tripId", "sharingExpiresAt"}),
        ("UserProfile", {"contactEmail", "preferences"}),
    ],
)
def test_fields_left_out_of_a_response_are_not_required(component, optional):
    documented = schema.raw_schema["components"]["schemas"][component]
    assert optional <= documented["properties"].keys()
    assert not optional & set(documented["required"])


def test_user_preferences_body_is_documented():
    body = schema.raw_schema["paths"]["/v1/users/{user_id}/preferences"]["put"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["type"] == "object"


def _response(status: int, body: bytes, request_id: str = "r-1") -> schemathesis.Response:
    import requests

    return schemathesis.Response(
        status_code=status,
        headers={"content-type": ["application/json"], "x-request-id": [request_id]},
        content=body,
        request=requests.Request("GET", "http://localhost/v1/trips").prepare(),
        elapsed=0.0,
        verify=True,
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"detail": "Not found."}',  # DRF's own shape
        b'{"type": "VALIDATION", "code": "x", "message": "m", "requestId": "r-1"}',  # wrong type
        b'{"type": "NOT_FOUND", "code": "x", "message": "m", "requestId": "other"}',
        b"<h1>Not Found</h1>",
    ],
)
def test_error_shape_check_rejects_what_the_contract_does_not_allow(body):
    with pytest.raises((AssertionError, ValueError)):
        contract_error_shape(None, _response(404, body), None)


def test_error_shape_check_accepts_the_contract_shape():
    body = b'{"type": "NOT_FOUND", "code": "not_found", "message": "m", "requestId": "r-1"}'
    assert contract_error_shape(None, _response(404, body), None) is True
    assert contract_error_shape(None, _response(200, b"[]"), None) is None
