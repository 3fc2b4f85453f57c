"""Uploads: direct to S3 then confirmed, multipart, sniffed by content, within the limits."""

import pytest

from apps.wallet.models import AuditAction, WalletAuditLog, WalletDocument
from tests.wallet.conftest import (
    ELF,
    ELF_WITH_HEIC,
    HEIC,
    JPEG,
    MZ,
    MZ_WITH_JPEG,
    MZ_WITH_PDF,
    PDF,
    PNG,
    confirm,
    multipart,
    upload_directly,
)

pytestmark = pytest.mark.django_db
PERSONAL = "/v1/wallet/documents"


def test_direct_upload_then_confirm_creates_an_encrypted_document(
    user, user_client, wallet_bucket, s3, settings
):
    key = upload_directly(user_client, PERSONAL, PDF)
    assert key.startswith(f"wallet/pending/{user.pk}/")

    answer = confirm(
        user_client,
        PERSONAL,
        key,
        metadata={"passport_number": "X123", "expiry_date": "2031-02-03", "secret": "dropped"},
    )

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["walletType"] == "personal"
    assert body["tripId"] is None
    assert body["userId"] == str(user.pk)
    assert body["mimeType"] == "application/pdf"
    assert body["fileSize"] == len(PDF)
    assert body["metadata"] == {"passport_number": "X123", "expiry_date": "2031-02-03"}
    assert body["downloadUrl"]
    assert "storageKey" not in body
    assert "filePath" not in body
    document = WalletDocument.objects.get(pk=body["id"])
    assert str(document.expires_on) == "2031-02-03"
    stored = s3.head_object(Bucket=wallet_bucket, Key=document.storage_key)
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert settings.WALLET_KMS_KEY_ID in stored["SSEKMSKeyId"]
    assert stored["ContentLength"] == len(PDF)
    pending = s3.list_objects_v2(Bucket=wallet_bucket, Prefix="wallet/pending/")
    assert pending.get("KeyCount", 0) == 0  # moved, not copied and left behind
    audit = WalletAuditLog.objects.get(document_id=document.pk)
    assert (audit.action, audit.user_id) == (AuditAction.UPLOAD, user.pk)


def test_upload_form_pins_type_size_and_encryption(user_client, wallet_bucket, settings):
    answer = user_client.post(f"{PERSONAL}/upload-url", {"contentType": "image/png"}, format="json")
    assert answer.status_code == 200
    form = answer.json()
    assert form["maxBytes"] == 10 * 1024 * 1024
    assert form["fields"]["Content-Type"] == "image/png"
    assert form["fields"]["x-amz-server-side-encryption"] == "aws:kms"
    assert form["fields"]["x-amz-server-side-encryption-aws-kms-key-id"] == (
        settings.WALLET_KMS_KEY_ID
    )


