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


def notification_ids_awaiting_push(*, due_before, not_before) -> list[str]:
    """Notifications created between ``not_before`` and ``due_before`` that no push run has
    claimed (their task failed every retry): the resend schedule's work list, oldest first."""
    return [
        str(pk)
        for pk in Notification.objects.filter(
            pushed_at__isnull=True, created_at__gte=not_before, created_at__lt=due_before
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    ]
