"""A socket stays authorised for its whole life, on Channels and on API Gateway (issue 12):
chat frames share the REST rate limits, an expired token ends delivery (4401 ``token_expired``)
unless an ``auth`` frame renewed it, a disabled account stops receiving at once. Removal from a
trip is covered in ``test_channels.py`` and ``test_api_gateway.py``.
"""

import time
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.utils import timezone
from rest_framework.settings import api_settings

from apps.chat.models import ChatMessage
from apps.realtime.models import WebSocketConnection
from tests.factories import WebSocketConnectionFactory
from tests.realtime.conftest import Socket, call, ws_event


def run(scenario):
    async_to_sync(scenario)()


@pytest.fixture
def tight_chat_rates(settings):
    """Three per minute in every chat group, on fresh counters."""
    rates = {"chat_send": "3/min", "chat_react": "3/min", "chat_typing": "3/min"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, **rates},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def short_token(sign_token):
    """A token for ``user`` that expires ``seconds`` from now (the user's sub set to match)."""

    def make(user, seconds: float) -> str:
        if not user.cognito_sub:
            user.cognito_sub = str(uuid.uuid4())
            type(user).objects.filter(pk=user.pk).update(cognito_sub=user.cognito_sub)
        return sign_token(
            {"sub": user.cognito_sub, "email": user.email, "exp": int(time.time() + seconds)}
        )

    return make


def send_frame(trip_id, content: str) -> dict:
    return {"type": "CHAT_MESSAGE_SEND", "payload": {"tripId": str(trip_id), "content": content}}


async def closing_frame(socket: Socket, timeout: float = 5) -> dict:
    """The close the server sends, skipping anything before it (pings, events)."""
    while True:
        output = await socket.communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output


# --- Channels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("channel_layer", ["memory"], indirect=True)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
def test_channels_chat_sends_share_the_rest_rate_limit(
    trip_with_roles, token_for, tight_chat_rates
):
    """Over REST the 4th message in a minute is a 429; over the socket it was stored (40 were)."""
    crew = trip_with_roles
    token = token_for(crew.member)
    client = token_for.client(crew.member)
    url = f"/v1/trips/{crew.trip.pk}/chat/messages"

    async def scenario():
        socket = Socket(token)
        await socket.open()
        assert (await call(client.post, url, {"content": "one"})).status_code == 201
        assert (await call(client.post, url, {"content": "two"})).status_code == 201
        await socket.send(send_frame(crew.trip.pk, "three"))
        await socket.send(send_frame(crew.trip.pk, "four"))
        reply = await socket.receive_reply()
        assert (reply["type"], reply["code"]) == ("error", "rate_limited")
        assert 1 <= reply["retryAfter"] <= 60
        assert (await call(client.post, url, {"content": "five"})).status_code == 429
        await socket.close()

    run(scenario)
    assert sorted(ChatMessage.objects.values_list("content", flat=True)) == ["one", "three", "two"]


@pytest.mark.parametrize("channel_layer", ["memory"], indirect=True)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
def test_channels_typing_and_reactions_are_rate_limited(
    trip_with_roles, token_for, tight_chat_rates
):
    crew = trip_with_roles
    token = token_for(crew.member)
    message = ChatMessage.objects.create(trip=crew.trip, sender=crew.owner, content="hi")
    trip_id = str(crew.trip.pk)

    async def scenario():
        socket = Socket(token)
        await socket.open()
        for _ in range(4):
            await socket.send({"type": "TYPING_STATUS", "tripId": trip_id, "isTyping": True})
        reply = await socket.receive_reply()
        assert (reply["code"], reply["retryAfter"] > 0) == ("rate_limited", True)
        for emoji in ("👍", "🎉", "🚀", "🌍"):
            await socket.send(
                {
                    "type": "CHAT_REACTION_ADD",
                    "payload": {"tripId": trip_id, "messageId": str(message.pk), "emoji": emoji},
                }
            )
        assert (await socket.receive_reply())["code"] == "rate_limited"
        await socket.close()

    run(scenario)
    assert sorted(message.reactions.values_list("emoji", flat=True)) == ["🎉", "👍", "🚀"]


@pytest.mark.parametrize("channel_layer", ["memory"], indirect=True)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
def test_channels_socket_closes_4401_when_its_token_expires(trip_with_roles, short_token):
    crew = trip_with_roles
    token = short_token(crew.member, 1.5)
    owner = crew.client("owner")

    async def scenario():
        socket = Socket(token)
        await socket.open()
        closing = await closing_frame(socket)
        assert (closing["code"], closing["reason"]) == (4401, "token_expired")
        # and it no longer delivers the trip: a message sent now does not reach it
        await call(
            owner.post,
            f"/v1/trips/{crew.trip.pk}/chat/messages",
            {"content": "still there?"},
        )
        assert await socket.communicator.receive_nothing(timeout=0.3)

    run(scenario)


