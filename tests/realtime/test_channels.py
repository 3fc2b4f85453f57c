"""/v1/ws on the ASGI application (Channels), on the in-memory and the Redis channel layers.

Each test builds its data synchronously, then drives the sockets from one coroutine run with
``async_to_sync``: the consumer's database calls and the REST requests made with ``call`` run
in the test's thread, and events published after commit reach the layer on the same loop.
Databases are real and commit (``transaction=True``), so events go out as in production.
"""

import time

import pytest
from asgiref.sync import async_to_sync

from apps.chat.models import ChatMessage
from apps.realtime.channel_layer import trip_group, user_group
from apps.trips.models import Membership, MembershipStatus
from tests.factories import ChatMessageFactory, TripFactory
from tests.realtime.conftest import Socket, call

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]


# Cases that don't depend on how events travel run on the in-memory layer only.
IN_MEMORY_ONLY = pytest.mark.parametrize("channel_layer", ["memory"], indirect=True)


def run(scenario):
    async_to_sync(scenario)()


def chat_url(trip):
    return f"/v1/trips/{trip.pk}/chat/messages"


# --- Handshake --------------------------------------------------------------------------------


def test_token_in_query_connects_and_sends_the_snapshot(trip_with_roles, client_for):
    crew = trip_with_roles
    other_trip = TripFactory(created_by=crew.member)
    token = client_for(crew.member).cognito_user.access_token  # a real Cognito (moto) token

    async def scenario():
        socket = Socket(token)
        snapshot = await socket.open()
        assert socket.subprotocol is None
        assert snapshot["type"] == "connected"
        assert snapshot["payload"]["userId"] == str(crew.member.pk)
        assert snapshot["payload"]["tripCount"] == 2
        assert sorted(snapshot["payload"]["trips"]) == sorted(
            [str(crew.trip.pk), str(other_trip.pk)]
        )
        await socket.close()

    run(scenario)


def test_token_as_subprotocol_is_accepted_and_echoed(trip_with_roles, client_for):
    token = client_for(trip_with_roles.owner).cognito_user.access_token

    async def scenario():
        socket = Socket(token, via="subprotocol")
        snapshot = await socket.open()
        assert socket.subprotocol == token
        assert snapshot["payload"]["trips"] == [str(trip_with_roles.trip.pk)]
        await socket.close()

    run(scenario)


@IN_MEMORY_ONLY
def test_inactive_memberships_and_deleted_trips_are_not_in_the_snapshot(user, token_for):
    left = TripFactory()
    Membership.objects.create(trip=left, user=user, status=MembershipStatus.INACTIVE)
    deleted = TripFactory(created_by=user)
    deleted.deleted_at = deleted.created_at
    deleted.save()
    token = token_for(user)

    async def scenario():
        socket = Socket(token)
        snapshot = await socket.open()
        assert snapshot["payload"] == {"userId": str(user.pk), "tripCount": 0, "trips": []}
        await socket.close()

    run(scenario)


@IN_MEMORY_ONLY
@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        (lambda sign: "not-a-jwt", "malformed_token"),
        (lambda sign: sign({"exp": int(time.time()) - 600}), "token_expired"),
        (lambda sign: sign(key="wrong"), None),
        (lambda sign: "", "token_missing"),
    ],
    ids=["garbage", "expired", "forged", "missing"],
)
def test_bad_token_is_closed_with_4401_before_any_data(sign_token, make_token, reason):
    from cryptography.hazmat.primitives.asymmetric import rsa

    def sign(overrides=None, key=None):
        if key == "wrong":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return sign_token(overrides, key=key)

    token = make_token(sign)

    async def scenario():
        socket = Socket(token or None)
        accepted, _ = await socket.communicator.connect(timeout=5)
        # Accepted only so that the close code reaches the client: the very next frame closes.
        assert accepted
        closing = await socket.communicator.receive_output(timeout=5)
        assert closing["type"] == "websocket.close"
        assert closing["code"] == 4401
        if reason:
            assert closing["reason"] == reason
        await socket.communicator.wait(timeout=1)

    run(scenario)


