"""Every write of the wallet: uploads (direct to S3 and multipart), edits, deletes, the audit
log, download tokens, the purge and the expiry reminders.

Quotas hold under concurrency: a document is created only while holding a row lock on its
owner (the user for a personal wallet, the trip for a group one), so two parallel confirms
are serialised and the second sees the first's bytes. Objects are written before the row and
removed again if the row can't be created, so no document points at nothing.
"""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core import media
from apps.core.errors import ApplicationError, Forbidden, NotFound
from apps.trips.models import Membership, MembershipStatus, Trip
from apps.wallet import storage
from apps.wallet.models import (
    MAX_FILE_BYTES,
    AuditAction,
    DocumentType,
    ReminderKind,
    WalletAuditLog,
    WalletDocument,
    WalletReminder,
    WalletType,
)

logger = logging.getLogger(__name__)

MAX_METADATA_BYTES = 64 * 1024
DOWNLOAD_TOKEN_TTL = timedelta(minutes=15)
DOWNLOAD_TOKEN_SALT = "apps.wallet.download"  # noqa: S105 - a namespace, not a secret
DELETED_ROW_RETENTION = timedelta(days=30)

# Keys kept per document type (contract §13); any other key is dropped silently.
METADATA_KEYS: dict[str, tuple[str, ...]] = {
    DocumentType.PASSPORT: (
        "passport_number",
        "country",
        "expiry_date",
        "issue_date",
        "nationality",
    ),
    DocumentType.VISA: ("visa_number", "country", "expiry_date", "issue_date", "visa_type"),
    DocumentType.INSURANCE: ("policy_number", "provider", "expiry_date", "coverage_type"),
    DocumentType.VACCINATION: ("vaccine_name", "date_administered", "dose_number", "provider"),
    DocumentType.LOYALTY_CARD: ("card_number", "program_name", "tier", "expiry_date"),
    DocumentType.FLIGHT_BOOKING: (
        "airline",
        "flight_number",
        "departure_date",
        "arrival_date",
        "booking_reference",
        "departure_airport",
        "arrival_airport",
    ),
    DocumentType.HOTEL_BOOKING: (
        "hotel_name",
        "check_in",
        "check_out",
        "booking_reference",
        "address",
    ),
    DocumentType.RESERVATION: (
        "venue_name",
        "reservation_date",
        "reservation_time",
        "booking_reference",
        "party_size",
    ),
    DocumentType.RECEIPT: ("merchant", "amount", "currency", "transaction_date", "category"),
    DocumentType.OTHER: ("notes",),
}
REMINDED_TYPES = (
    DocumentType.PASSPORT,
    DocumentType.VISA,
    DocumentType.INSURANCE,
    DocumentType.LOYALTY_CARD,
)
REMINDER_DAYS = {
    7: ReminderKind.EXPIRES_IN_7_DAYS,
    30: ReminderKind.EXPIRES_IN_30_DAYS,
    90: ReminderKind.EXPIRES_IN_90_DAYS,
}
PASSPORT_VALIDITY_MONTHS = 6


# --- Who is asking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """Where a request came from, for the audit log."""

    ip_address: str = ""
    user_agent: str = ""


def audit_record(*, user_id, document_id, action: str, client: Client) -> WalletAuditLog:
    return WalletAuditLog.objects.create(
        user_id=user_id,
        document_id=document_id,
        action=action,
        ip_address=client.ip_address[:45],
        user_agent=client.user_agent[:1024],
    )


# --- Metadata -----------------------------------------------------------------------------------


