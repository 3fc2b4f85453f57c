"""Trips, their members and the rules on both that must hold whatever code writes them.

The status machine and the role ranking live here as pure functions (``can_transition``,
``role_at_least``) so services, permissions and property tests share one definition.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import BaseModel


class TripStatus(models.TextChoices):
    PLANNING = "PLANNING", "Planning"
    ACTIVE = "ACTIVE", "Active"
    COMPLETED = "COMPLETED", "Completed"
    CANCELLED = "CANCELLED", "Cancelled"


# COMPLETED and CANCELLED are terminal; staying in the same status is not a transition.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    TripStatus.PLANNING: frozenset({TripStatus.ACTIVE, TripStatus.CANCELLED}),
    TripStatus.ACTIVE: frozenset({TripStatus.COMPLETED, TripStatus.CANCELLED}),
    TripStatus.COMPLETED: frozenset(),
    TripStatus.CANCELLED: frozenset(),
}


def can_transition(old: str, new: str) -> bool:
    """Whether a trip may move from status ``old`` to ``new`` (unknown statuses: never)."""
    return new in STATUS_TRANSITIONS.get(old, frozenset())


class MemberRole(models.TextChoices):
    OWNER = "OWNER", "Owner"
    ADMIN = "ADMIN", "Admin"
    MEMBER = "MEMBER", "Member"


ROLE_RANK: dict[str, int] = {MemberRole.MEMBER: 1, MemberRole.ADMIN: 2, MemberRole.OWNER: 3}


def role_at_least(role: str, minimum: str) -> bool:
    """OWNER > ADMIN > MEMBER; an unknown role ranks below everything."""
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]


class MembershipStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    INACTIVE = "INACTIVE", "Inactive"


class TripQuerySet(models.QuerySet):
    def alive(self):
        """Trips not soft-deleted: the only ones any API route may show or touch."""
        return self.filter(deleted_at__isnull=True)


class Trip(BaseModel):
    """A group trip. Soft-deleted trips (``deleted_at`` set) are invisible to the API."""

    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    start_date = models.DateField()
    end_date = models.DateField()
    destination_place_id = models.CharField(max_length=255, blank=True, default="")
    destination_address = models.CharField(max_length=512, blank=True, default="")
    destination_name = models.CharField(max_length=255, blank=True, default="")
    destination_latitude = models.FloatField(null=True, blank=True)
    destination_longitude = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=TripStatus.choices, default=TripStatus.PLANNING
    )
    background_image_url = models.CharField(max_length=512, blank=True, default="")
    # An uploaded trip image chosen as the background; it wins over ``background_image_url``
    # and is rendered as a short-lived URL, since stored presigned URLs would expire.
    background_image_key = models.CharField(max_length=512, blank=True, default="")
    # A deleted account must not take its trips away from the other members.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_trips",
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = TripQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="trip_end_not_before_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TripStatus.values), name="trip_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(destination_latitude__isnull=True)
                | Q(destination_latitude__gte=-90, destination_latitude__lte=90),
                name="trip_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(destination_longitude__isnull=True)
                | Q(destination_longitude__gte=-180, destination_longitude__lte=180),
                name="trip_longitude_range",
            ),
            # Half a coordinate is no location: both set or both empty.
            models.CheckConstraint(
                condition=Q(destination_latitude__isnull=True, destination_longitude__isnull=True)
                | Q(destination_latitude__isnull=False, destination_longitude__isnull=False),
                name="trip_coordinates_paired",
            ),
        ]
        indexes = [
            # The trip list: the caller's live trips, newest start date first.
            models.Index(
                fields=["-start_date", "-created_at"],
                condition=Q(deleted_at__isnull=True),
                name="trip_alive_start_idx",
            ),
        ]

    def __str__(self):
        return self.name


class Membership(BaseModel):
    """A user's place in a trip. Leaving or removal sets INACTIVE; re-adding reactivates."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trip_memberships"
    )
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    status = models.CharField(
        max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trip", "user"], name="membership_trip_user_unique"),
            models.CheckConstraint(
                condition=Q(role__in=MemberRole.values), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MembershipStatus.values), name="membership_status_valid"
            ),
        ]
        indexes = [
            # "My trips": the caller's active memberships.
            models.Index(fields=["user", "status"], name="membership_user_status_idx"),
            # Member lists (oldest first) and the owner lock.
            models.Index(
                fields=["trip", "status", "created_at"], name="membership_trip_status_idx"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} in {self.trip_id} ({self.role}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE


class TripImage(BaseModel):
    """A photo uploaded to a trip's gallery. ``key`` is the object's key in the media storage."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="images")
    key = models.CharField(max_length=512, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trip_images",
    )

    class Meta:
        indexes = [models.Index(fields=["trip", "-created_at"], name="trip_image_trip_idx")]

    def __str__(self):
        return self.key