@IN_MEMORY_ONLY
def test_bad_token_as_subprotocol_is_echoed_then_closed_4401():
    async def scenario():
        socket = Socket("bad.token.value", via="subprotocol")
        accepted, subprotocol = await socket.communicator.connect(timeout=5)
        assert accepted
        assert subprotocol == "bad.token.value"
        closing = await socket.communicator.receive_output(timeout=5)
        assert (closing["type"], closing["code"]) == ("websocket.close", 4401)

    run(scenario)


@IN_MEMORY_ONLY
def test_signed_in_user_who_has_not_onboarded_is_closed_with_4403(sign_token):
    token = sign_token({"sub": "never-onboarded"})

    async def scenario():
        socket = Socket(token)
        accepted, _ = await socket.communicator.connect(timeout=5)
        assert accepted
        closing = await socket.communicator.receive_output(timeout=5)
        assert closing == {"type": "websocket.close", "code": 4403, "reason": "user_not_onboarded"}

    run(scenario)


@IN_MEMORY_ONLY
def test_plain_http_get_on_the_socket_path_answers_426(api_client):
    response = api_client.get("/v1/ws")

    assert response.status_code == 426
    assert response.json()["code"] == "upgrade_required"


# --- Keep-alive and subscriptions ----------------------------------------------------------


@IN_MEMORY_ONLY
def test_ping_gets_pong(user, token_for):
    token = token_for(user)

    async def scenario():
        socket = Socket(token)
        await socket.open()
        await socket.send({"type": "ping"})
        assert await socket.receive() == {"type": "pong"}
        await socket.close()

    run(scenario)


@IN_MEMORY_ONLY
def test_server_sends_application_pings(user, token_for, settings):
    settings.REALTIME_PING_INTERVAL_SECONDS = 0.05
    token = token_for(user)

    async def scenario():
        socket = Socket(token)
        await socket.open()
        assert await socket.receive(timeout=2) == {"type": "ping"}
        assert await socket.receive(timeout=2) == {"type": "ping"}
        await socket.close()

    run(scenario)


@IN_MEMORY_ONLY
def test_unknown_messages_are_ignored_and_garbage_is_an_error(user, token_for):
    token = token_for(user)

    async def scenario():
        socket = Socket(token)
        await socket.open()
        await socket.send({"type": "SOMETHING_NEW", "payload": {}})
        assert await socket.drain() == []
        await socket.communicator.send_to(text_data="{not json")
        reply = await socket.receive_reply()
        assert reply == {"type": "error", "error": "Invalid message: expected a JSON object"}
        await socket.close()

    run(scenario)


def test_subscribe_is_refused_for_a_trip_the_user_is_not_in(trip_with_roles, token_for):
    crew = trip_with_roles
    token = token_for(crew.stranger)
    owner_client = token_for.client(crew.owner)

    async def scenario():
        socket = Socket(token)
        await socket.open()
        await socket.send({"type": "subscribe", "payload": {"tripId": str(crew.trip.pk)}})
        reply = await socket.receive_reply()
        assert reply["type"] == "error"
        assert reply["error"] == "Not authorized to subscribe to this trip"
        await socket.send({"type": "subscribe", "payload": {"tripId": "not-a-uuid"}})
        assert (await socket.receive_reply())["error"] == "Not authorized to subscribe to this trip"
        await socket.send({"type": "subscribe", "payload": {}})
        reply = await socket.receive_reply()
        assert reply["error"] == "Invalid subscribe request: tripId required"
        # Still nothing from that trip.
        await call(owner_client.post, chat_url(crew.trip), {"content": "secret"})
        assert await socket.drain() == []
        await socket.close()

    run(scenario)


