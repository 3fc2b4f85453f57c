"""The chat history page is built from values() rows and without DRF's per-field machinery
(issue 16); its JSON must be what the declared ChatMessageSerializer fields (the schema) give
for the same messages loaded as models, in every shape a message can take."""

import json
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from djangorestframework_camel_case.util import camelize
from rest_framework import serializers

from apps.chat.models import ChatMessage
from apps.chat.selectors import attach_reaction_summaries
from apps.chat.serializers import ChatMessageSerializer
from tests.factories import ChatMessageFactory, ChatReactionFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def declared_fields_json(message) -> dict:
    """What the serializer's declared fields render (DRF's generic path), optional keys
    left out when null as the contract says."""
    data = serializers.Serializer.to_representation(ChatMessageSerializer(), message)
    for name in ChatMessageSerializer.OPTIONAL:
        if data.get(name) is None:
            data.pop(name, None)
    return json.loads(json.dumps(camelize(data), cls=DjangoJSONEncoder))


def test_history_page_json_is_the_declared_serializers(trip_with_roles):
    crew = trip_with_roles
    trip, viewer = crew.trip, crew.owner
    crew.member.avatar_url = "https://example.com/ana.png"
    crew.member.first_name, crew.member.last_name = "Ana", "Silva"
    crew.member.save()
    gone = MembershipFactory(trip=trip).user  # will delete their account
    soft = MembershipFactory(trip=trip).user  # deleted_at set: "Deleted user"
    now = timezone.now()
    first = ChatMessageFactory(trip=trip, sender=crew.member, content="plain")
    reply = ChatMessageFactory(
        trip=trip, sender=crew.admin, content="a reply", reply_to=first, client_message_id="c-1"
    )
    edited = ChatMessageFactory(trip=trip, sender=viewer, content="edited")
    ChatMessage.objects.filter(pk=edited.pk).update(edited_at=now + timedelta(microseconds=7))
    deleted = ChatMessageFactory(trip=trip, sender=crew.member, content="x")
    ChatMessage.objects.filter(pk=deleted.pk).update(content="", deleted_at=now)
    orphan = ChatMessageFactory(trip=trip, sender=gone, content="from a former member")
    ChatMessage.objects.filter(pk=orphan.pk).update(sender=None)
    ChatMessageFactory(trip=trip, sender=soft, content="from a soft-deleted account")
    type(soft).objects.filter(pk=soft.pk).update(deleted_at=now, is_active=False)
    for user, emoji in [(viewer, "👍"), (crew.member, "👍"), (crew.admin, "🎉")]:
        ChatReactionFactory(message=first, user=user, emoji=emoji)
    ChatReactionFactory(message=reply, user=crew.member, emoji="❤️")

    response = crew.client("owner").get(f"/v1/trips/{trip.pk}/chat/messages?limit=50")

    assert response.status_code == 200, response.content
    models = list(
        ChatMessage.objects.filter(trip=trip)
        .select_related("sender")
        .order_by("-created_at", "-id")
    )
    attach_reaction_summaries(models, viewer=viewer)
    expected = [declared_fields_json(message) for message in models]
    assert response.json()["messages"] == expected
    assert len(expected) == 6
    by_content = {m["content"]: m for m in expected}
    assert by_content["a reply"]["replyToId"] == str(first.pk)
    assert by_content["a reply"]["clientMessageId"] == "c-1"
    assert "editedAt" in by_content["edited"]
    assert by_content[""]["deleted"] is True
    assert by_content["from a former member"]["sender"] == {"id": None, "name": "Former member"}
    assert by_content["from a soft-deleted account"]["sender"]["name"] == "Deleted user"
    assert by_content["plain"]["sender"] == {
        "id": str(crew.member.pk),
        "name": "Ana Silva",
        "avatarUrl": "https://example.com/ana.png",
    }
    assert by_content["plain"]["reactions"] == [
        {"emoji": "👍", "count": 2, "reactedByMe": True},
        {"emoji": "🎉", "count": 1, "reactedByMe": False},
    ]


def test_a_sent_message_is_the_declared_serializers_json(member_client, trip_with_roles):
    trip = trip_with_roles.trip
    response = member_client.post(
        f"/v1/trips/{trip.pk}/chat/messages",
        {"content": "hello", "clientMessageId": "c-9"},
        format="json",
    )
    assert response.status_code == 201, response.content
    message = ChatMessage.objects.select_related("sender").get(client_message_id="c-9")
    attach_reaction_summaries([message], viewer=trip_with_roles.member)
    assert response.json() == declared_fields_json(message)
