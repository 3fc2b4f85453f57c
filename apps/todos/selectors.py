"""Reads of a trip's todos. A todo is always looked up inside its trip, so an id from another
trip (or a deleted todo) is simply not found."""

from django.db.models import QuerySet

from apps.core.errors import NotFound
from apps.todos.models import Todo


def todo_not_found() -> NotFound:
    return NotFound("Todo not found.", code="todo_not_found")


def todo_list(*, trip, status: str | None = None) -> QuerySet[Todo]:
    """The trip's live todos, newest first (the id tiebreak keeps offset paging stable)."""
    todos = Todo.objects.alive().filter(trip=trip)
    if status:
        todos = todos.filter(status=status)
    return todos.order_by("-created_at", "-id")


def todo_get(*, trip, todo_id) -> Todo:
    todo = Todo.objects.alive().filter(trip=trip, pk=todo_id).first()
    if todo is None:
        raise todo_not_found()
    return todo
