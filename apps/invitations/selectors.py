"""Reads of invitations shaped for the API, with a query count that does not grow."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.invitations.models import Invitation, InvitationStatus
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


def invitation_ids_awaiting_email(*, due_before) -> list:
    """PENDING invitations of live trips whose email has not gone out although it was due
    before ``due_before`` (the resend schedule's work list). Invitations are few; no index."""
    return list(
        Invitation.objects.filter(
            status=InvitationStatus.PENDING,
            email_sent_at__isnull=True,
            updated_at__lt=due_before,
            expires_at__gt=timezone.now(),
            trip__deleted_at__isnull=True,
        )
        .order_by("updated_at", "id")
        .values_list("pk", flat=True)
    )