@pytest.mark.parametrize("channel_layer", ["memory"], indirect=True)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
def test_channels_auth_frame_with_a_fresh_token_keeps_the_socket_open(
    trip_with_roles, short_token, token_for
):
    crew = trip_with_roles
    token = short_token(crew.member, 1.5)
    fresh = short_token(crew.member, 600)
    someone_else = token_for(crew.owner)

    async def scenario():
        socket = Socket(token)
        await socket.open()
        await socket.send({"type": "auth", "payload": {"token": someone_else}})
        assert (await socket.receive_reply())["code"] == "user_mismatch"
        await socket.send({"type": "auth", "payload": {"token": "not-a-token"}})
        assert (await socket.receive_reply())["code"] == "malformed_token"
        await socket.send({"type": "auth", "payload": {"token": fresh}})
        reply = await socket.receive_reply()
        assert reply["type"] == "authenticated"
        assert reply["payload"]["expiresAt"] >= time.time() + 500
        # past the first token's expiry the socket still answers and delivers
        assert await socket.communicator.receive_nothing(timeout=2.0)
        await socket.send({"type": "ping"})
        assert await socket.receive_reply() == {"type": "pong"}
        await socket.close()

    run(scenario)


@pytest.mark.parametrize("channel_layer", ["memory"], indirect=True)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer")
def test_channels_disabled_account_is_closed_at_once(trip_with_roles, token_for):
    crew = trip_with_roles
    token = token_for(crew.member)

    def disable():
        member = type(crew.member).objects.get(pk=crew.member.pk)
        member.is_active = False
        member.save()  # as the admin's change form does

    async def scenario():
        socket = Socket(token)
        await socket.open()
        await call(disable)
        closing = await closing_frame(socket)
        assert (closing["code"], closing["reason"]) == (4401, "account_disabled")

    run(scenario)


# --- API Gateway ------------------------------------------------------------------------------


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.django_db
def test_api_gateway_chat_frames_share_the_rest_rate_limit(
    trip_with_roles, zappa_lambda, management_api, tight_chat_rates, token_for
):
    crew = trip_with_roles
    token_for(crew.member)  # the REST client and the frames count under the same sub
    WebSocketConnectionFactory(user=crew.member, connection_id="member-conn=")
    client = token_for.client(crew.member)
    assert (
        client.post(f"/v1/trips/{crew.trip.pk}/chat/messages", {"content": "one"}).status_code
        == 201
    )
    for content in ("two", "three", "four"):
        response = zappa_lambda(
            ws_event("$default", "member-conn=", body=send_frame(crew.trip.pk, content)), None
        )
        assert response == {"statusCode": 200}
    errors = [m for m in management_api.messages("member-conn=") if m["type"] == "error"]
    assert [(m["code"], m["retryAfter"] > 0) for m in errors] == [("rate_limited", True)]
    assert ChatMessage.objects.count() == 3


@pytest.mark.django_db
def test_api_gateway_connect_records_the_token_expiry(user, zappa_lambda, short_token):
    token = short_token(user, 300)
    response = zappa_lambda(ws_event("$connect", "exp-conn=", query={"token": token}), None)
    assert response["statusCode"] == 200
    row = WebSocketConnection.objects.get(connection_id="exp-conn=")
    assert abs((row.token_expires_at - timezone.now()).total_seconds() - 300) < 5


@pytest.mark.django_db
def test_api_gateway_expired_token_gets_no_events_and_is_closed(
    trip_with_roles, zappa_lambda, management_api, committed
):
    crew = trip_with_roles
    WebSocketConnectionFactory(
        user=crew.member,
        connection_id="late-conn=",
        token_expires_at=timezone.now() - timedelta(seconds=1),
    )
    WebSocketConnectionFactory(
        user=crew.admin,
        connection_id="fresh-conn=",
        token_expires_at=timezone.now() + timedelta(minutes=10),
    )
    with committed():
        crew.client("owner").post(f"/v1/trips/{crew.trip.pk}/chat/messages", {"content": "hey"})
    assert management_api.events("late-conn=") == []
    assert [e["type"] for e in management_api.events("fresh-conn=") if e["tripId"]] == [
        "CHAT_MESSAGE_SENT"
    ]

    response = zappa_lambda(ws_event("$default", "late-conn=", body={"type": "ping"}), None)
    assert response == {"statusCode": 410}  # told token_expired, then closed (moto drops both)
    assert management_api.messages("late-conn=") == []
    assert not WebSocketConnection.objects.filter(connection_id="late-conn=").exists()


@pytest.mark.django_db
def test_api_gateway_auth_frame_moves_the_expiry_on(
    trip_with_roles, zappa_lambda, management_api, short_token
):
    crew = trip_with_roles
    fresh = short_token(crew.member, 3600)
    WebSocketConnectionFactory(
        user=crew.member,
        connection_id="renew-conn=",
        token_expires_at=timezone.now() + timedelta(seconds=30),
    )
    frame = {"type": "auth", "payload": {"token": fresh}}
    assert zappa_lambda(ws_event("$default", "renew-conn=", body=frame), None)["statusCode"] == 200
    row = WebSocketConnection.objects.get(connection_id="renew-conn=")
    assert row.token_expires_at > timezone.now() + timedelta(minutes=50)
    assert management_api.messages("renew-conn=")[-1]["type"] == "authenticated"


@pytest.mark.django_db
def test_api_gateway_disabled_account_is_skipped_and_closed(
    trip_with_roles, management_api, committed
):
    crew = trip_with_roles
    WebSocketConnectionFactory(user=crew.member, connection_id="gone-conn=")
    with committed():
        crew.member.is_active = False
        crew.member.save()
    assert not WebSocketConnection.objects.filter(user=crew.member).exists()
    with committed():
        crew.client("owner").post(f"/v1/trips/{crew.trip.pk}/chat/messages", {"content": "hey"})
    assert management_api.events("gone-conn=") == []
