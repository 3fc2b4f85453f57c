"""Every chat route against every role: strangers and former members get 404 (the trip's
existence is not revealed), every member reaches it; then the author rules of edit and delete."""

import pytest

from apps.chat.models import ChatMessage, ChatReaction
from tests.factories import ChatMessageFactory, ChatReactionFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = ("owner", "admin", "member", "stranger")


def base(crew):
    return f"/v1/trips/{crew.trip.pk}/chat"


def own_message(crew, role):
    """A message the caller wrote (the member's, for a stranger, who has none)."""
    author = crew.users["member" if role == "stranger" else role]
    return ChatMessageFactory(trip=crew.trip, sender=author)


def reacted_message(crew, role):
    message = own_message(crew, role)
    ChatReactionFactory(message=message, user=crew.users[role], emoji="🎉")
    return message


# name: request maker(crew, role) -> (method, url, body), success status
ROUTES = {
    "list messages": (lambda c, r: ("get", f"{base(c)}/messages", None), 200),
    "send message": (lambda c, r: ("post", f"{base(c)}/messages", {"content": "Hi"}), 201),
    "edit message": (
        lambda c, r: (
            "put",
            f"{base(c)}/messages/{own_message(c, r).pk}",
            {"content": "Edited"},
        ),
        200,
    ),
    "delete message": (
        lambda c, r: ("delete", f"{base(c)}/messages/{own_message(c, r).pk}", None),
        200,
    ),
    "mark read (PUT)": (
        lambda c, r: (
            "put",
            f"{base(c)}/messages/read",
            {"lastReadMessageId": str(own_message(c, r).pk)},
        ),
        200,
    ),
    "mark read (POST)": (
        lambda c, r: (
            "post",
            f"{base(c)}/messages/read",
            {"message_id": str(own_message(c, r).pk)},
        ),
        200,
    ),
    "last read": (
        lambda c, r: (
            "put",
            f"{base(c)}/last-read",
            {"last_message_id": str(own_message(c, r).pk)},
        ),
        200,
    ),
    "list reactions": (
        lambda c, r: ("get", f"{base(c)}/messages/{own_message(c, r).pk}/reactions", None),
        200,
    ),
    "add reaction": (
        lambda c, r: (
            "post",
            f"{base(c)}/messages/{own_message(c, r).pk}/reactions",
            {"emoji": "👍"},
        ),
        201,
    ),
    "remove reaction": (
        lambda c, r: (
            "delete",
            f"{base(c)}/messages/{reacted_message(c, r).pk}/reactions/%F0%9F%8E%89",
            None,
        ),
        200,
    ),
}


def call(client, method, url, body):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", list(ROUTES))
def test_route_by_role(trip_with_roles, route, role):
    make_request, success = ROUTES[route]
    method, url, body = make_request(trip_with_roles, role)
    messages_before = ChatMessage.objects.count()
    reactions_before = ChatReaction.objects.count()

    response = call(trip_with_roles.client(role), method, url, body)

    if role == "stranger":
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "trip_not_found"
        assert ChatMessage.objects.count() == messages_before
        assert ChatReaction.objects.count() == reactions_before
        assert not ChatMessage.objects.filter(deleted_at__isnull=False).exists()
        assert not ChatMessage.objects.filter(edited_at__isnull=False).exists()
    else:
        assert response.status_code == success, response.content


@pytest.mark.parametrize("route", list(ROUTES))
def test_former_member_is_a_stranger(trip_with_roles, route):
    make_request, _ = ROUTES[route]
    method, url, body = make_request(trip_with_roles, "member")
    trip_with_roles.trip.memberships.filter(user=trip_with_roles.member).update(status="INACTIVE")

    response = call(trip_with_roles.client("member"), method, url, body)

    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"


def test_chat_of_a_deleted_trip_is_not_found(trip_with_roles):
    from django.utils import timezone

    type(trip_with_roles.trip).objects.filter(pk=trip_with_roles.trip.pk).update(
        deleted_at=timezone.now()
    )
    response = trip_with_roles.client("owner").get(f"{base(trip_with_roles)}/messages")
    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"


def test_signed_out_caller_gets_401(trip_with_roles, api_client):
    response = api_client.get(f"{base(trip_with_roles)}/messages")
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"


@pytest.mark.parametrize("editor", ["owner", "admin", "member"])
def test_only_the_author_may_edit(trip_with_roles, editor):
    author = "admin" if editor == "member" else "member"
    message = ChatMessageFactory(
        trip=trip_with_roles.trip, sender=trip_with_roles.users[author], content="Mine"
    )

    response = trip_with_roles.client(editor).put(
        f"{base(trip_with_roles)}/messages/{message.pk}", {"content": "Not yours"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "not_author"
    message.refresh_from_db()
    assert (message.content, message.edited_at) == ("Mine", None)


@pytest.mark.parametrize("deleter", ["owner", "admin"])
def test_admins_may_delete_a_members_message(trip_with_roles, deleter):
    message = ChatMessageFactory(trip=trip_with_roles.trip, sender=trip_with_roles.member)

    response = trip_with_roles.client(deleter).delete(
        f"{base(trip_with_roles)}/messages/{message.pk}"
    )

    assert response.status_code == 200, response.content
    assert response.json()["deleted"] is True
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert message.content == ""


def test_member_may_not_delete_someone_elses_message(trip_with_roles):
    other = MembershipFactory(trip=trip_with_roles.trip).user
    message = ChatMessageFactory(trip=trip_with_roles.trip, sender=other, content="Keep me")

    response = trip_with_roles.client("member").delete(
        f"{base(trip_with_roles)}/messages/{message.pk}"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_role"
    message.refresh_from_db()
    assert (message.content, message.deleted_at) == ("Keep me", None)
