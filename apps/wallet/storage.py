"""Wallet objects in the media bucket, under ``wallet/``, encrypted with the wallet's KMS key.

Builds on ``apps.core.media`` (its S3 client, its 503 on an unreachable bucket, its content
sniffing) rather than a second upload machinery. What differs from avatars and trip images:
every write carries SSE-KMS headers (the bucket policy refuses any other put under
``wallet/``), direct uploads land under ``wallet/pending/`` (a lifecycle rule expires what is
never confirmed) and are copied to their final key on confirm, and downloads are short-lived
presigned GETs forcing ``attachment``.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.http import content_disposition_header

from apps.core import media
from apps.core.errors import ApplicationError, ServiceUnavailable
from apps.wallet.models import ALLOWED_MIME_TYPES, MAX_FILE_BYTES

PREFIX = "wallet/"
PENDING_PREFIX = f"{PREFIX}pending/"
DOWNLOAD_URL_TTL = timedelta(minutes=5)


def _extension(content_type: str) -> str:
    return media.DOCUMENT_EXTENSIONS[content_type]


def pending_prefix(user_id) -> str:
    return f"{PENDING_PREFIX}{user_id}/"


def final_key(*, user_id, trip_id, content_type: str) -> str:
    owner = f"trips/{trip_id}" if trip_id else f"personal/{user_id}"
    return f"{PREFIX}{owner}/{uuid.uuid4().hex}.{_extension(content_type)}"


def _sse_arguments() -> dict:
    key_id = settings.WALLET_KMS_KEY_ID
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_id} if key_id else {}


def _sse_form_fields() -> dict:
    key_id = settings.WALLET_KMS_KEY_ID
    if not key_id:
        return {}
    return {
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": key_id,
    }


def check_content_type(content_type: str) -> str:
    if content_type not in ALLOWED_MIME_TYPES:
        raise ApplicationError(
            f"MIME type {content_type or 'unknown'} is not allowed. Allowed: pdf, jpeg, png, heic.",
            code="invalid_mime_type",
            details={"contentType": [f"Use one of: {', '.join(ALLOWED_MIME_TYPES)}."]},
        )
    return content_type


def upload_form(*, user_id, content_type: str) -> dict:
    """A presigned POST for one file: a fresh pending key, the declared type, 1 byte to 10 MiB,
    the wallet's encryption headers. The confirm call still sniffs what arrived."""
    check_content_type(content_type)
    if not media.uses_s3():
        raise ServiceUnavailable(
            "Direct uploads need S3; use the multipart upload instead.",
            code="direct_upload_unavailable",
        )
    key = f"{pending_prefix(user_id)}{uuid.uuid4().hex}.{_extension(content_type)}"
    fields = {"Content-Type": content_type, **_sse_form_fields()}
    conditions = [{name: value} for name, value in fields.items()]
    with media.storage_call("presign"):
        form = media.s3_client().generate_presigned_post(
            Bucket=default_storage.bucket_name,
            Key=key,
            Fields=fields,
            Conditions=[*conditions, ["content-length-range", 1, MAX_FILE_BYTES]],
            ExpiresIn=int(media.UPLOAD_URL_TTL.total_seconds()),
        )
    return {
        "url": form["url"],
        "fields": form["fields"],
        "key": key,
        "max_bytes": MAX_FILE_BYTES,
        "expires_at": datetime.now(UTC) + media.UPLOAD_URL_TTL,
    }


@dataclass(frozen=True)
class PendingObject:
    key: str
    size: int
    head: bytes


def read_pending(*, user_id, key: str) -> PendingObject:
    """The caller's own pending upload: its size and first bytes (for sniffing)."""
    if not key.startswith(pending_prefix(user_id)) or ".." in key or not media.uses_s3():
        raise ApplicationError(
            "That upload does not belong to you.",
            code="invalid_upload_key",
            details={"key": ["Use the key returned with the upload URL."]},
        )
    client = media.s3_client()
    bucket = default_storage.bucket_name
    with media.storage_call("confirm"):
        try:
            size = client.head_object(Bucket=bucket, Key=key)["ContentLength"]
        except client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
                raise
            raise ApplicationError(
                "Nothing was uploaded under that key yet.",
                code="upload_not_found",
                details={"key": ["Upload the file before confirming."]},
            ) from None
        head = b""
        if size:
            body = client.get_object(
                Bucket=bucket, Key=key, Range=f"bytes=0-{media.SNIFF_BYTES - 1}"
            )
            head = body["Body"].read()
    return PendingObject(key=key, size=size, head=head)


def promote(*, pending_key: str, key: str, content_type: str) -> None:
    """Copy a confirmed upload to its final key (encrypted), then drop the pending one."""
    client = media.s3_client()
    bucket = default_storage.bucket_name
    with media.storage_call("promote"):
        client.copy_object(
            Bucket=bucket,
            Key=key,
            CopySource={"Bucket": bucket, "Key": pending_key},
            ContentType=content_type,
            MetadataDirective="REPLACE",
            **_sse_arguments(),
        )
    discard(pending_key)


def store(*, key: str, upload, content_type: str) -> None:
    """Write a multipart upload's bytes under ``key``."""
    if not media.uses_s3():
        with media.storage_call("save"):
            saved = default_storage.save(key, upload)
        if saved != key:  # never: keys are fresh uuids
            raise RuntimeError(f"storage renamed {key} to {saved}")
        return
    upload.seek(0)
    with media.storage_call("save"):
        media.s3_client().put_object(
            Bucket=default_storage.bucket_name,
            Key=key,
            Body=upload.read(),
            ContentType=content_type,
            **_sse_arguments(),
        )


def discard(key: str) -> None:
    """Best effort: the purge schedule deletes a deleted document's object again."""
    media.delete_quietly(key)


def download_url(*, key: str, filename: str, content_type: str) -> str:
    """A presigned GET valid five minutes that makes browsers save, never render, the file."""
    with media.storage_call("presign"):
        return media.s3_client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": default_storage.bucket_name,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename),
                "ResponseContentType": content_type,
                "ResponseCacheControl": "no-store",
            },
            ExpiresIn=int(DOWNLOAD_URL_TTL.total_seconds()),
        )


def content_disposition(filename: str) -> str:
    return content_disposition_header(True, filename)


def open_local(key: str):
    with media.storage_call("open"):
        return default_storage.open(key, "rb")
