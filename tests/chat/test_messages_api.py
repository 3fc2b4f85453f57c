"""Chat messages over HTTP: send (idempotent), reply, edit, delete, history pages, content rules,
and the events and notifications a message causes."""

import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.chat.models import ChatMessage, ChatReaction
from apps.notifications.models import Notification
from tests.factories import (
    ChatMessageFactory,
    ChatReactionFactory,
    MembershipFactory,
    TripFactory,
)

pytestmark = pytest.mark.django_db


def messages_url(trip, suffix=""):
    return f"/v1/trips/{trip.pk}/chat/messages{suffix}"


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def bulk_messages(trip, sender, count, prefix="Bulk"):
    """Many rows fast; created_at comes from auto_now_add, one call per row, so it increases."""
    return ChatMessage.objects.bulk_create(
        [ChatMessage(trip=trip, sender=sender, content=f"{prefix} {i}") for i in range(count)],
        batch_size=2000,
    )


def page_through(client, trip, limit):
    """Every page, oldest cursor last; returns (ids in order, pages)."""
    ids, pages, cursor = [], [], None
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get(messages_url(trip), params)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body)
        ids.extend(m["id"] for m in body["messages"])
        if not body["pagination"]["hasMore"]:
            assert "nextCursor" not in body["pagination"]
            return ids, pages
        cursor = body["pagination"]["nextCursor"]


# --- send -----------------------------------------------------------------------------------