def metadata_clean(document_type: str, metadata) -> dict:
    """The whitelisted keys of ``metadata`` for the type; 64 KiB at most as sent."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise ApplicationError(
            "metadata must be a JSON object.",
            code="invalid_metadata",
            details={"metadata": ["Must be a JSON object."]},
        )
    if len(json.dumps(metadata, separators=(",", ":")).encode()) > MAX_METADATA_BYTES:
        raise ApplicationError(
            "metadata is larger than 64 KiB.",
            code="metadata_too_large",
            details={"metadata": ["At most 64 KiB of JSON."]},
        )
    allowed = METADATA_KEYS.get(document_type, ())
    return {key: value for key, value in metadata.items() if key in allowed}


def expiry_of(metadata: dict) -> date | None:
    """``expiry_date`` as a date (``YYYY-MM-DD`` or a full timestamp), or None if unreadable."""
    raw = metadata.get("expiry_date")
    if not isinstance(raw, str) or len(raw) < 10:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


# --- Reads with access checks -----------------------------------------------------------------


def _not_found() -> NotFound:
    return NotFound("Document not found.", code="document_not_found")


def can_access(user, document: WalletDocument) -> bool:
    """Personal: the owner alone. Group: the trip's ACTIVE members, while the trip lives."""
    if document.deleted_at is not None or user is None or not user.is_authenticated:
        return False
    if document.is_personal:
        return document.user_id == user.pk
    return Membership.objects.filter(
        trip_id=document.trip_id,
        user_id=user.pk,
        status=MembershipStatus.ACTIVE,
        trip__deleted_at__isnull=True,
    ).exists()


def document_for(*, user, document_id) -> WalletDocument:
    """A live document the caller may see; anyone else's is the 404 of a missing one."""
    document = WalletDocument.objects.alive().filter(pk=document_id).first()
    if document is None or not can_access(user, document):
        raise _not_found()
    return document


def _check_uploader(user, document: WalletDocument) -> None:
    if document.user_id != user.pk:
        raise Forbidden("Only the document's uploader may do this.", code="not_uploader")


# --- Creating -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentInput:
    document_type: str
    name: str
    description: str = ""
    metadata: dict | None = None


def _lock_owner(*, user, trip) -> int:
    """Lock the wallet's owner row and return the bytes its live documents use."""
    if trip is None:
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        documents = WalletDocument.objects.alive().filter(
            user=user, wallet_type=WalletType.PERSONAL
        )
    else:
        Trip.objects.select_for_update().filter(pk=trip.pk).first()
        documents = WalletDocument.objects.alive().filter(trip=trip)
    return documents.aggregate(used=Sum("file_size"))["used"] or 0


def _quota(trip) -> int:
    return (
        settings.WALLET_PERSONAL_QUOTA_BYTES if trip is None else settings.WALLET_TRIP_QUOTA_BYTES
    )


def _check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ApplicationError(
            "The file is larger than 10 MiB.",
            code="file_too_large",
            details={"file": ["At most 10 MiB."]},
        )
    if size <= 0:
        raise ApplicationError(
            "The file is empty.", code="invalid_file", details={"file": ["The file is empty."]}
        )


def _allowed(content_type: str | None) -> str:
    """The sniffed type, if the wallet takes it."""
    if content_type is None or content_type not in storage.ALLOWED_MIME_TYPES:
        raise ApplicationError(
            "The file is not an allowed type. Allowed: pdf, jpeg, png, heic.",
            code="invalid_mime_type",
            details={"file": ["Only PDF, JPEG, PNG and HEIC/HEIF files, judged by content."]},
        )
    return content_type


def _create(
    *, user, trip, data: DocumentInput, key: str, size: int, mime_type: str, client: Client
) -> WalletDocument:
    """The row, under the owner's lock and within the quota; or the object removed again."""
    metadata = metadata_clean(data.document_type, data.metadata)
    try:
        with transaction.atomic():
            used = _lock_owner(user=user, trip=trip)
            if used + size > _quota(trip):
                raise ApplicationError(
                    "This wallet's storage quota would be exceeded.",
                    code="storage_quota_exceeded",
                    details={"file": [f"{_quota(trip) - used} bytes are left in this wallet."]},
                )
            document = WalletDocument.objects.create(
                user=user,
                trip=trip,
                wallet_type=WalletType.PERSONAL if trip is None else WalletType.GROUP,
                document_type=data.document_type,
                name=data.name,
                description=data.description or "",
                storage_key=key,
                file_size=size,
                mime_type=mime_type,
                metadata=metadata,
                expires_on=expiry_of(metadata),
            )
            audit_record(
                user_id=user.pk, document_id=document.pk, action=AuditAction.UPLOAD, client=client
            )
    except BaseException:
        storage.discard(key)
        raise
    return document


