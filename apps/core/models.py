"""The abstract base every domain model shares."""

import uuid

from django.db import models


class BaseModel(models.Model):
    """UUID primary key (ids are public in URLs) and creation/update timestamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RateLimitCounter(models.Model):
    """One rate-limit window per throttle key when the counters live in the database (no
    Redis, as on Lambda): counted and read with one upsert (``apps.core.throttling``)."""

    key = models.CharField(max_length=255, primary_key=True)
    window_start = models.FloatField()  # unix seconds
    hits = models.PositiveIntegerField()

    class Meta:
        db_table = "core_rate_limit_counter"

    def __str__(self):
        return f"{self.key}: {self.hits}"