def test_send_returns_the_stored_message(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("member").post(
            messages_url(crew.trip), {"content": "  Hello crew  "}, format="json"
        )

    assert response.status_code == 201, response.content
    message = ChatMessage.objects.get()
    assert response.json() == {
        "id": str(message.pk),
        "tripId": str(crew.trip.pk),
        "content": "Hello crew",
        "sender": {"id": str(crew.member.pk), "name": crew.member.display_name},
        "createdAt": iso(message.created_at),
        "deleted": False,
        "reactions": [],
    }
    assert (message.sender_id, message.content, message.client_message_id) == (
        crew.member.pk,
        "Hello crew",
        None,
    )
    sent = [e for e in events if e.type == "CHAT_MESSAGE_SENT"]
    assert len(sent) == 1
    assert (sent[0].trip_id, sent[0].user_id) == (str(crew.trip.pk), str(crew.member.pk))
    assert sent[0].payload == {
        "messageId": str(message.pk),
        "tripId": str(crew.trip.pk),
        "content": "Hello crew",
        "user": {"id": str(crew.member.pk), "name": crew.member.display_name},
        "timestamp": iso(message.created_at),
    }


def test_send_accepts_the_old_message_key(trip_with_roles):
    response = trip_with_roles.client("member").post(
        messages_url(trip_with_roles.trip), {"message": "Old app"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["content"] == "Old app"


def test_sender_shows_their_avatar(trip_with_roles):
    crew = trip_with_roles
    type(crew.member).objects.filter(pk=crew.member.pk).update(
        avatar_url="https://example.com/me.png"
    )
    response = crew.client("member").post(messages_url(crew.trip), {"content": "Hi"}, format="json")
    assert response.json()["sender"]["avatarUrl"] == "https://example.com/me.png"


def test_retry_with_the_same_client_message_id_returns_the_first_message(
    trip_with_roles, capture_events
):
    crew = trip_with_roles
    client = crew.client("member")
    body = {"content": "Offline hello", "clientMessageId": "tmp-42"}
    with capture_events() as events:
        first = client.post(messages_url(crew.trip), body, format="json")
        retry = client.post(messages_url(crew.trip), body, format="json")

    assert first.status_code == 201, first.content
    assert retry.status_code == 200, retry.content
    assert retry.json() == first.json()
    assert first.json()["clientMessageId"] == "tmp-42"
    assert ChatMessage.objects.count() == 1
    assert [e.type for e in events].count("CHAT_MESSAGE_SENT") == 1
    assert Notification.objects.count() == 2  # owner and admin, once


def test_the_same_client_message_id_from_another_user_is_another_message(trip_with_roles):
    crew = trip_with_roles
    body = {"content": "Hi", "clientMessageId": "tmp-1"}
    assert (
        crew.client("member").post(messages_url(crew.trip), body, format="json").status_code == 201
    )
    assert (
        crew.client("admin").post(messages_url(crew.trip), body, format="json").status_code == 201
    )
    assert ChatMessage.objects.filter(client_message_id="tmp-1").count() == 2


def test_client_message_id_reused_in_another_trip_conflicts(trip_with_roles):
    crew = trip_with_roles
    other_trip = TripFactory()
    MembershipFactory(trip=other_trip, user=crew.member)
    ChatMessageFactory(trip=other_trip, sender=crew.member, client_message_id="tmp-9")

    response = crew.client("member").post(
        messages_url(crew.trip), {"content": "Hi", "clientMessageId": "tmp-9"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "client_message_id_conflict"
    assert not ChatMessage.objects.filter(trip=crew.trip).exists()


def test_reply_to_a_message_of_the_trip(trip_with_roles):
    crew = trip_with_roles
    original = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    response = crew.client("member").post(
        messages_url(crew.trip), {"content": "Agreed", "replyToId": str(original.pk)}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["replyToId"] == str(original.pk)
    assert ChatMessage.objects.get(pk=response.json()["id"]).reply_to_id == original.pk


@pytest.mark.parametrize("target", ["other trip", "missing", "malformed"])
def test_reply_to_must_be_a_message_of_the_same_trip(trip_with_roles, target):
    crew = trip_with_roles
    reply_to = {
        "other trip": lambda: str(ChatMessageFactory().pk),
        "missing": lambda: "6f1c1f2e-8c59-4a8e-9a57-2a6f0d1e2b3c",
        "malformed": lambda: "not-a-uuid",
    }[target]()

    response = crew.client("member").post(
        messages_url(crew.trip), {"content": "Hi", "replyToId": reply_to}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["type"] == "VALIDATION"
    assert not ChatMessage.objects.filter(trip=crew.trip).exists()


@pytest.mark.parametrize(
    "content",
    [
        "Olá 👋🏽 👨‍👩‍👧‍👦",
        "مرحبا بالجميع، نلتقي في المطار",  # right to left
        "שלום mixed עם English",
        "e\u0301 a\u0308 Z\u0351\u0352\u0353",  # combining marks stay as sent (no normalising)
        "行こう\uff01🇯🇵",
        "😀" * 1000,  # 1000 code points (4000 bytes in UTF-8)
        "e\u0301" * 500,  # 1000 code points that display as 500 characters
    ],
)
def test_unicode_content_round_trips_exactly(trip_with_roles, content):
    crew = trip_with_roles
    client = crew.client("member")
    created = client.post(messages_url(crew.trip), {"content": content}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["content"] == content
    assert ChatMessage.objects.get().content == content
    listed = client.get(messages_url(crew.trip)).json()["messages"]
    assert [m["content"] for m in listed] == [content]


@pytest.mark.parametrize(
    "body",
    [
        {"content": "a" * 1001},
        {"content": "😀" * 1001},
        {"content": ""},
        {"content": "   \n\t "},
        {"content": "nul\x00byte"},
        {"content": None},
        {},
        {"content": "Hi", "clientMessageId": "x" * 101},
    ],
    ids=["too long", "too long emoji", "empty", "blank", "nul", "null", "missing", "long id"],
)
def test_invalid_content_is_a_400_and_stores_nothing(trip_with_roles, body):
    response = trip_with_roles.client("member").post(
        messages_url(trip_with_roles.trip), body, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "VALIDATION"
    assert not ChatMessage.objects.exists()


def test_new_message_notifies_the_other_active_members(trip_with_roles):
    crew = trip_with_roles
    MembershipFactory(trip=crew.trip, status="INACTIVE")  # left the trip: not notified
    type(crew.member).objects.filter(pk=crew.member.pk).update(first_name="Ana", last_name="Lima")
    long_text = "x" * 150

    response = crew.client("member").post(
        messages_url(crew.trip), {"content": long_text}, format="json"
    )

    assert response.status_code == 201
    message_id = response.json()["id"]
    notifications = Notification.objects.all()
    assert {n.user_id for n in notifications} == {crew.owner.pk, crew.admin.pk}
    for notification in notifications:
        assert notification.type == "CHAT_MESSAGE"
        assert notification.metadata == {
            "chatID": str(crew.trip.pk),
            "messageID": message_id,
            "senderName": "Ana Lima",
            "messagePreview": "x" * 100,
            "tripID": str(crew.trip.pk),
        }


def test_a_failing_notification_never_fails_the_send(trip_with_roles):
    """A real database failure (a trigger refusing notification rows), not a mock."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION refuse_notifications() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'notifications are down'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_notifications BEFORE INSERT ON notifications_notification
            FOR EACH ROW EXECUTE FUNCTION refuse_notifications();
            """
        )
    crew = trip_with_roles

    response = crew.client("member").post(messages_url(crew.trip), {"content": "Hi"}, format="json")

    assert response.status_code == 201, response.content
    assert ChatMessage.objects.filter(pk=response.json()["id"]).exists()
    assert not Notification.objects.exists()


# --- edit and delete ------------------------------------------------------------------------


def test_author_edits_within_the_window(trip_with_roles, capture_events):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.member, content="Teh plan")

    with capture_events() as events:
        response = crew.client("member").put(
            messages_url(crew.trip, f"/{message.pk}"), {"content": " The plan "}, format="json"
        )

    assert response.status_code == 200, response.content
    message.refresh_from_db()
    assert message.content == "The plan"
    assert message.edited_at is not None
    body = response.json()
    assert (body["content"], body["editedAt"]) == ("The plan", iso(message.edited_at))
    assert [(e.type, e.user_id, e.payload) for e in events] == [
        (
            "CHAT_MESSAGE_EDITED",
            str(crew.member.pk),
            {"messageId": str(message.pk), "tripId": str(crew.trip.pk), "content": "The plan"},
        )
    ]


def test_edit_after_fifteen_minutes_is_refused(trip_with_roles):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.member, content="Old")
    ChatMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=15, seconds=5)
    )

    response = crew.client("member").put(
        messages_url(crew.trip, f"/{message.pk}"), {"content": "New"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "edit_window_closed"
    message.refresh_from_db()
    assert (message.content, message.edited_at) == ("Old", None)


def test_edit_just_inside_the_window_is_allowed(trip_with_roles):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.member)
    ChatMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=14, seconds=50)
    )
    response = crew.client("member").put(
        messages_url(crew.trip, f"/{message.pk}"), {"content": "New"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_editing_a_deleted_message_conflicts(trip_with_roles):
    crew = trip_with_roles
    message = ChatMessageFactory(
        trip=crew.trip, sender=crew.member, content="", deleted_at=timezone.now()
    )
    response = crew.client("member").put(
        messages_url(crew.trip, f"/{message.pk}"), {"content": "Back"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "message_deleted"
    message.refresh_from_db()
    assert message.content == ""


@pytest.mark.parametrize("body", [{"content": ""}, {"content": "a" * 1001}, {}])
def test_edit_validates_content(trip_with_roles, body):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.member, content="Keep")
    response = crew.client("member").put(
        messages_url(crew.trip, f"/{message.pk}"), body, format="json"
    )
    assert response.status_code == 400
    message.refresh_from_db()
    assert message.content == "Keep"


def test_delete_is_soft_and_keeps_the_message_in_history(trip_with_roles, capture_events):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.member, content="Oops")
    reply = ChatMessageFactory(trip=crew.trip, sender=crew.owner, reply_to=message)
    ChatReactionFactory(message=message, user=crew.owner)
    client = crew.client("member")

    with capture_events() as events:
        response = client.delete(messages_url(crew.trip, f"/{message.pk}"))

    assert response.status_code == 200, response.content
    assert response.json()["deleted"] is True
    assert response.json()["content"] == ""
    assert response.json()["reactions"] == []
    message.refresh_from_db()
    assert (message.content, message.deleted_at is not None) == ("", True)
    assert not ChatReaction.objects.filter(message=message).exists()
    reply.refresh_from_db()
    assert reply.reply_to_id == message.pk
    assert [(e.type, e.payload) for e in events] == [
        ("CHAT_MESSAGE_DELETED", {"messageId": str(message.pk), "tripId": str(crew.trip.pk)})
    ]
    history = client.get(messages_url(crew.trip)).json()["messages"]
    deleted = next(m for m in history if m["id"] == str(message.pk))
    assert (deleted["deleted"], deleted["content"]) == (True, "")


def test_deleting_twice_is_harmless(trip_with_roles, capture_events):
    crew = trip_with_roles
    message = ChatMessageFactory(trip=crew.trip, sender=crew.member)
    client = crew.client("member")
    assert client.delete(messages_url(crew.trip, f"/{message.pk}")).status_code == 200
    with capture_events() as events:
        again = client.delete(messages_url(crew.trip, f"/{message.pk}"))
    assert again.status_code == 200
    assert again.json()["deleted"] is True
    assert events == []


@pytest.mark.parametrize("method", ["put", "delete"])
def test_a_message_of_another_trip_is_not_found(trip_with_roles, method):
    crew = trip_with_roles
    foreign = ChatMessageFactory(content="Elsewhere")
    response = getattr(crew.client("owner"), method)(
        messages_url(crew.trip, f"/{foreign.pk}"), {"content": "Hijack"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "message_not_found"
    foreign.refresh_from_db()
    assert (foreign.content, foreign.deleted_at) == ("Elsewhere", None)


# --- history --------------------------------------------------------------------------------


def test_history_is_newest_first_with_reactions_and_unread_count(trip_with_roles):
    crew = trip_with_roles
    first = ChatMessageFactory(trip=crew.trip, sender=crew.owner, content="first")
    second = ChatMessageFactory(trip=crew.trip, sender=crew.member, content="second")
    ChatReactionFactory(message=first, user=crew.member, emoji="👍")
    ChatReactionFactory(message=first, user=crew.admin, emoji="👍")
    ChatReactionFactory(message=first, user=crew.admin, emoji="❤️")

    response = crew.client("member").get(messages_url(crew.trip))

    assert response.status_code == 200
    body = response.json()
    assert [m["id"] for m in body["messages"]] == [str(second.pk), str(first.pk)]
    assert body["messages"][1]["reactions"] == [
        {"emoji": "👍", "count": 2, "reactedByMe": True},
        {"emoji": "❤️", "count": 1, "reactedByMe": False},
    ]
    assert body["messages"][0]["reactions"] == []
    assert body["pagination"] == {"hasMore": False, "limit": 50}
    assert body["unreadCount"] == 1  # the owner's message; the member's own doesn't count


@pytest.mark.parametrize(("asked", "used"), [("1", 1), ("100", 100), ("500", 100)])
def test_limit_is_capped_at_100(trip_with_roles, asked, used):
    crew = trip_with_roles
    bulk_messages(crew.trip, crew.owner, 120)
    body = crew.client("member").get(messages_url(crew.trip), {"limit": asked}).json()
    assert body["pagination"]["limit"] == used
    assert len(body["messages"]) == used
    assert body["pagination"]["hasMore"] is True


@pytest.mark.parametrize("limit", ["0", "-3", "ten"])
def test_nonsense_limit_is_a_400(trip_with_roles, limit):
    response = trip_with_roles.client("member").get(
        messages_url(trip_with_roles.trip), {"limit": limit}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"garbage").decode(),
        base64.urlsafe_b64encode(b"2025-01-01T00:00:00+00:00|not-a-uuid").decode(),
        base64.urlsafe_b64encode(
            b"2025-01-01T00:00:00|6f1c1f2e-8c59-4a8e-9a57-2a6f0d1e2b3c"
        ).decode(),  # no offset
        "A" * 300,
    ],
)
def test_bad_cursor_is_a_400(trip_with_roles, cursor):
    response = trip_with_roles.client("member").get(
        messages_url(trip_with_roles.trip), {"cursor": cursor}
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_cursor"


def test_pages_stay_stable_while_new_messages_arrive(trip_with_roles):
    crew = trip_with_roles
    older = bulk_messages(crew.trip, crew.owner, 45)
    client = crew.client("member")

    first = client.get(messages_url(crew.trip), {"limit": 20}).json()
    ChatMessageFactory.create_batch(7, trip=crew.trip, sender=crew.admin)  # arrive meanwhile
    second = client.get(
        messages_url(crew.trip), {"limit": 20, "cursor": first["pagination"]["nextCursor"]}
    ).json()
    ChatMessageFactory.create_batch(3, trip=crew.trip, sender=crew.admin)
    third = client.get(
        messages_url(crew.trip), {"limit": 20, "cursor": second["pagination"]["nextCursor"]}
    ).json()

    seen = [m["id"] for page in (first, second, third) for m in page["messages"]]
    expected = [str(m.pk) for m in sorted(older, key=lambda m: (m.created_at, m.pk), reverse=True)]
    assert seen == expected
    assert third["pagination"]["hasMore"] is False


def test_messages_with_the_same_timestamp_page_without_gaps(trip_with_roles):
    crew = trip_with_roles
    bulk_messages(crew.trip, crew.owner, 30)
    ChatMessage.objects.filter(trip=crew.trip).update(created_at=timezone.now())

    ids, pages = page_through(crew.client("member"), crew.trip, limit=7)

    assert len(pages) == 5
    assert len(ids) == len(set(ids)) == 30
    assert ids == sorted(ids, reverse=True)  # ties broken by id, descending


def test_history_of_another_trip_never_leaks(trip_with_roles):
    crew = trip_with_roles
    ChatMessageFactory.create_batch(3)
    mine = ChatMessageFactory(trip=crew.trip, sender=crew.owner)
    body = crew.client("member").get(messages_url(crew.trip)).json()
    assert [m["id"] for m in body["messages"]] == [str(mine.pk)]


def test_first_page_costs_the_same_queries_for_10_and_10000_messages(
    trip_with_roles, django_assert_max_num_queries
):
    crew = trip_with_roles
    big_trip = TripFactory(created_by=crew.owner)
    MembershipFactory(trip=big_trip, user=crew.member)
    MembershipFactory(trip=big_trip, user=crew.admin)
    for trip, count in ((crew.trip, 10), (big_trip, 10_000)):
        bulk_messages(trip, crew.owner, count)
        newest = ChatMessage.objects.filter(trip=trip).order_by("-created_at", "-id")[:30]
        ChatReaction.objects.bulk_create(
            [
                ChatReaction(message=m, user=u, emoji=e)
                for m in newest
                for u in (crew.admin, crew.member)
                for e in ("👍", "🎉")
            ]
        )
    client = crew.client("member")
    client.get(messages_url(crew.trip))  # warm up: the first call fetches signing keys

    counts = {}
    for trip in (crew.trip, big_trip):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(messages_url(trip), {"limit": 50})
        assert response.status_code == 200
        counts[trip.pk] = len(queries)
        body = response.json()
        assert body["messages"][0]["reactions"] == [
            {"emoji": "👍", "count": 2, "reactedByMe": True},
            {"emoji": "🎉", "count": 2, "reactedByMe": True},
        ]
    assert counts[crew.trip.pk] == counts[big_trip.pk]
    assert body["unreadCount"] == 10_000
    assert len(body["messages"]) == 50
    with django_assert_max_num_queries(counts[big_trip.pk]):
        client.get(messages_url(big_trip), {"limit": 100})
    # user, membership, page with senders, reaction counts, unread count
    assert counts[big_trip.pk] <= 5


# --- the whole conversation -----------------------------------------------------------------


def test_two_members_chat(trip_with_roles, capture_events):
    """Send, retry, reply, react, edit, delete, mark read, then page through 250 messages."""
    crew = trip_with_roles
    ana, ben = crew.client("member"), crew.client("admin")
    url = messages_url(crew.trip)

    with capture_events() as events:
        sent = ana.post(
            url, {"content": "Flight lands 9:40", "clientMessageId": "a-1"}, format="json"
        )
        retried = ana.post(
            url, {"content": "Flight lands 9:40", "clientMessageId": "a-1"}, format="json"
        )
        first_id = sent.json()["id"]
        reply = ben.post(url, {"content": "I'll pick you up", "replyToId": first_id}, format="json")
        reply_id = reply.json()["id"]
        reacted = ana.post(f"{url}/{reply_id}/reactions", {"emoji": "🙏"}, format="json")
        edited = ana.put(f"{url}/{first_id}", {"content": "Flight lands 9:50"}, format="json")
        oops = ben.post(url, {"content": "wrong chat"}, format="json")
        deleted = ben.delete(f"{url}/{oops.json()['id']}")
        marked = ana.put(f"{url}/read", {"lastReadMessageId": reply_id}, format="json")

    assert (sent.status_code, retried.status_code, retried.json()["id"]) == (201, 200, first_id)
    assert (reply.status_code, reply.json()["replyToId"]) == (201, first_id)
    assert reacted.status_code == 201
    assert (edited.status_code, edited.json()["content"]) == (200, "Flight lands 9:50")
    assert "editedAt" in edited.json()
    assert (deleted.status_code, deleted.json()["deleted"]) == (200, True)
    assert marked.status_code == 200, marked.content
    assert marked.json()["lastReadMessageId"] == reply_id
    assert [e.type for e in events if e.type.startswith("CHAT_")] == [
        "CHAT_MESSAGE_SENT",
        "CHAT_MESSAGE_SENT",
        "CHAT_REACTION_ADDED",
        "CHAT_MESSAGE_EDITED",
        "CHAT_MESSAGE_SENT",
        "CHAT_MESSAGE_DELETED",
        "CHAT_READ_RECEIPT",
    ]

    history = ben.get(url).json()["messages"]
    assert [(m["content"], m["deleted"]) for m in history] == [
        ("", True),
        ("I'll pick you up", False),
        ("Flight lands 9:50", False),
    ]
    assert history[1]["reactions"] == [{"emoji": "🙏", "count": 1, "reactedByMe": False}]
    assert ana.get(url).json()["unreadCount"] == 0  # ben's deleted message doesn't count

    bulk_messages(crew.trip, crew.owner, 247)  # 250 in all
    ids, pages = page_through(ana, crew.trip, limit=100)
    assert [len(p["messages"]) for p in pages] == [100, 100, 50]
    assert len(ids) == len(set(ids)) == 250
    assert set(ids) == {str(pk) for pk in ChatMessage.objects.values_list("pk", flat=True)}
