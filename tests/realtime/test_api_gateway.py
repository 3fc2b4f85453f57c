"""/v1/ws on Lambda: API Gateway WebSocket events through Zappa's real handler entry, fan-out
through moto's management API, failures through botocore's Stubber, the scheduled tasks.

Tests run inside a transaction; ``django_capture_on_commit_callbacks(execute=True)`` runs what
a commit would (event delivery), as it happens in production after the request's transaction.
"""

import json
from datetime import timedelta

import boto3
import pytest
from botocore.stub import Stubber
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.chat.models import ChatMessage
from apps.core.events import Event
from apps.notifications.services import notification_create
from apps.realtime import api_gateway, tasks
from apps.realtime.models import WebSocketConnection
from apps.realtime.selectors import connection_ids_for_event
from tests.conftest import LocalHTTPServer, QuietHandler
from tests.factories import ChatMessageFactory, MembershipFactory, WebSocketConnectionFactory
from tests.realtime.conftest import REGION, ws_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("management_api")]


def chat_url(trip):
    return chat_url_for(trip.pk)


def chat_url_for(trip_id):
    return f"/v1/trips/{trip_id}/chat/messages"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs the block's on-commit callbacks, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def crew_connections(trip_with_roles):
    """An open API Gateway connection for the owner, the member and the stranger."""
    crew = trip_with_roles
    return {
        role: WebSocketConnectionFactory(user=crew.users[role], connection_id=f"{role}-conn=")
        for role in ("owner", "member", "stranger")
    }


# --- $connect -------------------------------------------------------------------------------


def test_connect_with_a_query_token_stores_the_connection_and_sends_the_snapshot(
    trip_with_roles, client_for, zappa_lambda, management_api
):
    crew = trip_with_roles
    token = client_for(crew.member).cognito_user.access_token  # a real Cognito (moto) token
    before = timezone.now()

    response = zappa_lambda(ws_event("$connect", "abcCONN=", query={"token": token}), None)

    assert response == {"statusCode": 200}
    connection = WebSocketConnection.objects.get(connection_id="abcCONN=")
    assert connection.user == crew.member
    assert before <= connection.connected_at <= timezone.now()
    assert connection.expires_at - connection.connected_at == timedelta(hours=2)
    assert management_api.messages("abcCONN=") == [
        {
            "type": "connected",
            "payload": {
                "userId": str(crew.member.pk),
                "tripCount": 1,
                "trips": [str(crew.trip.pk)],
            },
        }
    ]