def document_upload(
    *, user, trip=None, data: DocumentInput, upload, client: Client
) -> WalletDocument:
    """A multipart upload (small files, servers, local runs): sniffed, stored, recorded."""
    _check_size(upload.size)
    metadata_clean(data.document_type, data.metadata)  # fail before writing anything
    mime_type = _allowed(media.sniff_content_type(upload))
    key = storage.final_key(
        user_id=user.pk, trip_id=getattr(trip, "pk", None), content_type=mime_type
    )
    storage.store(key=key, upload=upload, content_type=mime_type)
    return _create(
        user=user,
        trip=trip,
        data=data,
        key=key,
        size=upload.size,
        mime_type=mime_type,
        client=client,
    )


def document_confirm(
    *, user, trip=None, data: DocumentInput, key: str, client: Client
) -> WalletDocument:
    """Step 2 of a direct upload: sniff the object S3 holds, check its size and the quota,
    move it to its final (encrypted) key and record the document."""
    metadata_clean(data.document_type, data.metadata)
    pending = storage.read_pending(user_id=user.pk, key=key)
    try:
        _check_size(pending.size)
        mime_type = _allowed(media.sniff_bytes(pending.head))
    except ApplicationError:
        storage.discard(pending.key)
        raise
    final = storage.final_key(
        user_id=user.pk, trip_id=getattr(trip, "pk", None), content_type=mime_type
    )
    storage.promote(pending_key=pending.key, key=final, content_type=mime_type)
    return _create(
        user=user,
        trip=trip,
        data=data,
        key=final,
        size=pending.size,
        mime_type=mime_type,
        client=client,
    )


# --- Reading, editing, deleting ------------------------------------------------------------------


def document_view(*, user, document: WalletDocument, client: Client) -> str:
    """Audit a view and hand out a fresh download token for it."""
    audit_record(user_id=user.pk, document_id=document.pk, action=AuditAction.VIEW, client=client)
    return download_token(document=document, user=user)


def document_update(
    *, user, document: WalletDocument, changes: dict, client: Client
) -> WalletDocument:
    """The uploader's edit; metadata is whitelisted against the new or current type."""
    _check_uploader(user, document)
    with transaction.atomic():
        locked = WalletDocument.objects.select_for_update().alive().filter(pk=document.pk).first()
        if locked is None:
            raise _not_found()
        for field in ("name", "document_type"):
            if field in changes:
                setattr(locked, field, changes[field])
        if "description" in changes:
            locked.description = changes["description"] or ""
        source = changes.get("metadata", locked.metadata)
        locked.metadata = metadata_clean(locked.document_type, source)
        locked.expires_on = expiry_of(locked.metadata)
        locked.save()
        audit_record(
            user_id=user.pk, document_id=locked.pk, action=AuditAction.UPDATE, client=client
        )
    return locked


def document_delete(*, user, document: WalletDocument, client: Client) -> None:
    """Soft delete: the row stays 30 days (for the audit trail), the file goes at once."""
    _check_uploader(user, document)
    with transaction.atomic():
        updated = (
            WalletDocument.objects.alive()
            .filter(pk=document.pk)
            .update(deleted_at=timezone.now(), updated_at=timezone.now())
        )
        if not updated:
            raise _not_found()
        audit_record(
            user_id=user.pk, document_id=document.pk, action=AuditAction.DELETE, client=client
        )
        transaction.on_commit(lambda: storage.discard(document.storage_key))


def wallet_erase_personal_documents(*, user) -> int:
    """Account deletion: remove the user's personal documents, rows and objects (the objects
    after commit, ``signals.py``), now. Group documents they uploaded belong to the trip."""
    _, deleted = WalletDocument.objects.filter(user=user, wallet_type=WalletType.PERSONAL).delete()
    return deleted.get(WalletDocument._meta.label, 0)


# --- Download tokens ----------------------------------------------------------------------------


def download_token(*, document: WalletDocument, user) -> str:
    """Signed (Django's signer: HMAC-SHA256 over SECRET_KEY, salted for this use), timestamped,
    bound to the document and to the member it was issued to."""
    return signing.dumps([document.pk.hex, user.pk.hex], salt=DOWNLOAD_TOKEN_SALT, compress=False)