def test_unsubscribe_stops_a_trip_and_subscribe_brings_it_back(trip_with_roles, token_for):
    crew = trip_with_roles
    token = token_for(crew.member)
    owner_client = token_for.client(crew.owner)
    trip_id = str(crew.trip.pk)

    async def scenario():
        socket = Socket(token)
        await socket.open()
        await socket.send({"type": "unsubscribe", "payload": {"tripId": trip_id}})
        assert await socket.receive() == {"type": "unsubscribed", "payload": {"tripId": trip_id}}
        await call(owner_client.post, chat_url(crew.trip), {"content": "while away"})
        # The chat's notification is addressed to the person, so it comes; the trip is quiet.
        notification = await socket.receive()
        assert notification["payload"]["type"] == "notification.created"
        assert await socket.trip_events(trip_id) == []

        await socket.send({"type": "subscribe", "tripId": trip_id})  # top-level tripId too
        assert await socket.receive() == {"type": "subscribed", "payload": {"tripId": trip_id}}
        await call(owner_client.post, chat_url(crew.trip), {"content": "welcome back"})
        event = await socket.receive_event(trip_id=trip_id)
        assert event["payload"]["content"] == "welcome back"
        await socket.close()

    run(scenario)


# --- Delivery ---------------------------------------------------------------------------------


def test_two_members_both_receive_a_chat_message_sent_over_rest(trip_with_roles, token_for):
    crew = trip_with_roles
    tokens = {role: token_for(crew.users[role]) for role in ("owner", "member", "stranger")}
    owner_client = token_for.client(crew.owner)

    async def scenario():
        sockets = {role: Socket(token) for role, token in tokens.items()}
        for socket in sockets.values():
            await socket.open()
        response = await call(owner_client.post, chat_url(crew.trip), {"content": "Dinner at 8?"})
        assert response.status_code == 201
        for role in ("owner", "member"):
            event = await sockets[role].receive_event()
            assert event["type"] == "CHAT_MESSAGE_SENT"
            assert event["tripId"] == str(crew.trip.pk)
            assert event["userId"] == str(crew.owner.pk)
            assert event["payload"]["content"] == "Dinner at 8?"
            assert event["payload"]["messageId"] == response.json()["id"]
            assert event["metadata"] == {"source": "api"}
        assert await sockets["stranger"].drain() == []
        for socket in sockets.values():
            await socket.close()

    run(scenario)


def test_every_connection_of_a_user_receives(trip_with_roles, token_for):
    crew = trip_with_roles
    token = token_for(crew.member)
    owner_client = token_for.client(crew.owner)

    async def scenario():
        phone, tablet = Socket(token), Socket(token, via="subprotocol")
        await phone.open()
        await tablet.open()
        await call(owner_client.post, chat_url(crew.trip), {"content": "both"})
        assert (await phone.receive_event())["payload"]["content"] == "both"
        assert (await tablet.receive_event())["payload"]["content"] == "both"
        await phone.close()
        await tablet.close()

    run(scenario)


def test_chat_message_sent_over_the_socket_is_stored_and_broadcast(trip_with_roles, token_for):
    crew = trip_with_roles
    sender_token, other_token = token_for(crew.member), token_for(crew.owner)

    async def scenario():
        sender, other = Socket(sender_token), Socket(other_token)
        await sender.open()
        await other.open()
        frame = {
            "type": "CHAT_MESSAGE_SEND",
            "tripId": str(crew.trip.pk),
            "userId": str(crew.member.pk),
            "payload": {
                "tripId": str(crew.trip.pk),
                "content": "  On my way  ",
                "messageId": "temp-123",
                "user": {"id": str(crew.member.pk), "name": "Me"},
                "timestamp": "2026-11-23T10:00:00.000Z",
            },
        }
        await sender.send(frame)
        for socket in (sender, other):
            event = await socket.receive_event()
            assert event["type"] == "CHAT_MESSAGE_SENT"
            assert event["payload"]["content"] == "On my way"
            assert event["payload"]["clientMessageId"] == "temp-123"
        # A retry of the same client message is stored and announced once.
        await sender.send(frame)
        assert await other.trip_events(crew.trip.pk) == []
        assert await sender.trip_events(crew.trip.pk) == []
        await sender.close()
        await other.close()

    run(scenario)
    message = ChatMessage.objects.get()
    assert (message.sender_id, message.content, message.client_message_id) == (
        crew.member.pk,
        "On my way",
        "temp-123",
    )


