"""The chat services as the WebSocket consumer calls them: no serializer in front, so the
services' own rules, return values and events are what counts."""

import threading

import pytest
from django.db import connection, connections

from apps.chat import services
from apps.chat.models import ChatMessage, ChatReaction, ChatReadState
from apps.core.errors import ApplicationError
from apps.notifications.models import Notification
from apps.trips.permissions import trip_membership_for
from tests.factories import ChatMessageFactory, MembershipFactory, TripFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(db):
    owner = UserFactory(first_name="Olga", last_name="Owner")
    trip = TripFactory(created_by=owner)
    member = MembershipFactory(trip=trip, user=UserFactory(username="mika")).user
    return trip, owner, member


def test_send_returns_created_then_the_same_message_on_retry(crew, capture_events):
    trip, _, member = crew
    with capture_events() as events:
        first, created = services.message_send(
            trip=trip, user=member, content=" Hi ", client_message_id="c-1"
        )
        again, created_again = services.message_send(
            trip=trip, user=member, content=" Hi ", client_message_id="c-1"
        )

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert again.sender == member  # loaded with the sender, ready to serialise
    assert ChatMessage.objects.count() == 1
    [event] = [e for e in events if e.type == "CHAT_MESSAGE_SENT"]
    assert event.payload["clientMessageId"] == "c-1"
    assert "replyToId" not in event.payload


def test_send_carries_the_reply_in_its_event(crew, capture_events):
    trip, owner, member = crew
    original = ChatMessageFactory(trip=trip, sender=owner)
    with capture_events() as events:
        reply, _ = services.message_send(
            trip=trip, user=member, content="Yes", reply_to_id=original.pk
        )
    [event] = [e for e in events if e.type == "CHAT_MESSAGE_SENT"]
    assert event.payload["replyToId"] == str(original.pk)
    assert reply.reply_to_id == original.pk


def test_blank_client_message_id_means_none(crew):
    trip, _, member = crew
    a, _ = services.message_send(trip=trip, user=member, content="a", client_message_id="  ")
    b, created = services.message_send(trip=trip, user=member, content="b", client_message_id="")
    assert created is True
    assert (a.client_message_id, b.client_message_id) == (None, None)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("", "empty_message"),
        (" \n ", "empty_message"),
        ("x" * 1001, "message_too_long"),
        ("a\x00b", "invalid_message"),
        (None, "invalid_message"),
        (42, "invalid_message"),
    ],
)
def test_send_checks_content_without_a_serializer(crew, content, code):
    trip, _, member = crew
    with pytest.raises(ApplicationError) as caught:
        services.message_send(trip=trip, user=member, content=content)
    assert (caught.value.code, caught.value.status_code) == (code, 400)
    assert not ChatMessage.objects.exists()


