"""The /v1/notifications routes: only the caller's own rows, contract §10 shapes and codes."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db
LIST = "/v1/notifications"
RFC3339_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def make(user, minutes_ago=0, **kwargs) -> Notification:
    """A notification with a controlled creation time, so "newest first" is deterministic."""
    notification = NotificationFactory(user=user, **kwargs)
    created = timezone.now() - timedelta(minutes=minutes_ago)
    Notification.objects.filter(pk=notification.pk).update(created_at=created)
    notification.refresh_from_db()
    return notification


@pytest.fixture
def other(db):
    return UserFactory()


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()]


def test_list_returns_own_notifications_newest_first(user, user_client, other):
    older = make(user, minutes_ago=10)
    newer = make(user, minutes_ago=1)
    make(other)

    response = user_client.get(LIST)

    assert response.status_code == 200
    assert ids(response) == [str(newer.id), str(older.id)]


def test_list_item_is_the_contract_notification_object(user, user_client):
    metadata = {
        "inviterName": "Ana",
        "inviterID": "9a1c",
        "tripID": "7b2d",
        "tripName": "Lisbon",
        "invitationID": "5e3f",
        "snake_case_key": {"nested_key": 1},
    }
    notification = make(user, metadata=metadata)

    [item] = user_client.get(LIST).json()

    assert item == {
        "id": str(notification.id),
        "message": "Ana invited you to Lisbon",
        "read": False,
        "createdAt": notification.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "type": "TRIP_INVITATION_RECEIVED",
        "metadata": metadata,  # passed through untouched, not camelized
    }
    assert RFC3339_SECONDS.match(item["createdAt"])


def test_empty_metadata_is_an_object(user, user_client):
    make(user, metadata={}, type="TRIP_UPDATED")

    [item] = user_client.get(LIST).json()

    assert item["metadata"] == {}
    assert item["message"] == "Your trip has been updated"


@pytest.mark.parametrize(("status", "expect_read"), [("read", True), ("unread", False)])
def test_status_filter(user, user_client, status, expect_read):
    read = make(user, read=True, minutes_ago=2)
    unread = make(user, read=False, minutes_ago=1)

    response = user_client.get(LIST, {"status": status})

    assert response.status_code == 200
    assert ids(response) == [str(read.id) if expect_read else str(unread.id)]


@pytest.mark.parametrize("status", ["all", "READ", "true", "1"])
def test_invalid_status_is_400(user_client, status):
    response = user_client.get(LIST, {"status": status})

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "VALIDATION"
    assert body["code"] == "invalid_status"
    assert body["message"] == "status must be 'read' or 'unread'"


def test_empty_status_means_no_filter(user, user_client):
    make(user, read=True)
    make(user)

    assert len(user_client.get(LIST, {"status": ""}).json()) == 2


def test_limit_and_offset_page_through(user, user_client):
    made = [make(user, minutes_ago=m) for m in range(5)]  # made[0] is the newest
    expected = [str(n.id) for n in made]

    first = user_client.get(LIST, {"limit": 2, "offset": 0})
    second = user_client.get(LIST, {"limit": 2, "offset": 2})
    last = user_client.get(LIST, {"limit": 2, "offset": 4})
    beyond = user_client.get(LIST, {"limit": 2, "offset": 10})

    assert ids(first) == expected[:2]
    assert ids(second) == expected[2:4]
    assert ids(last) == expected[4:]
    assert beyond.json() == []


@pytest.mark.parametrize("limit", ["abc", "0", "-3", "101", "1e2", ""])
def test_invalid_limit_means_20(user, user_client, limit):
    NotificationFactory.create_batch(25, user=user)

    response = user_client.get(LIST, {"limit": limit})

    assert response.status_code == 200
    assert len(response.json()) == 20


def test_default_limit_is_20_and_100_is_allowed(user, user_client):
    NotificationFactory.create_batch(105, user=user)

    assert len(user_client.get(LIST).json()) == 20
    assert len(user_client.get(LIST, {"limit": 100}).json()) == 100
    assert len(user_client.get(LIST, {"limit": 1}).json()) == 1


@pytest.mark.parametrize("offset", ["abc", "-1", "2.5"])
def test_invalid_offset_means_0(user, user_client, offset):
    newest = make(user, minutes_ago=0)
    make(user, minutes_ago=5)

    response = user_client.get(LIST, {"offset": offset, "limit": 1})

    assert ids(response) == [str(newest.id)]


def test_huge_offset_is_an_empty_page_not_an_error(user, user_client):
    make(user)

    response = user_client.get(LIST, {"offset": "9" * 30})

    assert response.status_code == 200
    assert response.json() == []


def test_list_query_count_does_not_grow_with_notifications(
    user, user_client, django_assert_max_num_queries
):
    make(user)
    with django_assert_max_num_queries(2):  # the signed-in user, the page
        assert len(user_client.get(LIST).json()) == 1

    NotificationFactory.create_batch(60, user=user)
    with django_assert_max_num_queries(2):
        assert len(user_client.get(LIST, {"limit": 50}).json()) == 50


def test_unread_count_counts_only_own_unread(user, user_client, other):
    NotificationFactory.create_batch(3, user=user)
    NotificationFactory(user=user, read=True)
    NotificationFactory.create_batch(2, user=other)

    response = user_client.get(f"{LIST}/unread-count")

    assert response.status_code == 200
    assert response.json() == {"count": 3}


def test_mark_read(user, user_client):
    notification = make(user)

    response = user_client.patch(f"{LIST}/{notification.id}/read")

    assert response.status_code == 204
    assert response.content == b""
    notification.refresh_from_db()
    assert notification.read is True
    assert notification.read_at is not None


def test_mark_read_twice_keeps_the_first_read_time(user, user_client):
    notification = make(user)
    user_client.patch(f"{LIST}/{notification.id}/read")
    notification.refresh_from_db()
    first = notification.read_at

    response = user_client.patch(f"{LIST}/{notification.id}/read")

    assert response.status_code == 204
    notification.refresh_from_db()
    assert notification.read_at == first


def test_cannot_mark_someone_elses_notification_read(user_client, other):
    theirs = make(other)

    response = user_client.patch(f"{LIST}/{theirs.id}/read")

    assert response.status_code == 404
    assert response.json()["code"] == "notification_not_found"
    theirs.refresh_from_db()
    assert theirs.read is False


def test_mark_read_of_missing_notification_is_404(user_client):
    response = user_client.patch(f"{LIST}/{uuid.uuid4()}/read")

    assert response.status_code == 404
    assert response.json()["type"] == "NOT_FOUND"


@pytest.mark.parametrize(("method", "suffix"), [("patch", "/read"), ("delete", "")])
def test_malformed_id_is_400_invalid_notification_id(user_client, method, suffix):
    response = getattr(user_client, method)(f"{LIST}/not-a-uuid{suffix}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_notification_id"


def test_read_all_marks_only_own_unread(user, user_client, other):
    NotificationFactory.create_batch(3, user=user)
    already = NotificationFactory(user=user, read=True)
    theirs = NotificationFactory(user=other)
    already_read_at = already.read_at

    response = user_client.patch(f"{LIST}/read-all")

    assert response.status_code == 200
    assert response.json() == {"markedAsReadCount": 3}
    assert not Notification.objects.filter(user=user, read=False).exists()
    assert not Notification.objects.filter(user=user, read=True, read_at__isnull=True).exists()
    already.refresh_from_db()
    assert already.read_at == already_read_at
    theirs.refresh_from_db()
    assert theirs.read is False


def test_read_all_with_nothing_unread_is_zero(user_client):
    response = user_client.patch(f"{LIST}/read-all")

    assert response.status_code == 200
    assert response.json() == {"markedAsReadCount": 0}


def test_delete_one(user, user_client):
    notification = make(user)
    keep = make(user)

    response = user_client.delete(f"{LIST}/{notification.id}")

    assert response.status_code == 204
    assert list(Notification.objects.filter(user=user)) == [keep]


def test_cannot_delete_someone_elses_notification(user_client, other):
    theirs = make(other)

    response = user_client.delete(f"{LIST}/{theirs.id}")

    assert response.status_code == 404
    assert Notification.objects.filter(pk=theirs.pk).exists()


def test_delete_all_deletes_only_own(user, user_client, other):
    NotificationFactory.create_batch(4, user=user)
    NotificationFactory.create_batch(2, user=other)

    response = user_client.delete(LIST)

    assert response.status_code == 200
    assert response.json() == {"deletedCount": 4}
    assert not Notification.objects.filter(user=user).exists()
    assert Notification.objects.filter(user=other).count() == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST),
        ("delete", LIST),
        ("get", f"{LIST}/unread-count"),
        ("patch", f"{LIST}/read-all"),
        ("patch", f"{LIST}/{uuid.uuid4()}/read"),
        ("delete", f"{LIST}/{uuid.uuid4()}"),
    ],
)
def test_every_route_needs_a_signed_in_user(api_client, method, path):
    response = getattr(api_client, method)(path)

    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"


def test_literal_routes_are_not_taken_for_ids(user_client):
    """read-all and unread-count come before the id patterns (contract §16)."""
    assert user_client.delete(f"{LIST}/read-all").status_code == 405
    assert user_client.delete(f"{LIST}/unread-count").status_code == 405
