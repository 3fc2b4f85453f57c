"""Uploaded media (avatars, trip images) in the default storage: S3 in deployments.

Phones upload straight to S3 through a presigned POST limited by content type and size, then
confirm the key; the API also takes a plain multipart upload (browsable API, admin, local runs
without a bucket). Stored values are object keys; URLs handed out are presigned and short-lived,
or CloudFront URLs when ``AWS_S3_CUSTOM_DOMAIN`` is set. When S3 can't be reached (or answers
5xx) a call that needs it answers 503 ``storage_unavailable`` before anything is recorded.
"""

import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from apps.core.errors import ApplicationError, ServiceUnavailable

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}
DOCUMENT_EXTENSIONS = {**IMAGE_EXTENSIONS, "application/pdf": "pdf"}
UPLOAD_URL_TTL = timedelta(minutes=10)
SNIFF_BYTES = 32  # enough for every signature below

# Each allowed format's signature and where it must sit: the declared content type is not
# trusted, and a signature anywhere else (an executable with JPEG bytes at offset 2) is no match.
# HEIC/HEIF: an ISO-BMFF "ftyp" box (bytes 4-8) and its major brand (bytes 8-12).
_MAGIC = {
    "application/pdf": ((0, b"%PDF-"),),
    "image/jpeg": ((0, b"\xff\xd8\xff"),),
    "image/png": ((0, b"\x89PNG\r\n\x1a\n"),),
    "image/webp": ((0, b"RIFF"),),
    "image/heic": tuple((4, b"ftyp" + brand) for brand in (b"heic", b"heix", b"mif1", b"msf1")),
    "image/heif": tuple((4, b"ftyp" + brand) for brand in (b"heic", b"mif1", b"heif")),
}


@dataclass(frozen=True)
class MediaKind:
    """Where one kind of media lives and what it may be."""

    prefix: str
    max_bytes: int
    content_types: tuple[str, ...] = tuple(IMAGE_EXTENSIONS)


AVATAR = MediaKind(prefix="avatars", max_bytes=5 * 1024 * 1024)
TRIP_IMAGE = MediaKind(prefix="trip-images", max_bytes=10 * 1024 * 1024)


def uses_s3() -> bool:
    return hasattr(default_storage, "bucket_name")


def owner_prefix(kind: MediaKind, owner_id) -> str:
    return f"{kind.prefix}/{owner_id}/"


def _check_content_type(kind: MediaKind, content_type: str) -> str:
    if content_type not in kind.content_types:
        raise ApplicationError(
            f"Content type must be one of: {', '.join(kind.content_types)}.",
            code="invalid_content_type",
            details={"content_type": [f"'{content_type}' is not allowed."]},
        )
    return content_type


def new_key(kind: MediaKind, owner_id, content_type: str) -> str:
    extension = DOCUMENT_EXTENSIONS[_check_content_type(kind, content_type)]
    return f"{owner_prefix(kind, owner_id)}{uuid.uuid4().hex}.{extension}"


@contextmanager
def _storage_call(action: str):
    """S3 down, slow or failing (connection errors, timeouts, 5xx) is the client's 503; a 4xx
    from S3 is our misconfiguration and stays a 500."""
    try:
        yield
    except (BotoCoreError, ClientError, S3UploadFailedError) as error:
        if isinstance(error, ClientError):
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            if status < 500:
                raise
        logger.warning("media storage unavailable (%s): %s", action, error.__class__.__name__)
        raise ServiceUnavailable(
            "Media storage is unavailable; try again shortly.", code="storage_unavailable"
        ) from error


def _s3_client():
    return default_storage.connection.meta.client


# The same client and failure handling for apps that keep objects of their own (the wallet).
storage_call = _storage_call
s3_client = _s3_client


