"""The push task against a local Expo stub: batching, ticket handling, idempotency, failures."""

import logging
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.tasks import UnsentMessages
from apps.notifications.models import Notification
from apps.notifications.tasks import resend_unpushed_notifications, send_push_notifications
from apps.users.models import PushToken
from tests.conftest import free_port
from tests.factories import NotificationFactory, PushTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


def push(*notifications):
    send_push_notifications([str(n.id) for n in notifications])


def test_message_shape(user, expo_push):
    token = PushTokenFactory(user=user, token="ExponentPushToken[abc]")
    notification = NotificationFactory(
        user=user,
        type="TRIP_INVITATION_RECEIVED",
        metadata={"inviterName": "Ana", "tripName": "Lisbon", "tripID": "t1", "type": "spoof"},
    )

    push(notification)

    [request] = expo_push.requests
    assert request["headers"]["Content-Type"] == "application/json"
    assert "Authorization" not in request["headers"]
    assert request["body"] == [
        {
            "to": token.token,
            "title": "Trip Invitation",
            "body": "Ana invited you to Lisbon",
            "sound": "default",
            "data": {
                "inviterName": "Ana",
                "tripName": "Lisbon",
                "tripID": "t1",
                "notificationId": str(notification.id),
                "type": "TRIP_INVITATION_RECEIVED",  # metadata can't overwrite it
            },
        }
    ]


def test_chat_push_shows_sender_and_preview(user, expo_push):
    PushTokenFactory(user=user)
    notification = NotificationFactory(
        user=user, type="CHAT_MESSAGE", metadata={"senderName": "Ben", "messagePreview": "Hi!"}
    )

    push(notification)

    [message] = expo_push.messages
    assert (message["title"], message["body"]) == ("Ben", "Hi!")


def test_access_token_is_sent_as_bearer(user, expo_push, settings):
    settings.EXPO_ACCESS_TOKEN = "expo-secret"
    PushTokenFactory(user=user)

    push(NotificationFactory(user=user))

    assert expo_push.requests[0]["headers"]["Authorization"] == "Bearer expo-secret"


def test_250_tokens_go_out_in_batches_of_100(user, expo_push):
    PushTokenFactory.create_batch(250, user=user)
    notification = NotificationFactory(user=user)

    push(notification)

    assert [len(r["body"]) for r in expo_push.requests] == [100, 100, 50]
    assert len({m["to"] for m in expo_push.messages}) == 250
    assert not PushToken.objects.filter(user=user, last_used_at__isnull=True).exists()


def test_one_run_batches_many_notifications_together(expo_push):
    notifications = []
    for recipient in UserFactory.create_batch(3):
        PushTokenFactory.create_batch(2, user=recipient)
        notifications.append(NotificationFactory(user=recipient))

    push(*notifications)

    assert len(expo_push.requests) == 1
    sent = {(m["data"]["notificationId"], m["to"]) for m in expo_push.messages}
    expected = {
        (str(n.id), t.token)
        for n in notifications
        for t in PushToken.objects.filter(user_id=n.user_id)
    }
    assert sent == expected


def test_only_active_tokens_of_the_recipient_get_the_push(user, expo_push):
    active = PushTokenFactory(user=user)
    PushTokenFactory(user=user, is_active=False)
    PushTokenFactory()  # someone else's device

    push(NotificationFactory(user=user))

    assert [m["to"] for m in expo_push.messages] == [active.token]


def test_device_not_registered_deactivates_the_token(user, expo_push):
    dead = PushTokenFactory(user=user)
    alive = PushTokenFactory(user=user)
    expo_push.unregistered.add(dead.token)

    push(NotificationFactory(user=user))

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.is_active is False
    assert dead.last_used_at is None
    assert alive.is_active is True
    assert alive.last_used_at is not None


def test_success_updates_last_used_at(user, expo_push):
    token = PushTokenFactory(user=user, last_used_at=None)

    push(NotificationFactory(user=user))

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_running_twice_sends_once(user, expo_push):
    PushTokenFactory(user=user)
    notification = NotificationFactory(user=user)

    push(notification)
    push(notification)

    assert len(expo_push.messages) == 1
    notification.refresh_from_db()
    assert notification.pushed_at is not None


def test_already_pushed_notifications_are_skipped_in_a_mixed_run(user, expo_push):
    PushTokenFactory(user=user)
    first = NotificationFactory(user=user)
    push(first)
    second = NotificationFactory(user=user)

    push(first, second)

    assert [m["data"]["notificationId"] for m in expo_push.messages] == [
        str(first.id),
        str(second.id),
    ]


