"""Bookkeeping of the import from the old Go/Supabase backend (removable after the switch)."""

from django.conf import settings
from django.db import models


class LegacyCredential(models.Model):
    """A Supabase auth.users password hash kept for the Cognito user-migration trigger."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="legacy_credential",
    )
    email = models.EmailField()
    encrypted_password = models.CharField(max_length=255, blank=True)  # bcrypt ($2a$...)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    banned_until = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.email


class ImportWatermark(models.Model):
    """The newest source change imported per source table, so a rerun takes only what is newer."""

    source_table = models.CharField(max_length=64, primary_key=True)
    watermark = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.source_table} @ {self.watermark}"


class QuarantinedRow(models.Model):
    """A source row the import refused, with why; kept so it can be fixed by hand and rerun."""

    source_table = models.CharField(max_length=64)
    source_id = models.CharField(max_length=128)
    reason = models.CharField(max_length=255)
    row = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_table", "source_id"], name="legacy_quarantine_table_id_unique"
            )
        ]

    def __str__(self):
        return f"{self.source_table}:{self.source_id} {self.reason}"