def test_upload_form_refuses_types_outside_the_list(user_client, wallet_bucket):
    answer = user_client.post(
        f"{PERSONAL}/upload-url", {"contentType": "application/x-msdownload"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_mime_type"


@pytest.mark.parametrize(
    ("content", "mime_type"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"), (HEIC, "image/heic")],
)
def test_multipart_upload_sniffs_the_type_from_the_content(
    user_client, wallet_bucket, s3, content, mime_type
):
    answer = multipart(user_client, PERSONAL, content, filename="whatever.bin")

    assert answer.status_code == 201, answer.content
    assert answer.json()["mimeType"] == mime_type
    document = WalletDocument.objects.get(pk=answer.json()["id"])
    stored = s3.get_object(Bucket=wallet_bucket, Key=document.storage_key)
    assert stored["Body"].read() == content
    assert stored["ServerSideEncryption"] == "aws:kms"


DISGUISED = [ELF, MZ, MZ_WITH_JPEG, ELF_WITH_HEIC, MZ_WITH_PDF]
DISGUISED_IDS = ["elf", "mz", "mz+jpeg", "elf+heic", "mz+pdf"]


@pytest.mark.parametrize("content", DISGUISED, ids=DISGUISED_IDS)
def test_an_executable_named_pdf_is_refused_by_content(user_client, wallet_bucket, s3, content):
    answer = multipart(user_client, PERSONAL, content, filename="passport.pdf")

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_mime_type"
    assert not WalletDocument.objects.exists()
    assert s3.list_objects_v2(Bucket=wallet_bucket).get("KeyCount", 0) == 0


@pytest.mark.parametrize("content", [ELF, MZ], ids=["elf", "mz"])
def test_an_executable_uploaded_directly_as_pdf_is_refused_and_removed(
    user_client, wallet_bucket, s3, content
):
    key = upload_directly(user_client, PERSONAL, content, content_type="application/pdf")

    answer = confirm(user_client, PERSONAL, key)

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_mime_type"
    assert not WalletDocument.objects.exists()
    assert s3.list_objects_v2(Bucket=wallet_bucket).get("KeyCount", 0) == 0


def test_a_file_over_ten_mebibytes_is_refused(user_client, wallet_bucket):
    big = PDF + b"0" * (10 * 1024 * 1024)
    answer = multipart(user_client, PERSONAL, big)
    assert answer.status_code == 400
    assert answer.json()["code"] == "file_too_large"
    assert not WalletDocument.objects.exists()


def test_confirming_someone_elses_pending_upload_is_refused(client_for, user_client, wallet_bucket):
    from tests.factories import UserFactory

    key = upload_directly(user_client, PERSONAL, PDF)
    thief = client_for(UserFactory())

    answer = confirm(thief, PERSONAL, key)

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_upload_key"
    assert not WalletDocument.objects.exists()


def test_confirming_before_uploading_is_refused(user, user_client, wallet_bucket):
    answer = confirm(user_client, PERSONAL, f"wallet/pending/{user.pk}/nothing.pdf")
    assert answer.status_code == 400
    assert answer.json()["code"] == "upload_not_found"


def test_personal_quota_is_enforced(user, user_client, wallet_bucket, settings):
    settings.WALLET_PERSONAL_QUOTA_BYTES = len(PDF) * 2
    assert multipart(user_client, PERSONAL, PDF).status_code == 201
    assert multipart(user_client, PERSONAL, PDF).status_code == 201

    answer = multipart(user_client, PERSONAL, PDF)

    assert answer.status_code == 400
    assert answer.json()["code"] == "storage_quota_exceeded"
    assert WalletDocument.objects.filter(user=user).count() == 2


def test_metadata_is_whitelisted_per_type(user_client, wallet_bucket):
    answer = multipart(
        user_client,
        PERSONAL,
        PDF,
        documentType="receipt",
        metadata={"merchant": "Café", "amount": "12.50", "passport_number": "nope", "x": 1},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["metadata"] == {"merchant": "Café", "amount": "12.50"}


def test_metadata_over_64_kib_is_refused(user_client, wallet_bucket):
    answer = multipart(user_client, PERSONAL, PDF, metadata={"notes": "x" * (64 * 1024)})
    assert answer.status_code == 400
    assert answer.json()["code"] == "metadata_too_large"
    assert not WalletDocument.objects.exists()


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        ({"metadata": '{"documentType": "passport", "name": "P"}'}, "missing_file"),
        ({"file": PDF}, "missing_metadata"),
        ({"file": PDF, "metadata": "not json"}, "invalid_metadata"),
        ({"file": PDF, "metadata": "[1, 2]"}, "invalid_metadata"),
    ],
)
def test_malformed_multipart_uploads_say_what_is_wrong(user_client, wallet_bucket, parts, code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = dict(parts)
    if "file" in data:
        data["file"] = SimpleUploadedFile("doc.pdf", data["file"])
    answer = user_client.post(PERSONAL, data, format="multipart")
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert not WalletDocument.objects.exists()


def test_unknown_document_type_is_a_validation_error(user_client, wallet_bucket):
    answer = multipart(user_client, PERSONAL, PDF, documentType="tattoo")
    assert answer.status_code == 400
    assert answer.json()["type"] == "VALIDATION"
    assert "documentType" in answer.json()["details"]


def test_trip_upload_goes_to_the_group_wallet(trip_with_roles, wallet_bucket):
    crew = trip_with_roles
    path = f"/v1/trips/{crew.trip.pk}/wallet/documents"
    key = upload_directly(crew.client("member"), path, PNG, content_type="image/png")

    answer = confirm(crew.client("member"), path, key, documentType="hotel_booking")

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["walletType"], body["tripId"]) == ("group", str(crew.trip.pk))
    assert WalletDocument.objects.get(pk=body["id"]).storage_key.startswith(
        f"wallet/trips/{crew.trip.pk}/"
    )


def test_an_oversized_object_behind_a_confirm_is_refused_and_removed(
    user, user_client, wallet_bucket, s3
):
    key = f"wallet/pending/{user.pk}/big.pdf"
    s3.put_object(Bucket=wallet_bucket, Key=key, Body=PDF + b"0" * (10 * 1024 * 1024))

    answer = confirm(user_client, PERSONAL, key)

    assert answer.status_code == 400
    assert answer.json()["code"] == "file_too_large"
    assert not WalletDocument.objects.exists()
    assert s3.list_objects_v2(Bucket=wallet_bucket).get("KeyCount", 0) == 0
