"""Reads of shared locations, shaped so a trip's map costs one query however long the history."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.locations.models import Location
from apps.trips.models import MembershipStatus
from apps.users.models import LocationPrivacy


def visible_q(now: datetime) -> Q:
    """A row others may see: sharing on, not hidden, not expired."""
    return (
        Q(is_sharing_enabled=True)
        & ~Q(privacy=LocationPrivacy.HIDDEN)
        & (Q(sharing_expires_at__isnull=True) | Q(sharing_expires_at__gt=now))
    )


def location_list_for_trip(*, trip, now: datetime | None = None) -> QuerySet[Location]:
    """Each ACTIVE member's latest location in ``trip``, if that latest row is visible.

    Visibility is tested on the latest row only: a member who turned sharing off, went hidden
    or let sharing expire shows nowhere, rather than at an older position. One query: the
    latest row per user comes from a ``DISTINCT ON (user_id)`` subquery.
    """
    now = now or timezone.now()
    latest = (
        Location.objects.filter(trip=trip)
        .order_by("user_id", "-recorded_at", "-id")
        .distinct("user_id")
        .values("pk")
    )
    return (
        Location.objects.filter(pk__in=latest)
        .filter(visible_q(now))
        .filter(
            user__trip_memberships__trip=trip,
            user__trip_memberships__status=MembershipStatus.ACTIVE,
        )
        .select_related("user")
        .order_by("-recorded_at", "user_id")
    )


def latest_sharing_flag(*, user, trip) -> bool | None:
    """The ``is_sharing_enabled`` of the user's newest row for ``trip`` (None: no row yet)."""
    return (
        Location.objects.filter(user=user, trip=trip)
        .order_by("-recorded_at", "-id")
        .values_list("is_sharing_enabled", flat=True)
        .first()
    )
