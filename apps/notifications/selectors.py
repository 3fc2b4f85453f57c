"""Reads of a user's own notifications."""

from apps.notifications.models import Notification


def notification_list_for_user(
    *, user, read: bool | None = None, limit: int, offset: int
) -> list[Notification]:
    """Newest first; the id tiebreak keeps offset paging stable within one second."""
    queryset = Notification.objects.filter(user=user)
    if read is not None:
        queryset = queryset.filter(read=read)
    return list(queryset.order_by("-created_at", "-id")[offset : offset + limit])


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read=False).count()
