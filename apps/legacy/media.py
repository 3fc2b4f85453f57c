"""``import_legacy --copy-media``: the old bucket's avatars, trip images and wallet files, copied
into this project's bucket under its own key scheme.

Each target key is derived from the imported row (and, for pictures, from the old key), so a
rerun finds what an earlier run copied: an object already there with the source's size is
skipped. The old bucket is any S3-compatible store (LEGACY_S3_ENDPOINT_URL, LEGACY_S3_BUCKET,
LEGACY_S3_REGION, LEGACY_S3_ACCESS_KEY_ID, LEGACY_S3_SECRET_ACCESS_KEY). Objects are streamed
through a spooled temporary file, so memory stays bounded whatever their size. Rows are updated
with ``QuerySet.update``: no signal fires.
"""

import hashlib
import tempfile
from collections import Counter
from urllib.parse import urlsplit

import boto3
import psycopg
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from apps.core import media as core_media
from apps.trips.models import Trip
from apps.users.models import User
from apps.wallet import storage as wallet_storage
from apps.wallet.models import WalletDocument

SPOOL_BYTES = 8 * 1024 * 1024


def legacy_client():
    return boto3.client(
        "s3",
        endpoint_url=settings.LEGACY_S3_ENDPOINT_URL or None,
        region_name=settings.LEGACY_S3_REGION or None,
        aws_access_key_id=settings.LEGACY_S3_ACCESS_KEY_ID or None,
        aws_secret_access_key=settings.LEGACY_S3_SECRET_ACCESS_KEY or None,
    )


def legacy_key(value: str) -> str:
    """The old bucket's key in a stored URL (public S3 or Supabase storage URL) or bare key."""
    if not value:
        return ""
    parts = urlsplit(value)
    path = parts.path.lstrip("/") if parts.scheme else value.lstrip("/")
    marker = f"{settings.LEGACY_S3_BUCKET}/"
    return path.split(marker, 1)[1] if marker in path else path


class MediaCopier:
    """Copies one object per call; ``counts`` says what happened, per kind."""

    def __init__(self, *, dry_run: bool = False):
        if not settings.LEGACY_S3_BUCKET:
            raise ValueError("Set LEGACY_S3_BUCKET (and LEGACY_S3_ENDPOINT_URL) for --copy-media.")
        self.client = legacy_client()
        self.bucket = settings.LEGACY_S3_BUCKET
        self.dry_run = dry_run
        self.counts: dict[str, Counter] = {}

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def _spool(self, key: str):
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned
        self.client.download_fileobj(self.bucket, key, spool)
        spool.seek(0)
        return spool

    def copy(self, kind: str, source_key: str, target_key_for, write) -> str | None:
        """Copy ``source_key`` to ``target_key_for(content_type)`` unless the same size is
        already there; ``write(key, fileobj, content_type)`` stores it. Returns the target key."""
        counts = self.counts.setdefault(kind, Counter())
        head = self._head(source_key) if source_key else None
        if head is None:
            counts["not in the old bucket"] += 1
            return None
        content_type = head.get("ContentType", "")
        target = target_key_for(content_type)
        if target is None:
            counts["unsupported type"] += 1
            return None
        if default_storage.exists(target) and default_storage.size(target) == head["ContentLength"]:
            counts["already copied"] += 1
            return target
        if self.dry_run:
            counts["would copy"] += 1
            return None
        with self._spool(source_key) as body:
            if default_storage.exists(target):
                default_storage.delete(target)
            write(target, body, content_type)
        counts["copied"] += 1
        return target


def _picture_key(prefix_kind, owner_id, source_key: str):
    digest = hashlib.sha256(source_key.encode()).hexdigest()[:16]

    def key_for(content_type: str) -> str | None:
        extension = core_media.IMAGE_EXTENSIONS.get(content_type)
        if extension is None:
            return None
        return f"{core_media.owner_prefix(prefix_kind, owner_id)}legacy-{digest}.{extension}"

    return key_for


def _save_picture(key: str, body, content_type: str) -> None:
    saved = default_storage.save(key, File(body, name=key))
    if saved != key:
        raise RuntimeError(f"storage renamed {key} to {saved}")


def _save_wallet(key: str, body, content_type: str) -> None:
    wallet_storage.store(key=key, upload=File(body, name=key), content_type=content_type)


def copy_media(source: psycopg.Connection, *, dry_run: bool = False) -> dict[str, dict]:
    """Avatars, trip backgrounds and wallet files of every imported row."""
    copier = MediaCopier(dry_run=dry_run)
    with source.cursor(name="legacy_media_avatars") as cur:
        cur.execute("SELECT id, avatar_url FROM user_profiles WHERE coalesce(avatar_url, '') <> ''")
        for user_id, url in cur:
            if not User.objects.filter(pk=user_id).exists():
                continue
            key = legacy_key(url)
            target = copier.copy(
                "avatars", key, _picture_key(core_media.AVATAR, user_id, key), _save_picture
            )
            if target:
                User.objects.filter(pk=user_id).update(avatar_key=target)
    with source.cursor(name="legacy_media_trips") as cur:
        cur.execute(
            "SELECT id, background_image_url FROM trips "
            "WHERE coalesce(background_image_url, '') <> ''"
        )
        for trip_id, url in cur:
            if not Trip.objects.filter(pk=trip_id).exists():
                continue
            key = legacy_key(url)
            target = copier.copy(
                "trip images", key, _picture_key(core_media.TRIP_IMAGE, trip_id, key), _save_picture
            )
            if target:
                Trip.objects.filter(pk=trip_id).update(background_image_key=target)
    with source.cursor(name="legacy_media_wallet") as cur:
        cur.execute("SELECT id, file_path FROM wallet_documents")
        for document_id, path in cur:
            document = WalletDocument.objects.filter(pk=document_id).first()
            if document is None:
                continue
            owner = (
                f"trips/{document.trip_id}" if document.trip_id else f"personal/{document.user_id}"
            )
            extension = core_media.DOCUMENT_EXTENSIONS.get(document.mime_type, "bin")
            target = copier.copy(
                "wallet files",
                path,
                lambda _type, o=owner, e=extension, d=document_id: (
                    f"{wallet_storage.PREFIX}{o}/{d}.{e}"
                ),
                lambda key, body, _type, m=document.mime_type: _save_wallet(key, body, m),
            )
            if target:
                WalletDocument.objects.filter(pk=document_id).update(storage_key=target)
    return {kind: dict(counts) for kind, counts in copier.counts.items()}