@IN_MEMORY_ONLY
def test_chat_over_the_socket_is_refused_for_a_non_member(trip_with_roles, token_for):
    crew = trip_with_roles
    token = token_for(crew.stranger)

    async def scenario():
        socket = Socket(token)
        await socket.open()
        await socket.send(
            {"type": "CHAT_MESSAGE_SEND", "payload": {"tripId": str(crew.trip.pk), "content": "x"}}
        )
        reply = await socket.receive_reply()
        assert reply == {"type": "error", "error": "Trip not found.", "code": "trip_not_found"}
        await socket.send({"type": "CHAT_MESSAGE_SEND", "payload": {"content": "x"}})
        assert (await socket.receive_reply())["code"] == "trip_id_required"
        await socket.close()

    run(scenario)
    assert not ChatMessage.objects.exists()


@IN_MEMORY_ONLY
def test_invalid_chat_content_over_the_socket_is_an_error(trip_with_roles, token_for):
    crew = trip_with_roles
    token = token_for(crew.member)

    async def scenario():
        socket = Socket(token)
        await socket.open()
        trip_id = str(crew.trip.pk)
        for content, code in (("   ", "empty_message"), ("x" * 1001, "message_too_long")):
            await socket.send(
                {"type": "CHAT_MESSAGE_SEND", "payload": {"tripId": trip_id, "content": content}}
            )
            reply = await socket.receive_reply()
            assert (reply["type"], reply["code"]) == ("error", code)
        await socket.send(
            {
                "type": "CHAT_MESSAGE_SEND",
                "payload": {"tripId": trip_id, "content": "hi", "replyToId": "nope"},
            }
        )
        assert (await socket.receive_reply())["code"] == "invalid_reply_to"
        await socket.close()

    run(scenario)
    assert not ChatMessage.objects.exists()


def test_typing_status_and_read_receipt_reach_the_other_members(trip_with_roles, token_for):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    member_token, owner_token = token_for(crew.member), token_for(crew.owner)
    trip_id = str(crew.trip.pk)

    async def scenario():
        member, owner = Socket(member_token), Socket(owner_token)
        await member.open()
        await owner.open()
        await member.send(
            {"type": "TYPING_STATUS", "payload": {"tripId": trip_id, "isTyping": True}}
        )
        event = await owner.receive_event(trip_id=trip_id)
        assert event["type"] == "CHAT_TYPING_STATUS"
        assert event["payload"]["isTyping"] is True
        assert event["payload"]["userId"] == str(crew.member.pk)

        await member.send(
            {"type": "READ_RECEIPT", "payload": {"tripId": trip_id, "messageId": str(message.pk)}}
        )
        event = await owner.receive_event(trip_id=trip_id)
        assert event["type"] == "CHAT_READ_RECEIPT"
        assert event["payload"]["messageId"] == str(message.pk)
        assert event["payload"]["userId"] == str(crew.member.pk)

        await member.send({"type": "TYPING_STATUS", "payload": {"tripId": trip_id}})
        assert (await member.receive_reply())["code"] == "invalid_request"
        await member.send({"type": "READ_RECEIPT", "payload": {"tripId": trip_id}})
        assert (await member.receive_reply())["code"] == "message_id_required"
        assert await owner.trip_events(trip_id) == []
        await member.close()
        await owner.close()

    run(scenario)


def test_removed_member_stops_receiving_at_once(trip_with_roles, token_for):
    crew = trip_with_roles
    member_token = token_for(crew.member)
    owner_client = token_for.client(crew.owner)
    owner_token = token_for(crew.owner)

    async def scenario():
        member, owner = Socket(member_token), Socket(owner_token)
        await member.open()
        await owner.open()
        response = await call(
            owner_client.delete, f"/v1/trips/{crew.trip.pk}/members/{crew.member.pk}"
        )
        assert response.status_code in (200, 204)
        removed = await member.receive_event(trip_id=crew.trip.pk)
        assert (removed["type"], removed["userId"]) == ("MEMBER_REMOVED", str(crew.member.pk))
        await call(owner_client.post, chat_url(crew.trip), {"content": "after you left"})
        seen = [await owner.receive_event(trip_id=crew.trip.pk) for _ in range(3)]
        assert [e["type"] for e in seen] == [
            "MEMBER_REMOVED",
            "TRIP_MEMBER_LEFT",
            "CHAT_MESSAGE_SENT",
        ]
        assert await member.trip_events(crew.trip.pk) == []
        # And the removed member cannot subscribe back.
        await member.send({"type": "subscribe", "payload": {"tripId": str(crew.trip.pk)}})
        assert (await member.receive_reply())["type"] == "error"
        await member.close()
        await owner.close()

    run(scenario)


