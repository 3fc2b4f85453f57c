"""Reads of invitations shaped for the API, with a query count that does not grow."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.invitations.models import Invitation
from apps.trips.models import Membership, MembershipStatus


def invitation_list_for_trip(*, trip) -> QuerySet[Invitation]:
    """Every invitation of a trip, any status, newest first (the TripInvitation shape needs no
    related rows)."""
    return Invitation.objects.filter(trip=trip).order_by("-created_at", "-id")


def _member_count() -> Coalesce:
    counts = (
        Membership.objects.filter(trip=OuterRef("trip_id"), status=MembershipStatus.ACTIVE)
        .order_by()
        .values("trip")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def invitation_details_get(*, invitation_id) -> Invitation | None:
    """An invitation of a live trip with its trip, inviter and ``member_count``: one query."""
    return (
        Invitation.objects.select_related("trip", "inviter")
        .filter(pk=invitation_id, trip__deleted_at__isnull=True)
        .annotate(member_count=_member_count())
        .first()
    )
