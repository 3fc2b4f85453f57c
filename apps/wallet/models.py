"""Wallet documents (passports, visas, bookings...) kept on S3, their audit log and the
expiry reminders already sent.

Ids and columns map one to one onto the old backend's ``wallet_documents`` and
``wallet_audit_log`` (``file_path`` is ``storage_key`` here; a NULL ``description`` is ``""``),
so the legacy import can copy rows as they are.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import BaseModel

MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_MIME_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif")


class WalletType(models.TextChoices):
    PERSONAL = "personal"
    GROUP = "group"


class DocumentType(models.TextChoices):
    PASSPORT = "passport"
    VISA = "visa"
    INSURANCE = "insurance"
    VACCINATION = "vaccination"
    LOYALTY_CARD = "loyalty_card"
    FLIGHT_BOOKING = "flight_booking"
    HOTEL_BOOKING = "hotel_booking"
    RESERVATION = "reservation"
    RECEIPT = "receipt"
    OTHER = "other"


class WalletDocumentQuerySet(models.QuerySet):
    def alive(self):
        """Not soft-deleted: the only documents any API route shows or counts to a quota."""
        return self.filter(deleted_at__isnull=True)


class WalletDocument(BaseModel):
    """One file in a personal wallet (``trip`` empty) or a trip's group wallet.

    ``storage_key`` is the object's key in the media bucket and never leaves the server.
    Deleting is soft: the object goes at once, the row after 30 days (``tasks.py``).
    ``expires_on`` mirrors ``metadata["expiry_date"]`` so the reminder schedule can query it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet_documents"
    )
    trip = models.ForeignKey(
        "trips.Trip",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="wallet_documents",
    )
    wallet_type = models.CharField(max_length=16, choices=WalletType.choices)
    document_type = models.CharField(
        max_length=32, choices=DocumentType.choices, default=DocumentType.OTHER
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    storage_key = models.CharField(max_length=512, unique=True)
    file_size = models.BigIntegerField()
    mime_type = models.CharField(max_length=100)
    metadata = models.JSONField(default=dict, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = WalletDocumentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(wallet_type=WalletType.PERSONAL, trip__isnull=True)
                | Q(wallet_type=WalletType.GROUP, trip__isnull=False),
                name="wallet_trip_iff_group",
            ),
            models.CheckConstraint(
                condition=Q(wallet_type__in=WalletType.values), name="wallet_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(document_type__in=DocumentType.values),
                name="wallet_document_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(file_size__gt=0, file_size__lte=MAX_FILE_BYTES),
                name="wallet_file_size_range",
            ),
            models.CheckConstraint(
                condition=Q(mime_type__in=ALLOWED_MIME_TYPES), name="wallet_mime_type_allowed"
            ),
        ]
        indexes = [
            # The personal list and quota: the owner's live documents, newest first.
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(deleted_at__isnull=True, trip__isnull=True),
                name="wallet_personal_idx",
            ),
            models.Index(
                fields=["trip", "-created_at"],
                condition=Q(deleted_at__isnull=True, trip__isnull=False),
                name="wallet_group_idx",
            ),
            models.Index(
                fields=["expires_on"],
                condition=Q(deleted_at__isnull=True, expires_on__isnull=False),
                name="wallet_expires_idx",
            ),
            models.Index(
                fields=["deleted_at"],
                condition=Q(deleted_at__isnull=False),
                name="wallet_deleted_idx",
            ),
        ]

    def __str__(self):
        # Not the name: "Ana's passport" is personal, and __str__ ends up in logs and the admin.
        return f"{self.wallet_type} {self.document_type} {self.pk}"

    @property
    def is_personal(self) -> bool:
        return self.wallet_type == WalletType.PERSONAL


class AuditAction(models.TextChoices):
    UPLOAD = "upload"
    VIEW = "view"
    DOWNLOAD = "download"
    UPDATE = "update"
    DELETE = "delete"


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit record."""


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The wallet audit log is append-only.")

    def delete(self):
        raise AppendOnlyError("The wallet audit log is append-only.")


class WalletAuditLog(models.Model):
    """Who did what to which document, from where. Append-only: the model refuses updates and
    deletes and so does a PostgreSQL trigger (migration 0002), so not even the admin or a raw
    ORM call can rewrite history. Plain UUIDs rather than foreign keys: the record outlives
    the document's purge."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.UUIDField()
    document_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    ip_address = models.CharField(max_length=45, blank=True, default="")
    user_agent = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="wallet_audit_action_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["user_id", "created_at"], name="wallet_audit_user_idx"),
            models.Index(fields=["document_id"], name="wallet_audit_document_idx"),
        ]

    def __str__(self):
        return f"{self.action} of {self.document_id} by {self.user_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The wallet audit log is append-only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The wallet audit log is append-only.")


class ReminderKind(models.TextChoices):
    EXPIRES_IN_90_DAYS = "expiry_90"
    EXPIRES_IN_30_DAYS = "expiry_30"
    EXPIRES_IN_7_DAYS = "expiry_7"
    PASSPORT_TOO_SHORT_FOR_TRIP = "passport_trip"


class WalletReminder(BaseModel):
    """A reminder already sent, so the daily schedule sends each one once. ``expires_on`` is
    part of the key: a renewed document (a new expiry date) is reminded about again."""

    document = models.ForeignKey(WalletDocument, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    expires_on = models.DateField()
    trip = models.ForeignKey(
        "trips.Trip", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "kind", "expires_on"],
                condition=Q(trip__isnull=True),
                name="wallet_reminder_once",
            ),
            models.UniqueConstraint(
                fields=["document", "kind", "expires_on", "trip"],
                condition=Q(trip__isnull=False),
                name="wallet_trip_reminder_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="wallet_reminder_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.document_id}"
