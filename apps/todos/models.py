"""A trip's shared todo list (contract §6): who wrote each item, who it is for, who did it."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import BaseModel

TEXT_MAX_LENGTH = 255


class TodoStatus(models.TextChoices):
    INCOMPLETE = "INCOMPLETE", "Incomplete"
    COMPLETE = "COMPLETE", "Complete"


class TodoQuerySet(models.QuerySet):
    def alive(self):
        """Todos not soft-deleted: the only ones the API shows or touches."""
        return self.filter(deleted_at__isnull=True)


class Todo(BaseModel):
    """One item of a trip's todo list. ``completed_at`` is set exactly while it is COMPLETE;
    soft-deleted items (``deleted_at``) are invisible to the API."""

    trip = models.ForeignKey("trips.Trip", on_delete=models.CASCADE, related_name="todos")
    text = models.CharField(max_length=TEXT_MAX_LENGTH)
    status = models.CharField(
        max_length=16, choices=TodoStatus.choices, default=TodoStatus.INCOMPLETE
    )
    # People may delete their accounts; the trip keeps its list.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_todos",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_todos",
    )
    due_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="completed_todos",
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = TodoQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TodoStatus.values), name="todo_status_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="todo_text_not_empty"),
            models.CheckConstraint(
                condition=Q(status=TodoStatus.COMPLETE, completed_at__isnull=False)
                | Q(status=TodoStatus.INCOMPLETE, completed_at__isnull=True, completed_by=None),
                name="todo_completed_at_iff_complete",
            ),
        ]
        indexes = [
            # The list: a trip's live todos, newest first (optionally by status).
            models.Index(
                fields=["trip", "-created_at"],
                condition=Q(deleted_at__isnull=True),
                name="todo_trip_alive_created_idx",
            ),
            models.Index(
                fields=["trip", "status", "-created_at"],
                condition=Q(deleted_at__isnull=True),
                name="todo_trip_status_created_idx",
            ),
        ]

    def __str__(self):
        return self.text[:50]

    @property
    def is_complete(self) -> bool:
        return self.status == TodoStatus.COMPLETE
