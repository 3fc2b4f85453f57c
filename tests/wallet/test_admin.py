"""The wallet in the Django admin: documents listed with nothing that opens or reads them; the
audit log read-only and filterable, even for a superuser."""

import pytest

from apps.wallet import services
from apps.wallet.models import AuditAction, WalletAuditLog
from tests.factories import UserFactory, WalletDocumentFactory

pytestmark = pytest.mark.django_db

DOCUMENTS = "/admin/wallet/walletdocument/"
AUDIT = "/admin/wallet/walletauditlog/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_documents_are_listed_without_their_file_name_or_metadata(staff_client):
    document = WalletDocumentFactory(
        name="Ana's passport",
        storage_key="wallet/personal/ana/secret-key.pdf",
        metadata={"passport_number": "P-SECRET-42"},
    )

    listing = staff_client.get(DOCUMENTS)
    detail = staff_client.get(f"{DOCUMENTS}{document.pk}/change/")

    assert listing.status_code == 200
    assert str(document.pk).encode() in listing.content
    for page in (listing, detail):
        assert b"secret-key" not in page.content
        assert b"P-SECRET-42" not in page.content
        assert b"Ana&#x27;s passport" not in page.content
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert staff_client.get(f"{DOCUMENTS}add/").status_code == 403
    assert (
        staff_client.post(f"{DOCUMENTS}{document.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_audit_log_is_read_only_and_filterable(staff_client):
    document = WalletDocumentFactory()
    client = services.Client(ip_address="203.0.113.9", user_agent="NomadCrew/1.0")
    upload = services.audit_record(
        user_id=document.user_id, document_id=document.pk, action=AuditAction.UPLOAD, client=client
    )
    services.audit_record(
        user_id=document.user_id,
        document_id=document.pk,
        action=AuditAction.DOWNLOAD,
        client=client,
    )

    downloads = staff_client.get(f"{AUDIT}?action__exact=download")
    detail = staff_client.get(f"{AUDIT}{upload.pk}/change/")
    changed = staff_client.post(f"{AUDIT}{upload.pk}/change/", {"action": "view"})
    deleted = staff_client.post(f"{AUDIT}{upload.pk}/delete/", {"post": "yes"})

    assert downloads.status_code == 200
    assert downloads.context["cl"].result_count == 1
    assert detail.status_code == 200
    assert b"203.0.113.9" in detail.content
    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert staff_client.get(f"{AUDIT}add/").status_code == 403
    assert WalletAuditLog.objects.get(pk=upload.pk).action == AuditAction.UPLOAD
    assert WalletAuditLog.objects.count() == 2
