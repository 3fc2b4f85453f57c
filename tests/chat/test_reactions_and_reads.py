"""Reactions and read marks over HTTP, and the unread counts built on the marks."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.settings import api_settings

from apps.chat.models import (
    MAX_DISTINCT_EMOJI_PER_MESSAGE,
    MAX_REACTIONS_PER_USER_PER_MESSAGE,
    ChatMessage,
    ChatReaction,
    ChatReadState,
)
from apps.chat.selectors import unread_counts_for
from tests.factories import (
    ChatMessageFactory,
    ChatReactionFactory,
    MembershipFactory,
    TripFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def chat_url(trip, suffix):
    return f"/v1/trips/{trip.pk}/chat{suffix}"


def reactions_url(message, suffix=""):
    return chat_url(message.trip, f"/messages/{message.pk}/reactions{suffix}")


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


# --- reactions ------------------------------------------------------------------------------


def test_add_reaction(trip_with_roles, capture_events):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)

    with capture_events() as events:
        response = crew.client("member").post(
            reactions_url(message), {"emoji": "👍🏽"}, format="json"
        )

    assert response.status_code == 201, response.content
    reaction = ChatReaction.objects.get()
    assert (reaction.message_id, reaction.user_id, reaction.emoji) == (
        message.pk,
        crew.member.pk,
        "👍🏽",
    )
    assert response.json() == {
        "id": str(reaction.pk),
        "messageId": str(message.pk),
        "tripId": str(crew.trip.pk),
        "userId": str(crew.member.pk),
        "emoji": "👍🏽",
        "createdAt": iso(reaction.created_at),
    }
    assert [(e.type, e.user_id, e.payload) for e in events] == [
        (
            "CHAT_REACTION_ADDED",
            str(crew.member.pk),
            {
                "messageId": str(message.pk),
                "tripId": str(crew.trip.pk),
                "reaction": "👍🏽",
                "user": {"id": str(crew.member.pk), "name": crew.member.display_name},
            },
        )
    ]


def test_adding_the_same_reaction_twice_is_one_reaction(trip_with_roles, capture_events):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    client = crew.client("member")
    first = client.post(reactions_url(message), {"emoji": "🎉"}, format="json")
    with capture_events() as events:
        again = client.post(reactions_url(message), {"emoji": "🎉"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert ChatReaction.objects.count() == 1
    assert events == []


def test_different_emojis_and_users_are_separate_reactions(trip_with_roles):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    for role, emoji in (("member", "🎉"), ("member", "👍"), ("admin", "🎉")):
        response = crew.client(role).post(reactions_url(message), {"emoji": emoji}, format="json")
        assert response.status_code == 201
    assert ChatReaction.objects.count() == 3


EMOJI = [chr(0x1F600 + n) for n in range(30)]


def test_one_person_has_a_bounded_number_of_reactions_per_message(trip_with_roles):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    client = crew.client("member")
    for emoji in EMOJI[:MAX_REACTIONS_PER_USER_PER_MESSAGE]:
        response = client.post(reactions_url(message), {"emoji": emoji}, format="json")
        assert response.status_code == 201

    refused = client.post(reactions_url(message), {"emoji": EMOJI[29]}, format="json")
    again = client.post(reactions_url(message), {"emoji": EMOJI[0]}, format="json")

    assert refused.status_code == 409
    assert refused.json()["code"] == "too_many_reactions"
    assert set(refused.json()) >= {"type", "code", "message", "requestId"}
    assert again.status_code == 200  # the same reaction again is still fine
    assert ChatReaction.objects.filter(user=crew.member).count() == (
        MAX_REACTIONS_PER_USER_PER_MESSAGE
    )


def test_a_message_carries_a_bounded_number_of_different_reactions(trip_with_roles):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    for emoji in EMOJI[:MAX_DISTINCT_EMOJI_PER_MESSAGE]:
        ChatReactionFactory(message=message, user=UserFactory(), emoji=emoji)
    client = crew.client("member")

    refused = client.post(reactions_url(message), {"emoji": EMOJI[29]}, format="json")
    joined = client.post(reactions_url(message), {"emoji": EMOJI[0]}, format="json")

    assert refused.status_code == 409
    assert refused.json()["code"] == "too_many_reactions"
    assert joined.status_code == 201  # an emoji already there can still be added to
    assert ChatReaction.objects.filter(message=message).values("emoji").distinct().count() == (
        MAX_DISTINCT_EMOJI_PER_MESSAGE
    )


def test_reactions_are_rate_limited(trip_with_roles, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, "chat_react": "3/min"},
    }
    cache.clear()
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    client = crew.client("member")
    statuses = [
        client.post(reactions_url(message), {"emoji": "👍"}, format="json").status_code,
        client.delete(reactions_url(message, "/" + quote("👍"))).status_code,
        client.post(reactions_url(message), {"emoji": "🎉"}, format="json").status_code,
    ]
    limited = client.post(reactions_url(message), {"emoji": "🔥"}, format="json")
    cache.clear()

    assert statuses == [201, 200, 201]
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert list(ChatReaction.objects.values_list("emoji", flat=True)) == ["🎉"]


@pytest.mark.parametrize(
    "emoji", ["", "   ", "a" * 11, "👍" * 11, "x\x00"], ids=["empty", "blank", "11", "11e", "nul"]
)
def test_invalid_emoji_is_a_400(trip_with_roles, emoji):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    response = crew.client("member").post(reactions_url(message), {"emoji": emoji}, format="json")
    assert response.status_code == 400
    assert not ChatReaction.objects.exists()


def test_family_emoji_of_seven_code_points_fits(trip_with_roles):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    response = crew.client("member").post(
        reactions_url(message), {"emoji": "👨‍👩‍👧‍👦"}, format="json"
    )
    assert response.status_code == 201
    assert ChatReaction.objects.get().emoji == "👨‍👩‍👧‍👦"


def test_reacting_to_a_deleted_message_conflicts(trip_with_roles):
    crew = trip_with_roles
    message = ChatMessageFactory(
        trip=crew.trip, sender=crew.owner, content="", deleted_at=timezone.now()
    )
    response = crew.client("member").post(reactions_url(message), {"emoji": "👍"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "message_deleted"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_reactions_of_a_message_in_another_trip_are_not_found(trip_with_roles, method):
    crew = trip_with_roles
    foreign = ChatMessageFactory()
    ChatReactionFactory(message=foreign, emoji="👍")
    url = chat_url(crew.trip, f"/messages/{foreign.pk}/reactions")
    if method == "delete":
        url += "/" + quote("👍")
    response = getattr(crew.client("member"), method)(url, {"emoji": "👍"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "message_not_found"
    assert ChatReaction.objects.count() == 1


def test_remove_reaction_with_an_encoded_emoji(trip_with_roles, capture_events):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    mine = ChatReactionFactory(message=message, user=crew.member, emoji="❤️")
    theirs = ChatReactionFactory(message=message, user=crew.admin, emoji="❤️")

    with capture_events() as events:
        response = crew.client("member").delete(reactions_url(message, "/" + quote("❤️")))

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "Reaction removed"}
    assert list(ChatReaction.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert not ChatReaction.objects.filter(pk=mine.pk).exists()
    assert [(e.type, e.payload["reaction"]) for e in events] == [("CHAT_REACTION_REMOVED", "❤️")]


def test_removing_a_reaction_that_is_not_there_is_harmless(trip_with_roles, capture_events):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    with capture_events() as events:
        response = crew.client("member").delete(reactions_url(message, "/" + quote("👍")))
    assert response.status_code == 200
    assert events == []


def test_list_reactions(trip_with_roles):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    first = ChatReactionFactory(message=message, user=crew.admin, emoji="👍")
    second = ChatReactionFactory(message=message, user=crew.member, emoji="🎉")
    ChatReactionFactory(message=ChatMessageFactory(trip=crew.trip, sender=crew.owner))

    response = crew.client("member").get(reactions_url(message))

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": str(r.pk),
            "messageId": str(message.pk),
            "tripId": str(crew.trip.pk),
            "userId": str(r.user_id),
            "emoji": r.emoji,
            "createdAt": iso(r.created_at),
        }
        for r in (first, second)
    ]


# --- read marks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "key"),
    [
        ("put", "/messages/read", "lastReadMessageId"),
        ("put", "/messages/read", "messageId"),
        ("post", "/messages/read", "message_id"),
        ("put", "/last-read", "last_message_id"),
        ("put", "/last-read", "lastMessageId"),
    ],
)
def test_mark_read_in_every_spelling(trip_with_roles, capture_events, method, path, key):
    crew = trip_with_roles
    older = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    newest = ChatMessageFactory(trip=crew.trip, sender=crew.admin)

    with capture_events() as events:
        response = getattr(crew.client("member"), method)(
            chat_url(crew.trip, path), {key: str(older.pk)}, format="json"
        )

    assert response.status_code == 200, response.content
    state = ChatReadState.objects.get(trip=crew.trip, user=crew.member)
    assert (state.last_read_message_id, state.last_read_at) == (older.pk, older.created_at)
    assert response.json() == {
        "status": "Read status updated",
        "lastReadMessageId": str(older.pk),
        "lastReadAt": iso(older.created_at),
        "unreadCount": 1,
    }
    assert newest.pk != older.pk
    [event] = events
    assert (event.type, event.user_id) == ("CHAT_READ_RECEIPT", str(crew.member.pk))
    assert event.payload == {
        "messageId": str(older.pk),
        "tripId": str(crew.trip.pk),
        "userId": str(crew.member.pk),
        "userName": crew.member.display_name,
        "timestamp": event.payload["timestamp"],
    }
    assert event.payload["timestamp"].endswith("Z")


def test_read_mark_only_moves_forward(trip_with_roles, capture_events):
    crew = trip_with_roles
    older = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    newer = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    client = crew.client("member")
    url = chat_url(crew.trip, "/messages/read")

    assert client.put(url, {"lastReadMessageId": str(newer.pk)}, format="json").status_code == 200
    with capture_events() as events:
        back = client.put(url, {"lastReadMessageId": str(older.pk)}, format="json")
        same = client.put(url, {"lastReadMessageId": str(newer.pk)}, format="json")

    assert back.status_code == same.status_code == 200
    assert back.json()["lastReadMessageId"] == str(newer.pk)
    state = ChatReadState.objects.get()
    assert state.last_read_message_id == newer.pk
    assert events == []  # nothing moved, nothing announced


def test_read_mark_orders_messages_with_the_same_timestamp_by_id(trip_with_roles):
    crew = trip_with_roles
    a, b = ChatMessageFactory.create_batch(2, trip=crew.trip, sender=crew.owner)
    ChatMessage.objects.filter(pk__in=[a.pk, b.pk]).update(created_at=timezone.now())
    low, high = sorted([a, b], key=lambda m: m.pk)
    url = chat_url(crew.trip, "/messages/read")
    client = crew.client("member")

    client.put(url, {"lastReadMessageId": str(high.pk)}, format="json")
    client.put(url, {"lastReadMessageId": str(low.pk)}, format="json")

    assert ChatReadState.objects.get().last_read_message_id == high.pk
    assert unread_counts_for(crew.member, [crew.trip.pk]) == {crew.trip.pk: 0}


@pytest.mark.parametrize("body", [{}, {"lastReadMessageId": "nope"}], ids=["missing", "bad"])
def test_mark_read_needs_a_message_id(trip_with_roles, body):
    response = trip_with_roles.client("member").put(
        chat_url(trip_with_roles.trip, "/messages/read"), body, format="json"
    )
    assert response.status_code == 400
    assert not ChatReadState.objects.exists()


def test_mark_read_with_a_message_of_another_trip_is_refused(trip_with_roles):
    foreign = ChatMessageFactory()
    response = trip_with_roles.client("member").put(
        chat_url(trip_with_roles.trip, "/messages/read"),
        {"lastReadMessageId": str(foreign.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_message_id"
    assert not ChatReadState.objects.exists()


def test_unread_count_follows_the_mark(trip_with_roles):
    crew = trip_with_roles
    client = crew.client("member")
    messages = ChatMessageFactory.create_batch(4, trip=crew.trip, sender=crew.owner)
    ChatMessageFactory(trip=crew.trip, sender=crew.member)  # own messages are never unread
    ChatMessageFactory(trip=crew.trip, sender=crew.admin, content="", deleted_at=timezone.now())

    assert client.get(chat_url(crew.trip, "/messages")).json()["unreadCount"] == 4
    client.put(
        chat_url(crew.trip, "/messages/read"), {"messageId": str(messages[1].pk)}, format="json"
    )
    assert client.get(chat_url(crew.trip, "/messages")).json()["unreadCount"] == 2


def test_unread_counts_for_many_trips_in_one_query(trip_with_roles):
    crew = trip_with_roles
    quiet, busy, unread_none = (TripFactory() for _ in range(3))
    for trip in (quiet, busy, unread_none):
        MembershipFactory(trip=trip, user=crew.member)
    others = UserFactory()
    ChatMessageFactory.create_batch(3, trip=crew.trip, sender=crew.owner)
    busy_messages = ChatMessageFactory.create_batch(6, trip=busy, sender=others)
    ChatReadState.objects.create(
        trip=busy,
        user=crew.member,
        last_read_message_id=busy_messages[3].pk,
        last_read_at=busy_messages[3].created_at,
    )
    last = ChatMessageFactory(trip=unread_none, sender=others)
    ChatReadState.objects.create(
        trip=unread_none,
        user=crew.member,
        last_read_message_id=last.pk,
        last_read_at=last.created_at + timedelta(seconds=1),
    )
    # Someone else's read mark must not count for the member.
    ChatReadState.objects.create(
        trip=crew.trip,
        user=crew.owner,
        last_read_message_id=last.pk,
        last_read_at=timezone.now() + timedelta(days=1),
    )

    with CaptureQueriesContext(connection) as queries:
        counts = unread_counts_for(
            crew.member, [crew.trip.pk, str(quiet.pk), busy.pk, unread_none.pk]
        )

    assert len(queries) == 1
    assert counts == {crew.trip.pk: 3, quiet.pk: 0, busy.pk: 2, unread_none.pk: 0}
    assert unread_counts_for(crew.member, []) == {}