def test_the_database_refuses_what_the_services_refuse(crew):
    """The constraints hold even for code that skips the services."""
    from django.db import IntegrityError, transaction

    trip, _, member = crew
    for content in ("", "x" * 1001):
        with pytest.raises(IntegrityError), transaction.atomic():
            ChatMessage.objects.create(trip=trip, sender=member, content=content)
    message = ChatMessage.objects.create(trip=trip, sender=member, content="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChatReaction.objects.create(message=message, user=member, emoji="")


def test_send_notifies_everyone_but_the_sender(crew):
    trip, owner, member = crew
    message, _ = services.message_send(trip=trip, user=owner, content="Boarding!")
    [notification] = Notification.objects.all()
    assert notification.user_id == member.pk
    assert notification.metadata["senderName"] == "Olga Owner"
    assert notification.metadata["messageID"] == str(message.pk)


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_store_one_message():
    """Two sockets deliver the same offline message at once: the constraint lets one insert."""
    owner = UserFactory()
    trip = TripFactory(created_by=owner)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def send():
        try:
            barrier.wait(timeout=10)
            results.append(
                services.message_send(
                    trip=trip, user=owner, content="Once", client_message_id="race-1"
                )
            )
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({message.pk for message, _ in results}) == 1
    assert ChatMessage.objects.filter(client_message_id="race-1").count() == 1


def test_edit_and_delete_take_the_membership(crew, capture_events):
    trip, _, member = crew
    membership = trip_membership_for(member, trip.pk, "chat.update")
    message, _ = services.message_send(trip=trip, user=member, content="Draft")

    with capture_events() as events:
        edited = services.message_edit(
            membership=membership, message_id=message.pk, content="Final"
        )
        unchanged = services.message_edit(
            membership=membership, message_id=message.pk, content="Final "
        )
        deleted = services.message_delete(membership=membership, message_id=message.pk)

    assert edited.content == unchanged.content == "Final"
    assert deleted.is_deleted
    assert [e.type for e in events] == ["CHAT_MESSAGE_EDITED", "CHAT_MESSAGE_DELETED"]


def test_reaction_services_report_what_changed(crew, capture_events):
    trip, owner, member = crew
    message = ChatMessageFactory(trip=trip, sender=owner)
    with capture_events() as events:
        reaction, created = services.reaction_add(
            trip=trip, user=member, message_id=message.pk, emoji=" 🔥 "
        )
        _, created_again = services.reaction_add(
            trip=trip, user=member, message_id=message.pk, emoji="🔥"
        )
        removed = services.reaction_remove(
            trip=trip, user=member, message_id=message.pk, emoji="🔥"
        )
        removed_again = services.reaction_remove(
            trip=trip, user=member, message_id=message.pk, emoji="🔥"
        )

    assert (reaction.emoji, created, created_again) == ("🔥", True, False)
    assert (removed, removed_again) == (True, False)
    assert [e.type for e in events] == ["CHAT_REACTION_ADDED", "CHAT_REACTION_REMOVED"]
    assert events[1].payload == {
        "messageId": str(message.pk),
        "tripId": str(trip.pk),
        "reaction": "🔥",
        "user": {"id": str(member.pk), "name": member.display_name},
    }


def test_read_receipt_returns_the_state_and_whether_it_moved(crew):
    trip, owner, member = crew
    older, newer = ChatMessageFactory.create_batch(2, trip=trip, sender=owner)
    state, moved = services.read_receipt_update(trip=trip, user=member, message_id=newer.pk)
    state_again, moved_again = services.read_receipt_update(
        trip=trip, user=member, message_id=older.pk
    )
    assert (moved, moved_again) == (True, False)
    assert state.pk == state_again.pk
    assert state_again.last_read_message_id == newer.pk
    assert ChatReadState.objects.count() == 1


def test_read_receipt_carries_the_readers_avatar(crew, capture_events):
    trip, owner, member = crew
    type(member).objects.filter(pk=member.pk).update(avatar_url="https://example.com/m.png")
    member.refresh_from_db()
    message = ChatMessageFactory(trip=trip, sender=owner)
    with capture_events() as events:
        services.read_receipt_update(trip=trip, user=member, message_id=message.pk)
    assert events[0].payload["userAvatar"] == "https://example.com/m.png"


@pytest.mark.parametrize("is_typing", [True, False])
def test_typing_is_published_and_not_stored(crew, capture_events, is_typing):
    trip, _, member = crew
    with capture_events() as events, connection.execute_wrapper(_no_queries):
        services.typing_status_publish(trip=trip, user=member, is_typing=is_typing)
    [event] = events
    assert (event.type, event.trip_id, event.user_id) == (
        "CHAT_TYPING_STATUS",
        str(trip.pk),
        str(member.pk),
    )
    assert event.payload == {
        "tripId": str(trip.pk),
        "userId": str(member.pk),
        "isTyping": is_typing,
        "username": "mika",
    }


def _no_queries(execute, sql, params, many, context):
    raise AssertionError(f"typing must not touch the database: {sql}")


def test_ids_may_arrive_as_strings_and_bad_ones_are_client_errors(crew):
    """Socket payloads carry ids as strings; a malformed one is a 4xx, never a crash."""
    trip, owner, member = crew
    original = ChatMessageFactory(trip=trip, sender=owner)
    membership = trip_membership_for(member, trip.pk, "chat.update")

    reply, _ = services.message_send(
        trip=trip, user=member, content="ok", reply_to_id=str(original.pk)
    )
    services.reaction_add(trip=trip, user=member, message_id=str(original.pk), emoji="👍")
    state, _ = services.read_receipt_update(trip=trip, user=member, message_id=str(reply.pk))

    assert reply.reply_to_id == original.pk
    assert state.last_read_message_id == reply.pk
    calls = [
        (lambda: services.message_send(trip=trip, user=member, content="x", reply_to_id="z"), 400),
        (lambda: services.message_edit(membership=membership, message_id="z", content="x"), 404),
        (lambda: services.message_delete(membership=membership, message_id=None), 404),
        (lambda: services.reaction_add(trip=trip, user=member, message_id="z", emoji="👍"), 404),
        (lambda: services.reaction_remove(trip=trip, user=member, message_id=7, emoji="👍"), 404),
        (lambda: services.read_receipt_update(trip=trip, user=member, message_id="z"), 400),
    ]
    for call, status in calls:
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.status_code == status