def test_expo_down_fails_the_task_and_after_recovery_exactly_one_push_leaves(
    user, expo_push, caplog
):
    """The task raises (Lambda retries it, then dead-letters it), the notification is released,
    and the retry plus the resend schedule together push it once."""
    PushTokenFactory(user=user)
    notification = NotificationFactory(user=user)
    expo_push.status = 500

    with (
        caplog.at_level(logging.ERROR, logger="apps.notifications"),
        pytest.raises(UnsentMessages, match=str(notification.id)),
    ):
        push(notification)

    assert len(expo_push.requests) == 1
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "HTTP 500" in record.getMessage()
    notification.refresh_from_db()
    assert notification.pushed_at is None  # released for the retry

    expo_push.status = 200
    push(notification)  # Lambda's retry
    push(notification)  # a duplicate invocation
    make_overdue(notification)
    assert resend_unpushed_notifications() == 0

    assert len(expo_push.messages) == 2  # the failed attempt and one delivery
    notification.refresh_from_db()
    assert notification.pushed_at is not None


def test_network_failure_raises_and_releases(user, expo_push, settings, caplog):
    PushTokenFactory(user=user)
    notification = NotificationFactory(user=user)
    settings.EXPO_PUSH_URL = f"http://127.0.0.1:{free_port()}/push"  # nothing listens

    with (
        caplog.at_level(logging.ERROR, logger="apps.notifications"),
        pytest.raises(UnsentMessages),
    ):
        push(notification)

    assert any(
        "ConnectionError" in r.getMessage() and str(notification.id) in r.getMessage()
        for r in caplog.records
    )
    assert expo_push.requests == []
    notification.refresh_from_db()
    assert notification.pushed_at is None


def test_timeout_raises_and_releases(user, expo_push, settings, caplog):
    """A server that accepts the connection and never answers."""
    PushTokenFactory(user=user)
    notification = NotificationFactory(user=user)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.EXPO_PUSH_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/push"
        settings.EXPO_PUSH_TIMEOUT_SECONDS = 0.3

        with (
            caplog.at_level(logging.ERROR, logger="apps.notifications"),
            pytest.raises(UnsentMessages),
        ):
            push(notification)

    assert any("Timeout" in r.getMessage() for r in caplog.records)
    notification.refresh_from_db()
    assert notification.pushed_at is None


def test_failed_batch_releases_only_notifications_with_nothing_delivered(expo_push):
    """The first request (all of the first notification's devices) succeeds, the second fails:
    the first notification stays pushed, the second is released and named in the error."""
    first_user, second_user = UserFactory.create_batch(2)
    PushTokenFactory.create_batch(100, user=first_user)
    PushTokenFactory(user=second_user)
    first = NotificationFactory(user=first_user)
    second = NotificationFactory(user=second_user)
    expo_push.next_statuses = [200, 503]

    with pytest.raises(UnsentMessages) as raised:
        push(first, second)

    assert str(second.id) in str(raised.value)
    assert str(first.id) not in str(raised.value)
    assert len(expo_push.requests) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.pushed_at is not None
    assert second.pushed_at is None


def make_overdue(*notifications, minutes=16):
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_the_schedule_pushes_what_every_retry_failed_to_push(user, expo_push):
    PushTokenFactory(user=user)
    overdue, recent, stale = NotificationFactory.create_batch(3, user=user)
    make_overdue(overdue)
    make_overdue(stale, minutes=25 * 60)  # older than PUSH_RESEND_MAX_AGE_HOURS
    expo_push.status = 503

    with pytest.raises(UnsentMessages, match=str(overdue.id)):
        resend_unpushed_notifications()

    expo_push.status = 200
    assert resend_unpushed_notifications() == 1
    assert resend_unpushed_notifications() == 0

    assert [m["data"]["notificationId"] for m in expo_push.messages] == [str(overdue.id)] * 2
    assert set(Notification.objects.filter(pushed_at__isnull=True)) == {recent, stale}


def test_a_push_failure_does_not_fail_the_caller_off_lambda(
    user, expo_push, django_capture_on_commit_callbacks, caplog
):
    """Off Lambda the task runs inline in the caller's on-commit hook: its error is logged
    there, and the notification stays for the resend schedule."""
    from apps.notifications.services import notification_create

    PushTokenFactory(user=user)
    expo_push.status = 503

    with (
        caplog.at_level(logging.ERROR, logger="apps.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = notification_create(user_id=user.pk, type="TRIP_UPDATED")

    assert any("could not dispatch push" in r.getMessage() for r in caplog.records)
    notification.refresh_from_db()
    assert notification.pushed_at is None


def test_disabled_sends_nothing(user, expo_push, settings):
    settings.EXPO_PUSH_ENABLED = False
    PushTokenFactory(user=user)
    notification = NotificationFactory(user=user)

    push(notification)

    assert expo_push.requests == []
    notification.refresh_from_db()
    assert notification.pushed_at is None


def test_recipient_without_devices_sends_nothing(user, expo_push):
    notification = NotificationFactory(user=user)

    push(notification)

    assert expo_push.requests == []
    notification.refresh_from_db()
    assert notification.pushed_at is not None  # nothing left to do for it


def test_malformed_and_unknown_ids_are_ignored(user, expo_push):
    PushTokenFactory(user=user)
    notification = NotificationFactory(user=user)

    send_push_notifications(
        ["not-a-uuid", "00000000-0000-0000-0000-000000000000", str(notification.id)]
    )

    assert [m["data"]["notificationId"] for m in expo_push.messages] == [str(notification.id)]