def presigned_upload(*, kind: MediaKind, owner_id, content_type: str) -> dict:
    """A form the client POSTs the file to, straight to S3; S3 enforces type and size."""
    if not uses_s3():
        raise ServiceUnavailable(
            "Direct uploads need S3; use the multipart upload instead.",
            code="direct_upload_unavailable",
        )
    key = new_key(kind, owner_id, content_type)
    with _storage_call("presign"):  # signed locally: only missing credentials can fail it
        form = _s3_client().generate_presigned_post(
            Bucket=default_storage.bucket_name,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, kind.max_bytes],
            ],
            ExpiresIn=int(UPLOAD_URL_TTL.total_seconds()),
        )
    return {
        "url": form["url"],
        "fields": form["fields"],
        "key": key,
        "max_bytes": kind.max_bytes,
        "expires_at": datetime.now(UTC) + UPLOAD_URL_TTL,
    }


def confirm_upload(*, kind: MediaKind, owner_id, key: str) -> str:
    """Accept a key the client says it uploaded: ours to claim, present, and within limits."""
    if not key.startswith(owner_prefix(kind, owner_id)) or ".." in key:
        raise ApplicationError(
            "That upload does not belong to you.",
            code="invalid_upload_key",
            details={"key": ["Use the key returned with the upload URL."]},
        )
    with _storage_call("confirm"):
        if not default_storage.exists(key):
            raise ApplicationError(
                "Nothing was uploaded under that key yet.",
                code="upload_not_found",
                details={"key": ["Upload the file before confirming."]},
            )
        if default_storage.size(key) > kind.max_bytes:
            default_storage.delete(key)
            raise ApplicationError("The uploaded file is too large.", code="file_too_large")
        # S3 checked the declared Content-Type only; the bytes are checked as a multipart
        # upload's are, and a disguised file is deleted, not left under an image's key.
        declared = _CONTENT_TYPE_BY_EXTENSION.get(key.rsplit(".", 1)[-1])
        if declared is None or not _has_signature(declared, _head(key)):
            default_storage.delete(key)
            raise ApplicationError(
                "The uploaded file is not the image it claims to be.",
                code="invalid_content_type",
                details={"key": ["Upload a JPEG, PNG, WebP or HEIC image."]},
            )
    return key


_CONTENT_TYPE_BY_EXTENSION = {extension: kind for kind, extension in DOCUMENT_EXTENSIONS.items()}


def _head(key: str) -> bytes:
    """The object's first bytes: one ranged GET on S3, not a download of the whole file."""
    if uses_s3():
        response = _s3_client().get_object(
            Bucket=default_storage.bucket_name,
            Key=key,  # the media storage has no location prefix: names are keys
            Range=f"bytes=0-{SNIFF_BYTES - 1}",
        )
        return response["Body"].read()
    with default_storage.open(key, "rb") as stored:
        return stored.read(SNIFF_BYTES)


def _has_signature(content_type: str, head: bytes) -> bool:
    signatures = _MAGIC[content_type]
    if not any(head[offset : offset + len(sig)] == sig for offset, sig in signatures):
        return False
    return content_type != "image/webp" or head[8:12] == b"WEBP"


def sniff_bytes(head: bytes) -> str | None:
    """The content type the first bytes of a file show, or None (executables, text, ...)."""
    for content_type in _MAGIC:
        if _has_signature(content_type, head):
            return content_type
    return None


def sniff_content_type(upload: UploadedFile) -> str | None:
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return sniff_bytes(head)


def store_upload(*, kind: MediaKind, owner_id, upload: UploadedFile) -> str:
    """Save a multipart upload after checking what it really is."""
    if upload.size > kind.max_bytes:
        raise ApplicationError(
            f"The file is larger than {kind.max_bytes // (1024 * 1024)} MB.",
            code="file_too_large",
        )
    content_type = sniff_content_type(upload)
    if content_type is None:
        raise ApplicationError(
            "The file is not a supported image (JPEG, PNG, WebP, HEIC).",
            code="invalid_content_type",
        )
    key = new_key(kind, owner_id, content_type)
    with _storage_call("save"):
        return default_storage.save(key, upload)


def delete_quietly(key: str) -> None:
    """Old media is garbage: failing to delete it must not fail the request that replaced it."""
    if not key:
        return
    try:
        default_storage.delete(key)
    except Exception:  # any storage error: an orphan object is harmless
        logger.warning("could not delete media %s", key)


def media_url(key: str) -> str:
    return default_storage.url(key) if key else ""
