"""Shared locations: one row per update, so a member's latest row decides what others see.

Coordinates are stored as the privacy level allows (``stored_coordinates``): an approximate or
hidden location is rounded *before* it is written, so no read path can leak the precise one.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import BaseModel
from apps.users.models import LocationPrivacy

# Two decimals of a degree: about 1.1 km north-south, at most that east-west.
APPROXIMATE_DECIMALS = 2
# What an approximate position is worth: the rounding error, whatever the device reported.
APPROXIMATE_ACCURACY_METERS = 1000.0


def round_coordinate(value: float) -> float:
    """A coordinate rounded to about 1 km; ``-0.0`` becomes ``0.0``."""
    return round(value, APPROXIMATE_DECIMALS) + 0.0


def stored_coordinates(latitude: float, longitude: float, privacy: str) -> tuple[float, float]:
    """The coordinates to store for a privacy level: only ``precise`` keeps them as given.

    Hidden locations are never shown, but their row still masks the member's older ones, so
    they are kept as coarse as approximate ones rather than precise.
    """
    if privacy == LocationPrivacy.PRECISE:
        return latitude, longitude
    return round_coordinate(latitude), round_coordinate(longitude)


def stored_accuracy(accuracy: float | None, privacy: str) -> float | None:
    """A rounded position is no better than the rounding, whatever the GPS said."""
    if privacy == LocationPrivacy.PRECISE:
        return accuracy
    return max(accuracy or 0.0, APPROXIMATE_ACCURACY_METERS)


class Location(BaseModel):
    """A position a user shared, in a trip or (legacy ``/location/update``) in none.

    Rows are history: the newest row of a (user, trip) is that member's current state, and if it
    is hidden, disabled or expired the member shows nowhere, whatever older rows say.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="locations"
    )
    trip = models.ForeignKey(
        "trips.Trip", on_delete=models.CASCADE, related_name="locations", null=True, blank=True
    )
    latitude = models.FloatField()
    longitude = models.FloatField()
    accuracy = models.FloatField(null=True, blank=True)  # metres; optional on PUT
    privacy = models.CharField(
        max_length=16, choices=LocationPrivacy.choices, default=LocationPrivacy.PRECISE
    )
    is_sharing_enabled = models.BooleanField(default=True)
    sharing_expires_at = models.DateTimeField(null=True, blank=True)
    # Server time: the client's timestamp is validated but not trusted for ordering.
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90), name="location_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(accuracy__isnull=True) | Q(accuracy__gte=0),
                name="location_accuracy_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(privacy__in=LocationPrivacy.values), name="location_privacy_valid"
            ),
        ]
        indexes = [
            # DISTINCT ON (user_id) ... ORDER BY user_id, recorded_at DESC within one trip.
            models.Index(fields=["trip", "user", "-recorded_at"], name="location_latest_idx"),
            models.Index(fields=["recorded_at"], name="location_recorded_idx"),
            models.Index(
                fields=["sharing_expires_at"],
                condition=Q(sharing_expires_at__isnull=False),
                name="location_expiry_idx",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} in {self.trip_id or 'no trip'} at {self.recorded_at:%Y-%m-%d %H:%M}"
