"""Reads of users shaped for the API."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.users.models import User


def user_by_cognito_sub(sub: str) -> User | None:
    return User.objects.filter(cognito_sub=sub).first()


def user_get(user_id) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def _co_members(viewer_id):
    """Users with an ACTIVE membership in a live trip where the viewer has one too."""
    from apps.trips.models import Membership, MembershipStatus

    viewer_trips = Membership.objects.filter(
        user_id=viewer_id, status=MembershipStatus.ACTIVE, trip__deleted_at__isnull=True
    ).values("trip_id")
    return Membership.objects.filter(
        user_id=OuterRef("pk"), status=MembershipStatus.ACTIVE, trip_id__in=viewer_trips
    )


def user_get_for_viewer(user_id, *, viewer) -> User | None:
    """The user, annotated ``shares_trip`` with the viewer (who may see their email)."""
    return (
        User.objects.filter(pk=user_id, is_active=True)
        .annotate(shares_trip=Exists(_co_members(viewer.pk)))
        .first()
    )


def user_search(*, query: str, limit: int, viewer, trip_id=None) -> QuerySet[User]:
    """Prefix match on names; emails only match whole, so the directory can't be harvested.
    Annotated ``shares_trip`` for the email rule of ``UserSearchResultSerializer`` and, with a
    ``trip_id``, ``is_member`` of that trip (one query either way)."""
    from apps.trips.selectors import active_membership_of

    query = query.strip()
    users = User.objects.annotate(shares_trip=Exists(_co_members(viewer.pk)))
    if trip_id is not None:
        users = users.annotate(is_member=Exists(active_membership_of(trip_id, OuterRef("pk"))))
    return users.filter(
        Q(username__istartswith=query)
        | Q(first_name__istartswith=query)
        | Q(last_name__istartswith=query)
        | Q(email__iexact=query)
        | Q(contact_email__iexact=query),
        is_active=True,
        cognito_sub__isnull=False,
    ).order_by("username")[:limit]


def user_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("date_joined", "id")