def test_connect_with_the_token_as_subprotocol_echoes_it(user, client_for, zappa_lambda):
    token = client_for(user).cognito_user.access_token

    response = zappa_lambda(
        ws_event("$connect", "sub-CONN=", headers={"Sec-WebSocket-Protocol": token}), None
    )

    assert response == {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": token}}
    assert WebSocketConnection.objects.filter(connection_id="sub-CONN=", user=user).exists()


@pytest.mark.parametrize(
    ("query", "status"),
    [({"token": "not-a-jwt"}, 401), ({}, 401), ("not-onboarded", 403)],
    ids=["bad-token", "no-token", "not-onboarded"],
)
def test_refused_handshakes_store_and_send_nothing(
    sign_token, zappa_lambda, management_api, query, status
):
    if query == "not-onboarded":
        query = {"token": sign_token({"sub": "nobody-yet"})}

    response = zappa_lambda(ws_event("$connect", "refused=", query=query), None)

    assert response == {"statusCode": status}
    assert not WebSocketConnection.objects.exists()
    assert management_api.messages("refused=") == []


def test_disconnect_deletes_the_connection(user, zappa_lambda):
    WebSocketConnectionFactory(user=user, connection_id="bye=")
    WebSocketConnectionFactory(user=user, connection_id="stays=")

    response = zappa_lambda(ws_event("$disconnect", "bye="), None)

    assert response == {"statusCode": 200}
    assert list(WebSocketConnection.objects.values_list("connection_id", flat=True)) == ["stays="]


# --- $default -------------------------------------------------------------------------------


def test_ping_is_answered_with_pong(user, zappa_lambda, management_api):
    WebSocketConnectionFactory(user=user, connection_id="ping=")

    response = zappa_lambda(ws_event("$default", "ping=", body={"type": "ping"}), None)

    assert response == {"statusCode": 200}
    assert management_api.messages("ping=") == [{"type": "pong"}]


def test_a_frame_on_an_unknown_connection_closes_it(zappa_lambda, management_api):
    api_gateway.post(["ghost="], {"type": "ping"}, endpoint=management_api.endpoint)
    assert management_api.messages("ghost=") == [{"type": "ping"}]

    response = zappa_lambda(ws_event("$default", "ghost=", body={"type": "ping"}), None)

    assert response == {"statusCode": 410}
    assert management_api.messages("ghost=") == []  # moto forgot the deleted connection


def test_subscribe_is_refused_for_a_trip_the_user_is_not_in(
    trip_with_roles, crew_connections, zappa_lambda, management_api
):
    frame = {"type": "subscribe", "payload": {"tripId": str(trip_with_roles.trip.pk)}}

    zappa_lambda(ws_event("$default", "stranger-conn=", body=frame), None)

    assert management_api.messages("stranger-conn=") == [
        {
            "type": "error",
            "error": "Not authorized to subscribe to this trip",
            "code": "trip_not_found",
        }
    ]


def test_unsubscribe_narrows_delivery_and_subscribe_restores_it(
    trip_with_roles, crew_connections, zappa_lambda, management_api, committed
):
    crew = trip_with_roles
    trip_id = str(crew.trip.pk)
    owner_client = crew.client("owner")

    zappa_lambda(
        ws_event("$default", "member-conn=", body={"type": "unsubscribe", "tripId": trip_id}),
        None,
    )
    with committed():
        owner_client.post(chat_url(crew.trip), {"content": "muted"})
    zappa_lambda(
        ws_event(
            "$default", "member-conn=", body={"type": "subscribe", "payload": {"tripId": trip_id}}
        ),
        None,
    )
    with committed():
        owner_client.post(chat_url(crew.trip), {"content": "heard"})

    messages = management_api.messages("member-conn=")
    replies = [m for m in messages if m["type"] != "event"]
    assert replies == [
        {"type": "unsubscribed", "payload": {"tripId": trip_id}},
        {"type": "subscribed", "payload": {"tripId": trip_id}},
    ]
    trip_events = [e for e in management_api.events("member-conn=") if e["tripId"] == trip_id]
    assert [e["payload"]["content"] for e in trip_events] == ["heard"]
    assert WebSocketConnection.objects.get(connection_id="member-conn=").unsubscribed_trip_ids == []


def test_chat_message_sent_over_the_socket_is_stored_and_posted_to_the_trip(
    trip_with_roles, crew_connections, zappa_lambda, management_api, committed
):
    crew = trip_with_roles
    frame = {
        "type": "CHAT_MESSAGE_SEND",
        "tripId": str(crew.trip.pk),
        "payload": {"tripId": str(crew.trip.pk), "content": "Boarding now", "messageId": "tmp-9"},
    }

    with committed():
        response = zappa_lambda(ws_event("$default", "member-conn=", body=frame), None)

    assert response == {"statusCode": 200}
    message = ChatMessage.objects.get()
    assert (message.sender, message.content, message.client_message_id) == (
        crew.member,
        "Boarding now",
        "tmp-9",
    )
    for role in ("owner", "member"):
        sent = [e for e in management_api.events(f"{role}-conn=") if e["tripId"]]
        assert [e["type"] for e in sent] == ["CHAT_MESSAGE_SENT"]
        assert sent[0]["payload"]["messageId"] == str(message.pk)
    assert management_api.messages("stranger-conn=") == []


def test_typing_and_read_receipt_over_the_socket(
    trip_with_roles, crew_connections, zappa_lambda, management_api, committed
):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    trip_id = str(crew.trip.pk)

    with committed():
        zappa_lambda(
            ws_event(
                "$default",
                "member-conn=",
                body={"type": "TYPING_STATUS", "payload": {"tripId": trip_id, "isTyping": False}},
            ),
            None,
        )
        zappa_lambda(
            ws_event(
                "$default",
                "member-conn=",
                body={"type": "READ_RECEIPT", "tripId": trip_id, "messageId": str(message.pk)},
            ),
            None,
        )

    events = [e for e in management_api.events("owner-conn=") if e["tripId"]]
    assert [e["type"] for e in events] == ["CHAT_TYPING_STATUS", "CHAT_READ_RECEIPT"]
    assert events[0]["payload"]["isTyping"] is False
    assert events[1]["payload"]["userId"] == str(crew.member.pk)


def test_garbage_frames_get_an_error_and_change_nothing(user, zappa_lambda, management_api):
    WebSocketConnectionFactory(user=user, connection_id="junk=")

    response = zappa_lambda(ws_event("$default", "junk=", body="[1, 2"), None)

    assert response == {"statusCode": 200}
    assert management_api.messages("junk=") == [
        {"type": "error", "error": "Invalid message: expected a JSON object"}
    ]


# --- Fan-out of published events ------------------------------------------------------------


def test_a_chat_message_sent_over_rest_reaches_every_member_connection(
    trip_with_roles, crew_connections, management_api, committed
):
    crew = trip_with_roles
    second_member_device = WebSocketConnectionFactory(user=crew.member, connection_id="tablet=")

    with committed():
        response = crew.client("owner").post(chat_url(crew.trip), {"content": "Gate 12"})

    assert response.status_code == 201
    for connection_id in ("owner-conn=", "member-conn=", second_member_device.connection_id):
        event = next(e for e in management_api.events(connection_id) if e["tripId"])
        assert event["type"] == "CHAT_MESSAGE_SENT"
        assert event["payload"]["content"] == "Gate 12"
        assert event["userId"] == str(crew.owner.pk)
    assert management_api.messages("stranger-conn=") == []


@pytest.mark.parametrize("extra_members", [1, 8])
def test_a_chat_message_looks_up_connections_twice_whatever_the_trip_size(
    trip_with_roles, management_api, committed, extra_members
):
    """The message goes to the trip (one lookup); the members' notifications go out as one
    batch (one lookup), not one query per member."""
    crew = trip_with_roles
    others = [crew.admin, crew.member]
    others += [MembershipFactory(trip=crew.trip).user for _ in range(extra_members)]
    for user in [crew.owner, *others]:
        WebSocketConnectionFactory(user=user, connection_id=f"{user.pk}=")
    owner = crew.client("owner")

    with CaptureQueriesContext(connection) as queries, committed():
        response = owner.post(chat_url(crew.trip), {"content": "Boarding"})

    assert response.status_code == 201
    table = WebSocketConnection._meta.db_table
    lookups = [q for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
    assert len(lookups) == 2
    for user in others:
        types = sorted(e["type"] for e in management_api.events(f"{user.pk}="))
        assert types == ["CHAT_MESSAGE_SENT", "notification.created"], user
        [note] = [
            e for e in management_api.events(f"{user.pk}=") if e["type"] != "CHAT_MESSAGE_SENT"
        ]
        assert note["userId"] == str(user.pk)
    owner_types = [e["type"] for e in management_api.events(f"{crew.owner.pk}=")]
    assert owner_types == ["CHAT_MESSAGE_SENT"]  # the sender gets no notification


def test_removed_member_stops_receiving_at_once(
    trip_with_roles, crew_connections, management_api, committed
):
    crew = trip_with_roles
    owner_client = crew.client("owner")

    with committed():
        response = owner_client.delete(f"/v1/trips/{crew.trip.pk}/members/{crew.member.pk}")
    assert response.status_code in (200, 204)
    with committed():
        owner_client.post(chat_url(crew.trip), {"content": "after you left"})

    member_events = [e for e in management_api.events("member-conn=") if e["tripId"]]
    assert [(e["type"], e["userId"]) for e in member_events] == [
        ("MEMBER_REMOVED", str(crew.member.pk))
    ]
    owner_events = [e["type"] for e in management_api.events("owner-conn=") if e["tripId"]]
    assert owner_events == ["MEMBER_REMOVED", "TRIP_MEMBER_LEFT", "CHAT_MESSAGE_SENT"]


def test_member_added_receives_from_then_on(
    trip_with_roles, crew_connections, management_api, committed
):
    crew = trip_with_roles
    owner_client = crew.client("owner")

    with committed():
        response = owner_client.post(
            f"/v1/trips/{crew.trip.pk}/members", {"userId": str(crew.stranger.pk), "role": "MEMBER"}
        )
    assert response.status_code == 201
    with committed():  # the member-add route invites; they join by accepting
        accepted = crew.client("stranger").post(f"/v1/invitations/{response.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    with committed():
        owner_client.post(chat_url(crew.trip), {"content": "welcome"})

    stranger_events = [e["type"] for e in management_api.events("stranger-conn=") if e["tripId"]]
    assert stranger_events == [
        "MEMBER_ADDED",
        "TRIP_MEMBER_JOINED",
        "TRIP_INVITATION_ACCEPTED",
        "CHAT_MESSAGE_SENT",
    ]


def test_rejoining_a_trip_undoes_an_old_unsubscribe(trip_with_roles, management_api, committed):
    crew = trip_with_roles
    WebSocketConnectionFactory(
        user=crew.stranger,
        connection_id="returning=",
        unsubscribed_trip_ids=[str(crew.trip.pk), "11111111-1111-1111-1111-111111111111"],
    )

    invited = crew.client("owner").post(
        f"/v1/trips/{crew.trip.pk}/members", {"userId": str(crew.stranger.pk), "role": "MEMBER"}
    )
    with committed():
        crew.client("stranger").post(f"/v1/invitations/{invited.json()['id']}/accept")

    trip_events = [e["type"] for e in management_api.events("returning=") if e["tripId"]]
    assert trip_events == ["MEMBER_ADDED", "TRIP_MEMBER_JOINED", "TRIP_INVITATION_ACCEPTED"]
    connection = WebSocketConnection.objects.get(connection_id="returning=")
    assert connection.unsubscribed_trip_ids == ["11111111-1111-1111-1111-111111111111"]


def test_a_new_trip_reaches_its_creator_at_once(user, management_api, committed):
    WebSocketConnectionFactory(user=user, connection_id="creator=")
    WebSocketConnectionFactory(connection_id="someone-else=")
    client = APIClient()
    client.force_authenticate(user)

    with committed():
        response = client.post(
            "/v1/trips", {"name": "Porto", "startDate": "2030-05-01", "endDate": "2030-05-04"}
        )
    assert response.status_code == 201
    with committed():
        client.post(chat_url_for(response.json()["id"]), {"content": "first"})

    events = [e["type"] for e in management_api.events("creator=") if e["tripId"]]
    assert events == ["TRIP_CREATED", "CHAT_MESSAGE_SENT"]
    assert management_api.messages("someone-else=") == []


def test_notification_reaches_only_its_user(
    trip_with_roles, crew_connections, management_api, committed
):
    crew = trip_with_roles

    with committed():
        notification = notification_create(
            user_id=crew.member.pk, type="TRIP_UPDATED", metadata={"tripName": crew.trip.name}
        )

    events = management_api.events("member-conn=")
    assert [(e["type"], e["payload"]["id"]) for e in events] == [
        ("notification.created", str(notification.pk))
    ]
    assert management_api.messages("owner-conn=") == []
    assert management_api.messages("stranger-conn=") == []


def test_expired_connections_get_nothing(trip_with_roles, management_api, committed):
    crew = trip_with_roles
    long_ago = timezone.now() - timedelta(hours=3)
    WebSocketConnectionFactory(user=crew.member, connection_id="old=", connected_at=long_ago)

    with committed():
        crew.client("owner").post(chat_url(crew.trip), {"content": "anyone?"})

    assert management_api.messages("old=") == []


def test_finding_the_connections_of_an_event_is_one_query(
    trip_with_roles, django_assert_num_queries
):
    crew = trip_with_roles
    event = Event(
        id="e-1",
        type="TRIP_UPDATED",
        trip_id=str(crew.trip.pk),
        user_id=str(crew.owner.pk),
        timestamp="2026-11-23T10:00:00Z",
        payload={},
    )
    counts = []
    for extra in (1, 10):
        for _ in range(extra):
            WebSocketConnectionFactory(user=MembershipFactory(trip=crew.trip).user)
        with django_assert_num_queries(1):
            counts.append(len(connection_ids_for_event(event)))
    assert counts == [1, 11]


# --- Failures ---------------------------------------------------------------------------------


def stubbed_management_api(management_api) -> Stubber:
    """botocore's Stubber on the app's own management client (moto never answers 410)."""
    return Stubber(api_gateway.management_client(management_api.endpoint))


def test_gone_connection_is_deleted_and_the_others_still_receive(
    trip_with_roles, management_api, settings
):
    settings.WEBSOCKET_POST_CONCURRENCY = 1  # the stubbed answers are consumed in order
    crew = trip_with_roles
    WebSocketConnectionFactory(user=crew.member, connection_id="a-gone=")
    WebSocketConnectionFactory(user=crew.admin, connection_id="b-alive=")
    event = Event(
        id="e-2",
        type="TRIP_UPDATED",
        trip_id=str(crew.trip.pk),
        user_id=str(crew.owner.pk),
        timestamp="2026-11-23T10:00:00Z",
        payload={},
    )
    data = json.dumps(event.envelope(), separators=(",", ":")).encode()
    stubber = stubbed_management_api(management_api)
    stubber.add_client_error(
        "post_to_connection",
        service_error_code="GoneException",
        http_status_code=410,
        expected_params={"ConnectionId": "a-gone=", "Data": data},
    )
    stubber.add_response("post_to_connection", {}, {"ConnectionId": "b-alive=", "Data": data})

    with stubber:
        result = api_gateway.deliver_now(event, endpoint=management_api.endpoint)

    stubber.assert_no_pending_responses()
    assert (result.sent, result.gone, result.failed) == (["b-alive="], ["a-gone="], [])
    assert list(WebSocketConnection.objects.values_list("connection_id", flat=True)) == ["b-alive="]


def test_other_delivery_errors_are_logged_and_never_fail_the_request(
    trip_with_roles, management_api, committed, caplog
):
    crew = trip_with_roles
    WebSocketConnectionFactory(user=crew.member, connection_id="throttled=")
    owner_client = crew.client("owner")
    stubber = stubbed_management_api(management_api)
    stubber.add_client_error(
        "post_to_connection", service_error_code="LimitExceededException", http_status_code=429
    )

    with stubber, committed():
        response = owner_client.post(chat_url(crew.trip), {"content": "still saved"})

    assert response.status_code == 201
    assert ChatMessage.objects.filter(content="still saved").exists()
    assert WebSocketConnection.objects.filter(connection_id="throttled=").exists()
    assert "post_to_connection throttled= failed" in caplog.text


def test_without_an_endpoint_nothing_is_sent_and_the_request_succeeds(
    trip_with_roles, crew_connections, management_api, committed, settings
):
    settings.WEBSOCKET_API_ENDPOINT = ""
    crew = trip_with_roles

    with committed():
        response = crew.client("owner").post(chat_url(crew.trip), {"content": "quiet"})

    assert response.status_code == 201
    assert management_api.messages("member-conn=") == []


# --- Large fan-outs: an async task --------------------------------------------------------------


class LambdaInvokeStub(LocalHTTPServer):
    """A local stand-in for Lambda's Invoke API: records each asynchronous invocation."""

    def __init__(self):
        outer = self
        self.invocations: list[dict] = []

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.invocations.append(
                    {
                        "path": self.path,
                        "type": self.headers.get("X-Amz-Invocation-Type"),
                        "payload": json.loads(body),
                    }
                )
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(Handler)
        self.url = self.base_url


@pytest.fixture
def lambda_invoke(monkeypatch):
    """On Lambda (AWS_LAMBDA_FUNCTION_NAME set) Zappa's @task invokes the function again,
    asynchronously, with its module-level Lambda client: that client goes to the stub."""
    from zappa import asynchronous

    stub = LambdaInvokeStub()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "nomadcrew-dev")
    monkeypatch.setattr(
        asynchronous,
        "LAMBDA_CLIENT",
        boto3.client("lambda", region_name=REGION, endpoint_url=stub.url),
    )
    yield stub
    stub.stop()


def test_a_large_fan_out_is_handed_to_an_async_task_that_delivers_it(
    trip_with_roles, management_api, committed, settings, lambda_invoke, zappa_lambda
):
    settings.WEBSOCKET_INLINE_FANOUT_MAX = 2
    crew = trip_with_roles
    ids = [
        WebSocketConnectionFactory(user=user, connection_id=f"{role}-many=").connection_id
        for role, user in crew.users.items()
        if role != "stranger"
    ]

    with committed():
        response = crew.client("owner").post(chat_url(crew.trip), {"content": "to everyone"})

    assert response.status_code == 201
    # No trip event went out inline (the chat notifications, one socket each, did).
    assert all(e["tripId"] == "" for cid in ids for e in management_api.events(cid))
    fan_outs = [
        invocation
        for invocation in lambda_invoke.invocations
        if invocation["payload"]["task_path"] == "apps.realtime.tasks.fan_out_event"
    ]
    assert [i["payload"]["args"][0]["type"] for i in fan_outs] == ["CHAT_MESSAGE_SENT"]
    invocation = fan_outs[0]
    assert invocation["path"] == "/2015-03-31/functions/nomadcrew-dev/invocations"
    assert invocation["type"] == "Event"
    assert invocation["payload"]["command"] == "zappa.asynchronous.route_lambda_task"
    assert invocation["payload"]["task_path"] == "apps.realtime.tasks.fan_out_event"

    # The invocation as Lambda would run it: Zappa's handler routes the command to the task.
    delivered = zappa_lambda(invocation["payload"], None)

    assert delivered == 3
    for connection_id in ids:
        events = [e for e in management_api.events(connection_id) if e["tripId"]]
        assert [e["payload"]["content"] for e in events] == ["to everyone"]


def test_a_large_fan_out_off_lambda_runs_inline(
    trip_with_roles, management_api, committed, settings
):
    settings.WEBSOCKET_INLINE_FANOUT_MAX = 1
    crew = trip_with_roles
    WebSocketConnectionFactory(user=crew.owner, connection_id="a=")
    WebSocketConnectionFactory(user=crew.member, connection_id="b=")

    with committed():
        crew.client("owner").post(chat_url(crew.trip), {"content": "inline"})

    for connection_id in ("a=", "b="):
        events = [e for e in management_api.events(connection_id) if e["tripId"]]
        assert [e["payload"]["content"] for e in events] == ["inline"]


# --- Schedules --------------------------------------------------------------------------------


def scheduled_event(function: str) -> dict:
    return {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/nomadcrew-dev-{function}"],
    }


def test_purge_deletes_only_connections_past_the_two_hour_limit(user):
    now = timezone.now()
    WebSocketConnectionFactory(user=user, connection_id="fresh=", connected_at=now)
    WebSocketConnectionFactory(
        user=user, connection_id="stale=", connected_at=now - timedelta(hours=2, seconds=1)
    )
    WebSocketConnectionFactory(
        user=user, connection_id="ancient=", connected_at=now - timedelta(days=1)
    )

    assert tasks.purge_stale_connections() == 2
    assert tasks.purge_stale_connections() == 0  # idempotent
    assert list(WebSocketConnection.objects.values_list("connection_id", flat=True)) == ["fresh="]


def test_purge_runs_as_a_zappa_schedule(user, zappa_lambda):
    WebSocketConnectionFactory(
        user=user, connection_id="stale=", connected_at=timezone.now() - timedelta(hours=3)
    )

    result = zappa_lambda(scheduled_event("apps.realtime.tasks.purge_stale_connections"), None)

    assert result == 1
    assert not WebSocketConnection.objects.exists()


def test_ping_schedule_pings_every_open_connection(user, management_api):
    WebSocketConnectionFactory(user=user, connection_id="p1=")
    WebSocketConnectionFactory(user=user, connection_id="p2=")
    WebSocketConnectionFactory(
        user=user, connection_id="expired=", connected_at=timezone.now() - timedelta(hours=3)
    )

    assert tasks.ping_connections(rounds=1) == 2
    assert management_api.messages("p1=") == [{"type": "ping"}]
    assert management_api.messages("p2=") == [{"type": "ping"}]
    assert management_api.messages("expired=") == []
