"""Reads of trips and members shaped for the API, with a query count that does not grow."""

from datetime import date

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.trips.models import Membership, MembershipStatus, Trip, TripImage, role_at_least


def _active_member_count() -> Subquery:
    counts = (
        Membership.objects.filter(trip=OuterRef("pk"), status=MembershipStatus.ACTIVE)
        .order_by()
        .values("trip")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def trip_list_for_user(
    *,
    user,
    status: str | None = None,
    query: str | None = None,
    destination: str | None = None,
    start_date_from: date | None = None,
    start_date_to: date | None = None,
    end_date_to: date | None = None,
) -> QuerySet[Trip]:
    """The caller's live trips, newest start date first, each with ``member_count`` and the
    caller's ``role``. Only trips the caller is an ACTIVE member of (Part 1 §5)."""
    # One join to the caller's own membership (unique per trip, so no duplicate rows); the
    # role annotation reuses it, the member count is a correlated subquery.
    trips = (
        Trip.objects.alive()
        .filter(memberships__user=user, memberships__status=MembershipStatus.ACTIVE)
        .annotate(role=F("memberships__role"), member_count=_active_member_count())
    )
    if status:
        trips = trips.filter(status=status)
    if query:
        trips = trips.filter(
            Q(name__icontains=query)
            | Q(destination_name__icontains=query)
            | Q(destination_address__icontains=query)
        )
    if destination:
        trips = trips.filter(
            Q(destination_name__icontains=destination)
            | Q(destination_address__icontains=destination)
        )
    if start_date_from:
        trips = trips.filter(start_date__gte=start_date_from)
    if start_date_to:
        trips = trips.filter(start_date__lte=start_date_to)
    if end_date_to:
        trips = trips.filter(end_date__lte=end_date_to)
    return trips.order_by("-start_date", "-created_at", "-id")


def membership_list(*, trip) -> QuerySet[Membership]:
    """ACTIVE members of a trip with their users, oldest first."""
    return (
        Membership.objects.filter(trip=trip, status=MembershipStatus.ACTIVE)
        .select_related("user")
        .order_by("created_at", "id")
    )


def trip_ids_for_user(*, user_id) -> list[str]:
    """Live trips the user is an ACTIVE member of (realtime subscriptions)."""
    return [
        str(trip_id)
        for trip_id in Membership.objects.filter(
            user_id=user_id, status=MembershipStatus.ACTIVE, trip__deleted_at__isnull=True
        ).values_list("trip_id", flat=True)
    ]


def trip_member_user_ids(*, trip_id, exclude_user_id=None) -> list[str]:
    """ACTIVE members' user ids (notification fan-out), optionally without the actor."""
    members = Membership.objects.filter(trip_id=trip_id, status=MembershipStatus.ACTIVE)
    if exclude_user_id is not None:
        members = members.exclude(user_id=exclude_user_id)
    return [str(user_id) for user_id in members.values_list("user_id", flat=True)]


def trip_image_list(*, trip) -> QuerySet[TripImage]:
    """The trip's gallery, newest first (the trip is joined for ``isBackground``)."""
    return TripImage.objects.filter(trip=trip).select_related("trip").order_by("-created_at", "-id")


def trip_member_ids_split(*, trip_id, action: str) -> tuple[list[str], list[str]]:
    """ACTIVE members' user ids as (may do ``action``, may not), in one query: events whose
    payload holds keys only some members may see (an invitee's email) go out in two copies."""
    from apps.trips.permissions import rule_for

    minimum = rule_for(action).role
    allowed: list[str] = []
    others: list[str] = []
    rows = Membership.objects.filter(trip_id=trip_id, status=MembershipStatus.ACTIVE)
    for user_id, role in rows.order_by("user_id").values_list("user_id", "role"):
        (allowed if role_at_least(role, minimum) else others).append(str(user_id))
    return allowed, others


def active_membership_of(trip_id, user_id) -> QuerySet[Membership]:
    """The user's ACTIVE membership of a trip (``user_id`` may be an ``OuterRef``): the
    user search's ``isMember``."""
    return Membership.objects.filter(
        trip_id=trip_id, user_id=user_id, status=MembershipStatus.ACTIVE
    )