def test_member_added_after_connecting_receives_without_reconnecting(trip_with_roles, token_for):
    crew = trip_with_roles
    newcomer_token = token_for(crew.stranger)
    owner_client = token_for.client(crew.owner)

    async def scenario():
        newcomer = Socket(newcomer_token)
        snapshot = await newcomer.open()
        assert snapshot["payload"]["tripCount"] == 0
        response = await call(
            owner_client.post,
            f"/v1/trips/{crew.trip.pk}/members",
            {"userId": str(crew.stranger.pk), "role": "MEMBER"},
        )
        assert response.status_code == 201, response.content
        # The member-add route invites; the newcomer joins by accepting.
        accepted = await call(
            token_for.client(crew.stranger).post,
            f"/v1/invitations/{response.json()['id']}/accept",
        )
        assert accepted.status_code == 200, accepted.content
        added = await newcomer.receive_event(trip_id=crew.trip.pk)
        assert (added["type"], added["userId"]) == ("MEMBER_ADDED", str(crew.stranger.pk))
        joined = await newcomer.receive_event(trip_id=crew.trip.pk)
        assert joined["type"] == "TRIP_MEMBER_JOINED"
        await call(owner_client.post, chat_url(crew.trip), {"content": "welcome"})
        event = await newcomer.receive_event(trip_id=crew.trip.pk)
        # The acceptance's own event follows the join; with Redis pub/sub it can beat the
        # socket's subscription to the trip (a race in realtime, not in the consent rule).
        if event["type"] == "TRIP_INVITATION_ACCEPTED":
            event = await newcomer.receive_event(trip_id=crew.trip.pk)
        assert (event["type"], event["payload"]["content"]) == ("CHAT_MESSAGE_SENT", "welcome")
        # MEMBER_ADDED came once, though it reached this socket twice (trip and user groups).
        assert await newcomer.trip_events(crew.trip.pk) == []
        await newcomer.close()

    run(scenario)


def test_a_trip_created_after_connecting_is_delivered_to_its_creator(user, token_for):
    token = token_for(user)
    client = token_for.client(user)

    async def scenario():
        phone, tablet = Socket(token), Socket(token)
        await phone.open()
        await tablet.open()
        response = await call(
            client.post,
            "/v1/trips",
            {"name": "Porto", "startDate": "2030-05-01", "endDate": "2030-05-04"},
        )
        assert response.status_code == 201, response.content
        trip_id = response.json()["id"]
        # Once a socket has the news of the join, it has joined: everything after reaches it.
        for socket in (phone, tablet):
            assert (await socket.receive_event(trip_id=trip_id))["type"] == "TRIP_CREATED"
        await call(client.post, f"/v1/trips/{trip_id}/chat/messages", {"content": "first"})
        for socket in (phone, tablet):
            event = await socket.receive_event(trip_id=trip_id)
            assert (event["type"], event["payload"]["content"]) == ("CHAT_MESSAGE_SENT", "first")
            await socket.close()

    run(scenario)


def test_events_about_a_member_reach_them_once(trip_with_roles, token_for):
    """A role change reaches the member through the trip and through their own group: once."""
    crew = trip_with_roles
    member_token = token_for(crew.member)
    owner_client = token_for.client(crew.owner)

    async def scenario():
        member = Socket(member_token)
        await member.open()
        response = await call(
            owner_client.put,
            f"/v1/trips/{crew.trip.pk}/members/{crew.member.pk}/role",
            {"role": "ADMIN"},
        )
        assert response.status_code == 200, response.content
        events = [await member.receive_event(trip_id=crew.trip.pk) for _ in range(2)]
        assert [e["type"] for e in events] == ["MEMBER_ROLE_UPDATED", "TRIP_MEMBER_UPDATED"]
        assert await member.trip_events(crew.trip.pk, timeout=0.5) == []  # no second copies
        await member.close()

    run(scenario)


