"""The Notification admin: filters and search work, and toggling ``read`` keeps ``read_at`` in
step (a database constraint would otherwise turn the save into a 500)."""

import pytest
from django.test import Client

from apps.notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/notifications/notification/"


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_changelist_filters_and_searches_by_recipient(staff_client):
    wanted = NotificationFactory(
        user=UserFactory(username="findme", email="findme@example.com"), type="CHAT_MESSAGE"
    )
    NotificationFactory(type="CHAT_MESSAGE")
    NotificationFactory(user=wanted.user, type="TRIP_UPDATED")

    response = staff_client.get(
        CHANGELIST,
        {"q": "findme@example.com", "type__exact": "CHAT_MESSAGE", "read__exact": "0"},
        secure=True,
    )

    assert response.status_code == 200
    assert [n.pk for n in response.context["cl"].result_list] == [wanted.pk]


def test_marking_read_in_the_admin_sets_read_at(staff_client):
    notification = NotificationFactory(metadata={"tripName": "Oslo"})

    response = staff_client.post(
        f"{CHANGELIST}{notification.pk}/change/",
        {
            "user": str(notification.user_id),
            "type": notification.type,
            "metadata": '{"tripName": "Oslo"}',
            "read": "on",
        },
        secure=True,
    )

    assert response.status_code == 302, response.content
    notification.refresh_from_db()
    assert notification.read is True
    assert notification.read_at is not None
    assert Notification.objects.count() == 1
