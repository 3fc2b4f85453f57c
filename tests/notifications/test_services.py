"""notification_create / notification_create_many: stored, announced to the recipient only,
pushed after commit, and nothing at all when the caller's transaction rolls back."""

import uuid
from datetime import datetime

import pytest
from django.db import transaction

from apps.notifications.models import Notification
from apps.notifications.services import notification_create, notification_create_many
from tests.factories import PushTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_stores_the_notification(user):
    notification = notification_create(
        user_id=user.id, type="TRIP_INVITATION_RECEIVED", metadata={"tripName": "Lisbon"}
    )

    stored = Notification.objects.get(pk=notification.pk)
    assert stored.user == user
    assert stored.type == "TRIP_INVITATION_RECEIVED"
    assert stored.metadata == {"tripName": "Lisbon"}
    assert stored.read is False
    assert stored.read_at is None
    assert stored.message == "Someone invited you to Lisbon"


def test_create_publishes_notification_created_to_the_recipient_only(
    user, user_client, capture_events
):
    UserFactory.create_batch(2)  # bystanders
    metadata = {
        "inviterName": "Ana",
        "inviterID": str(uuid.uuid4()),
        "tripID": str(uuid.uuid4()),
        "tripName": "Lisbon",
        "invitationID": str(uuid.uuid4()),
    }
    with capture_events() as events:
        notification = notification_create(
            user_id=user.id, type="TRIP_INVITATION_RECEIVED", metadata=metadata
        )

    [event] = events
    assert event.type == "notification.created"
    assert event.recipient_user_ids == (str(user.id),)
    assert event.user_id == str(user.id)
    assert event.trip_id == ""
    assert event.source == "NotificationService"
    assert event.payload == {
        "id": str(notification.id),
        "message": "Ana invited you to Lisbon",
        "read": False,
        "createdAt": notification.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "type": "TRIP_INVITATION_RECEIVED",
        "metadata": metadata,
    }
    # The event carries exactly what the REST list shows for the same notification.
    assert user_client.get("/v1/notifications").json() == [event.payload]


def create_in_failing_transaction(user):
    with transaction.atomic():
        notification_create(user_id=user.id, type="CHAT_MESSAGE", metadata={})
        raise RuntimeError("the caller's transaction fails")


def test_a_rolled_back_notification_announces_nothing(user, capture_events):
    with capture_events() as events, pytest.raises(RuntimeError):
        create_in_failing_transaction(user)

    assert events == []
    assert not Notification.objects.exists()


def test_metadata_is_stored_json_safe(user):
    trip_id = uuid.uuid4()
    notification = notification_create(
        user_id=user.id,
        type="TRIP_UPDATED",
        metadata={"tripID": trip_id, "at": datetime(2025, 6, 1, 12, 0), "tripName": "Oslo"},
    )

    notification.refresh_from_db()
    assert notification.metadata == {
        "tripID": str(trip_id),
        "at": "2025-06-01T12:00:00",
        "tripName": "Oslo",
    }


def test_create_without_metadata_stores_an_empty_object(user):
    notification = notification_create(user_id=user.id, type="TRIP_UPDATED", metadata=None)

    notification.refresh_from_db()
    assert notification.metadata == {}


def test_unknown_type_is_refused(user):
    with pytest.raises(ValueError, match="unknown notification type"):
        notification_create(user_id=user.id, type="NOPE", metadata={})
    assert not Notification.objects.exists()


def test_metadata_must_be_an_object(user):
    with pytest.raises(TypeError):
        notification_create(user_id=user.id, type="CHAT_MESSAGE", metadata=["x"])


def test_create_many_fans_out_one_event_per_recipient(capture_events):
    recipients = UserFactory.create_batch(3)
    metadata = {"senderName": "Ben", "chatID": "c1", "messageID": "m1", "messagePreview": "Hi"}

    with capture_events() as events:
        notifications = notification_create_many(
            user_ids=[r.id for r in recipients] + [recipients[0].id],  # a duplicate
            type="CHAT_MESSAGE",
            metadata=metadata,
        )

    assert len(notifications) == 3
    assert Notification.objects.count() == 3
    assert {n.user_id for n in notifications} == {r.id for r in recipients}
    by_recipient = {event.recipient_user_ids: event for event in events}
    assert set(by_recipient) == {(str(r.id),) for r in recipients}
    for notification in notifications:
        event = by_recipient[(str(notification.user_id),)]
        assert event.type == "notification.created"
        assert event.payload["id"] == str(notification.id)
        assert event.payload["message"] == "Ben sent a message"
        assert event.payload["metadata"] == metadata


def test_create_many_with_no_recipients_does_nothing(capture_events):
    with capture_events() as events:
        assert notification_create_many(user_ids=[], type="CHAT_MESSAGE", metadata={}) == []
    assert events == []


@pytest.mark.parametrize("recipients", [2, 10])
def test_create_many_uses_one_insert_whatever_the_fan_out(recipients, django_assert_num_queries):
    user_ids = [u.id for u in UserFactory.create_batch(recipients)]

    with django_assert_num_queries(1):  # one INSERT, no savepoint around it
        notification_create_many(user_ids=user_ids, type="CHAT_MESSAGE", metadata={})


def test_create_pushes_after_commit_when_enabled(user, capture_events, expo_push):
    PushTokenFactory(user=user, token="ExponentPushToken[phone]")

    with capture_events():
        notification = notification_create(
            user_id=user.id,
            type="TRIP_INVITATION_RECEIVED",
            metadata={"inviterName": "Ana", "tripName": "Lisbon"},
        )
        assert expo_push.requests == []  # nothing before commit

    [message] = expo_push.messages
    assert message["to"] == "ExponentPushToken[phone]"
    assert message["body"] == "Ana invited you to Lisbon"
    assert message["data"]["notificationId"] == str(notification.id)
    notification.refresh_from_db()
    assert notification.pushed_at is not None


def test_create_many_pushes_all_recipients_in_one_request(capture_events, expo_push):
    recipients = UserFactory.create_batch(3)
    for recipient in recipients:
        PushTokenFactory(user=recipient)

    with capture_events():
        notification_create_many(
            user_ids=[r.id for r in recipients], type="CHAT_MESSAGE", metadata={}
        )

    assert len(expo_push.requests) == 1
    assert len(expo_push.messages) == 3


def test_rolled_back_notification_is_never_pushed(user, capture_events, expo_push):
    PushTokenFactory(user=user)

    with capture_events(), pytest.raises(RuntimeError):
        create_in_failing_transaction(user)

    assert expo_push.requests == []


def test_no_push_is_scheduled_when_disabled(user, capture_events, expo_push, settings):
    settings.EXPO_PUSH_ENABLED = False
    PushTokenFactory(user=user)

    with capture_events() as events:
        notification = notification_create(user_id=user.id, type="CHAT_MESSAGE", metadata={})

    assert len(events) == 1  # the in-app event still goes out
    assert expo_push.requests == []
    notification.refresh_from_db()
    assert notification.pushed_at is None
