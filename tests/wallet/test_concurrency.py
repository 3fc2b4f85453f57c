"""Quotas under parallel confirms, against real PostgreSQL: each thread has its own
connection and transaction, and they start together at a barrier."""

import uuid

import pytest

from apps.core.errors import ApplicationError
from apps.wallet import services
from apps.wallet.models import WalletDocument
from tests.concurrency import race
from tests.factories import TripFactory, UserFactory
from tests.wallet.conftest import PDF

pytestmark = pytest.mark.django_db(transaction=True)


def _pending(s3, bucket, user) -> str:
    """What a phone's POST to the upload form leaves in the bucket."""
    key = f"wallet/pending/{user.pk}/{uuid.uuid4().hex}.pdf"
    s3.put_object(Bucket=bucket, Key=key, Body=PDF, ContentType="application/pdf")
    return key


@pytest.mark.parametrize("wallet", ["personal", "trip"])
def test_two_parallel_confirms_cannot_both_squeeze_under_the_quota(
    wallet, wallet_bucket, s3, settings
):
    user = UserFactory()
    trip = TripFactory(created_by=user) if wallet == "trip" else None
    quota = len(PDF) * 3 // 2  # room for one file, not two
    settings.WALLET_PERSONAL_QUOTA_BYTES = settings.WALLET_TRIP_QUOTA_BYTES = quota
    keys = [_pending(s3, wallet_bucket, user) for _ in range(2)]
    data = services.DocumentInput(document_type="passport", name="Passport")

    def confirm(key):
        return lambda: services.document_confirm(
            user=user, trip=trip, data=data, key=key, client=services.Client()
        )

    results = race(*[confirm(key) for key in keys])

    created = [r for r in results if isinstance(r, WalletDocument)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(created) == 1, results
    assert [r.code for r in refused] == ["storage_quota_exceeded"]
    assert WalletDocument.objects.count() == 1
    # The loser's object is gone too: only the winner's file is left.
    left = [o["Key"] for o in s3.list_objects_v2(Bucket=wallet_bucket).get("Contents", [])]
    assert left == [created[0].storage_key]
