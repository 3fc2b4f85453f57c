"""A notification fan-out reaches each transport in one call (bench/api_latency.py found one
channel-layer round trip per recipient to be most of a chat message's time)."""

import pytest
from django.db import transaction

from apps.core import events
from apps.notifications.models import NotificationType
from apps.notifications.services import notification_create_many
from tests.factories import UserFactory


@pytest.fixture
def batches():
    """A subscriber that takes batches, and records any event that came one by one."""
    singles, received = [], []
    events.subscribe(singles.append, many=received.append)
    yield received, singles
    events.unsubscribe(singles.append)


@pytest.mark.django_db
def test_notifying_many_people_is_one_delivery(batches, django_capture_on_commit_callbacks):
    received, singles = batches
    users = UserFactory.create_batch(5)
    with django_capture_on_commit_callbacks(execute=True):
        notifications = notification_create_many(
            user_ids=[user.pk for user in users],
            type=NotificationType.CHAT_MESSAGE,
            metadata={"senderName": "Ada"},
        )
    assert singles == []
    assert len(received) == 1
    (batch,) = received
    assert [event.recipient_user_ids for event in batch] == [(str(user.pk),) for user in users]
    assert [event.payload["id"] for event in batch] == [str(n.pk) for n in notifications]
    assert {event.type for event in batch} == {"notification.created"}


@pytest.mark.django_db
def test_a_subscriber_without_batches_still_gets_every_event(capture_events):
    users = UserFactory.create_batch(3)
    with capture_events() as delivered:
        notification_create_many(
            user_ids=[user.pk for user in users], type=NotificationType.TRIP_UPDATED
        )
    assert [event.recipient_user_ids for event in delivered] == [(str(u.pk),) for u in users]


def _notify_then_fail(users) -> None:
    with transaction.atomic():
        notification_create_many(
            user_ids=[user.pk for user in users], type=NotificationType.TRIP_UPDATED
        )
        raise RuntimeError("the caller's transaction fails")


@pytest.mark.django_db
def test_a_rolled_back_fan_out_is_not_delivered(batches, django_capture_on_commit_callbacks):
    received, _ = batches
    users = UserFactory.create_batch(2)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        _notify_then_fail(users)
    assert callbacks == []
    assert received == []