def test_notification_reaches_only_its_user(trip_with_roles, token_for):
    from apps.notifications.services import notification_create

    crew = trip_with_roles
    member_token, owner_token = token_for(crew.member), token_for(crew.owner)

    async def scenario():
        member, owner = Socket(member_token), Socket(owner_token)
        await member.open()
        await owner.open()
        notification = await call(
            notification_create,
            user_id=crew.member.pk,
            type="TRIP_UPDATED",
            metadata={"tripID": str(crew.trip.pk), "tripName": crew.trip.name},
        )
        event = await member.receive_event()
        assert event["type"] == "notification.created"
        assert event["payload"]["id"] == str(notification.pk)
        assert event["metadata"]["source"] == "NotificationService"
        assert await owner.drain() == []
        await member.close()
        await owner.close()

    run(scenario)


def test_events_of_a_trip_arrive_in_commit_order(trip_with_roles, token_for):
    crew = trip_with_roles
    member_token = token_for(crew.member)
    owner_client = token_for.client(crew.owner)
    contents = [f"message {n}" for n in range(15)]

    async def scenario():
        member = Socket(member_token)
        await member.open()
        for content in contents:
            await call(owner_client.post, chat_url(crew.trip), {"content": content})
        received = [
            (await member.receive_event(trip_id=crew.trip.pk))["payload"]["content"]
            for _ in contents
        ]
        assert received == contents
        await member.close()

    run(scenario)
    stored = list(ChatMessage.objects.order_by("created_at").values_list("content", flat=True))
    assert stored == contents


def test_trip_deleted_is_the_last_event_of_that_trip(trip_with_roles, token_for):
    crew = trip_with_roles
    member_token = token_for(crew.member)
    owner_client = token_for.client(crew.owner)

    async def scenario():
        member = Socket(member_token)
        await member.open()
        response = await call(owner_client.delete, f"/v1/trips/{crew.trip.pk}")
        assert response.status_code in (200, 204)
        assert (await member.receive_event(trip_id=crew.trip.pk))["type"] == "TRIP_DELETED"
        assert await member.trip_events(crew.trip.pk) == []
        snapshot_after = await Socket(member_token).open()
        assert snapshot_after["payload"]["trips"] == []
        await member.close()

    run(scenario)


def test_closing_a_socket_leaves_its_groups_and_spares_the_others(trip_with_roles, token_for):
    crew = trip_with_roles
    token = token_for(crew.member)
    owner_client = token_for.client(crew.owner)

    async def scenario():
        phone, tablet = Socket(token), Socket(token)
        await phone.open()
        await tablet.open()
        for group in (trip_group(crew.trip.pk), user_group(crew.member.pk)):
            assert len(await group_channels(group)) == 2
        await phone.close()
        for group in (trip_group(crew.trip.pk), user_group(crew.member.pk)):
            assert len(await group_channels(group)) == 1
        await call(owner_client.post, chat_url(crew.trip), {"content": "still there?"})
        event = await tablet.receive_event(trip_id=crew.trip.pk)
        assert event["payload"]["content"] == "still there?"
        await tablet.close()

    run(scenario)


async def group_channels(group: str) -> set[str]:
    """The channels a layer has in a group (each layer keeps groups its own way)."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if hasattr(layer, "_get_layer"):  # Redis pub/sub: per event loop, in process memory
        return set(
            layer._get_layer().groups.get(layer._get_layer()._get_group_channel_name(group), ())
        )
    if hasattr(layer, "_group_key"):  # classic Redis: a sorted set per group
        connection = layer.connection(layer.consistent_hash(group))
        return {m.decode() for m in await connection.zrange(layer._group_key(group), 0, -1)}
    return set(layer.groups.get(group, {}))