def _token_claims(token: str) -> tuple[uuid.UUID, uuid.UUID]:
    try:
        document_id, user_id = signing.loads(
            token, salt=DOWNLOAD_TOKEN_SALT, max_age=DOWNLOAD_TOKEN_TTL
        )
        return uuid.UUID(document_id), uuid.UUID(user_id)
    except signing.SignatureExpired:
        raise ApplicationError("The download link has expired.", code="token_expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise ApplicationError("The download link is not valid.", code="invalid_token") from None


def document_download(*, token: str, client: Client) -> WalletDocument:
    """The document a token names, if it still exists and its holder may still see it
    (leaving a trip ends access at once, even to links already handed out); audited."""
    document_id, user_id = _token_claims(token)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    document = WalletDocument.objects.alive().filter(pk=document_id).first()
    if document is None or user is None or not can_access(user, document):
        raise _not_found()
    audit_record(
        user_id=user.pk, document_id=document.pk, action=AuditAction.DOWNLOAD, client=client
    )
    return document


# --- Schedules ----------------------------------------------------------------------------------


def documents_purge(*, now: datetime | None = None) -> int:
    """Rows soft-deleted over 30 days ago go; their objects (deleted at the time, unless that
    failed) are deleted again after commit by ``signals.py``."""
    cutoff = (now or timezone.now()) - DELETED_ROW_RETENTION
    _, deleted = WalletDocument.objects.filter(deleted_at__lt=cutoff).delete()
    return deleted.get(WalletDocument._meta.label, 0)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _remind_once(*, document: WalletDocument, kind: str, trip=None, metadata: dict) -> bool:
    """Record and notify in one transaction; a reminder already recorded is skipped."""
    from apps.notifications.models import NotificationType
    from apps.notifications.services import notification_create

    try:
        with transaction.atomic():
            WalletReminder.objects.create(
                document=document, kind=kind, expires_on=document.expires_on, trip=trip
            )
            notification_create(
                user_id=document.user_id,
                type=NotificationType.WALLET_DOCUMENT_EXPIRING,
                metadata=metadata,
            )
    except IntegrityError:
        return False
    return True


def _base_metadata(document: WalletDocument, today: date) -> dict:
    return {
        "documentID": str(document.pk),
        "documentName": document.name,
        "documentType": document.document_type,
        "expiryDate": document.expires_on.isoformat(),
        "daysLeft": (document.expires_on - today).days,
    }


def expiry_reminders_send(*, today: date | None = None) -> int:
    """Daily: 90, 30 and 7 days before a passport, visa, insurance or loyalty card expires,
    tell its owner, once per threshold (a run that was missed sends the tightest one due, not
    a burst); and warn about passports expiring less than six months after a trip the owner
    is in ends. Returns how many notifications were sent."""
    today = today or timezone.localdate()
    sent = 0
    due = (
        WalletDocument.objects.alive()
        .filter(
            document_type__in=REMINDED_TYPES,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=max(REMINDER_DAYS)),
        )
        .order_by("expires_on")
    )
    for document in due:
        days_left = (document.expires_on - today).days
        kind = REMINDER_DAYS[min(days for days in REMINDER_DAYS if days_left <= days)]
        metadata = {**_base_metadata(document, today), "reason": "expiry"}
        sent += _remind_once(document=document, kind=kind, metadata=metadata)

    passports = list(
        WalletDocument.objects.alive().filter(
            document_type=DocumentType.PASSPORT,
            wallet_type=WalletType.PERSONAL,
            expires_on__isnull=False,
        )
    )
    owners = {document.user_id for document in passports}
    trips_by_user: dict = {}
    for membership in Membership.objects.filter(
        user_id__in=owners,
        status=MembershipStatus.ACTIVE,
        trip__deleted_at__isnull=True,
        trip__end_date__gte=today,
    ).select_related("trip"):
        trips_by_user.setdefault(membership.user_id, []).append(membership.trip)
    for document in passports:
        for trip in trips_by_user.get(document.user_id, []):
            if document.expires_on >= _add_months(trip.end_date, PASSPORT_VALIDITY_MONTHS):
                continue
            metadata = {
                **_base_metadata(document, today),
                "reason": "passport_validity",
                "tripID": str(trip.pk),
                "tripName": trip.name,
                "tripEndDate": trip.end_date.isoformat(),
            }
            sent += _remind_once(
                document=document,
                kind=ReminderKind.PASSPORT_TOO_SHORT_FOR_TRIP,
                trip=trip,
                metadata=metadata,
            )
    return sent
