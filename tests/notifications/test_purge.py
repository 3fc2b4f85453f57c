"""The daily purge of old read notifications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from apps.notifications.tasks import purge_read_notifications
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_read_notifications_older_than_30_days_are_purged():
    now = timezone.now()
    old_read = NotificationFactory(read=True, read_at=now - timedelta(days=31))
    recent_read = NotificationFactory(read=True, read_at=now - timedelta(days=29))
    old_unread = NotificationFactory(read=False)
    Notification.objects.filter(pk=old_unread.pk).update(created_at=now - timedelta(days=90))

    assert purge_read_notifications({}, None) == 1
    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert remaining == {recent_read.pk, old_unread.pk}
    assert old_read.pk not in remaining
    assert purge_read_notifications({}, None) == 0
