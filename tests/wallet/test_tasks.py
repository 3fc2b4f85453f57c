"""The wallet's schedules, called as Zappa calls them: the purge of deleted documents and the
expiry reminders (each sent once, however often the schedule runs)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from apps.wallet import tasks
from apps.wallet.models import WalletDocument, WalletReminder
from tests.factories import MembershipFactory, TripFactory, UserFactory, WalletDocumentFactory
from tests.wallet.conftest import PDF

pytestmark = pytest.mark.django_db
EVENT = {"detail-type": "Scheduled Event"}


def _document(*, days: int, document_type="passport", **kwargs):
    expires = timezone.localdate() + timedelta(days=days)
    return WalletDocumentFactory(
        document_type=document_type,
        metadata={"expiry_date": expires.isoformat()},
        expires_on=expires,
        **kwargs,
    )


def _notified(user) -> list[dict]:
    return list(
        Notification.objects.filter(user=user, type="WALLET_DOCUMENT_EXPIRING")
        .order_by("created_at")
        .values_list("metadata", flat=True)
    )


def test_purge_removes_rows_deleted_over_30_days_ago_and_their_objects(
    wallet_bucket, s3, django_capture_on_commit_callbacks
):
    now = timezone.now()
    old = WalletDocumentFactory(deleted_at=now - timedelta(days=31))
    recent = WalletDocumentFactory(deleted_at=now - timedelta(days=29))
    alive = WalletDocumentFactory()
    s3.put_object(Bucket=wallet_bucket, Key=old.storage_key, Body=PDF)  # a failed delete's leftover

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_deleted_documents(EVENT, None) == 1

    assert set(WalletDocument.objects.values_list("pk", flat=True)) == {recent.pk, alive.pk}
    assert s3.list_objects_v2(Bucket=wallet_bucket).get("KeyCount", 0) == 0
    assert tasks.purge_deleted_documents(EVENT, None) == 0  # safe to run twice


@pytest.mark.parametrize(
    ("days", "kind"), [(90, "expiry_90"), (45, "expiry_90"), (30, "expiry_30"), (7, "expiry_7")]
)
def test_a_reminder_is_sent_once_at_each_threshold(days, kind):
    document = _document(days=days)

    assert tasks.send_expiry_reminders(EVENT, None) == 1
    assert tasks.send_expiry_reminders(EVENT, None) == 0

    [metadata] = _notified(document.user)
    assert metadata["documentID"] == str(document.pk)
    assert metadata["daysLeft"] == days
    assert metadata["reason"] == "expiry"
    assert list(WalletReminder.objects.values_list("kind", flat=True)) == [kind]


def test_each_threshold_is_reminded_as_the_date_comes_closer():
    document = _document(days=90)
    today = timezone.localdate()
    from apps.wallet import services

    sent = [services.expiry_reminders_send(today=today + timedelta(days=d)) for d in range(91)]

    assert sum(sent) == 3
    assert [m["daysLeft"] for m in _notified(document.user)] == [90, 30, 7]


@pytest.mark.parametrize("document_type", ["visa", "insurance", "loyalty_card"])
def test_other_expiring_types_are_reminded(document_type):
    _document(days=30, document_type=document_type)
    assert tasks.send_expiry_reminders(EVENT, None) == 1


def test_no_reminder_for_other_types_deleted_documents_or_far_dates():
    _document(days=30, document_type="receipt")
    _document(days=30, deleted_at=timezone.now())
    _document(days=91)
    _document(days=-1)
    assert tasks.send_expiry_reminders(EVENT, None) == 0
    assert not Notification.objects.exists()


def test_a_renewed_document_is_reminded_again():
    document = _document(days=30)
    assert tasks.send_expiry_reminders(EVENT, None) == 1
    renewed = timezone.localdate() + timedelta(days=29)
    WalletDocument.objects.filter(pk=document.pk).update(expires_on=renewed)
    assert tasks.send_expiry_reminders(EVENT, None) == 1


def test_passport_expiring_within_six_months_of_a_trip_end_warns_once_per_trip():
    user = UserFactory()
    today = timezone.localdate()
    trip = TripFactory(
        created_by=user,
        start_date=today + timedelta(days=200),
        end_date=today + timedelta(days=210),
    )
    fine_trip = TripFactory(
        created_by=user, start_date=today + timedelta(days=5), end_date=today + timedelta(days=10)
    )
    left_trip = TripFactory(start_date=trip.start_date, end_date=trip.end_date)
    MembershipFactory(trip=left_trip, user=user, status="INACTIVE")
    passport = _document(days=300, user=user)  # 90 days after the trip ends

    assert tasks.send_expiry_reminders(EVENT, None) == 1
    assert tasks.send_expiry_reminders(EVENT, None) == 0

    [metadata] = _notified(user)
    assert metadata["reason"] == "passport_validity"
    assert metadata["tripID"] == str(trip.pk)
    assert metadata["documentID"] == str(passport.pk)
    assert fine_trip.pk != trip.pk
    notification = Notification.objects.get(user=user)
    assert "six months" in notification.message


def test_reminders_are_pushed_to_the_owners_phone(expo_push, django_capture_on_commit_callbacks):
    from tests.factories import PushTokenFactory

    document = _document(days=7)
    token = PushTokenFactory(user=document.user)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_expiry_reminders(EVENT, None) == 1

    [message] = expo_push.messages
    assert message["to"] == token.token
    assert "expires in 7 days" in message["body"]


def test_passport_validity_uses_calendar_months():
    from apps.wallet.services import _add_months

    assert _add_months(date(2031, 8, 31), 6) == date(2032, 2, 29)
    assert _add_months(date(2031, 1, 15), 6) == date(2031, 7, 15)
