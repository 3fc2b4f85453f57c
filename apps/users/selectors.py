"""Reads of users shaped for the API."""

from django.db.models import Q, QuerySet

from apps.users.models import User


def user_by_cognito_sub(sub: str) -> User | None:
    return User.objects.filter(cognito_sub=sub).first()


def user_get(user_id) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def user_search(*, query: str, limit: int) -> QuerySet[User]:
    """Prefix match on names; emails only match whole, so the directory can't be harvested."""
    query = query.strip()
    return User.objects.filter(
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
