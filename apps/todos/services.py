"""Writes to todos (contract §6): the rules no role overrides, their events and notifications.

Views authorise first (``apps.trips.permissions``): any member may create a todo and change its
status; changing its content (text, assignee, due date) or deleting it takes the creator or
ADMIN+, which ``todo_update`` checks on the locked row (given the caller's membership).
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core import event_catalogue as catalogue
from apps.core.errors import ApplicationError
from apps.notifications.models import NotificationType
from apps.notifications.services import notification_create
from apps.todos.models import Todo, TodoStatus
from apps.todos.selectors import todo_not_found
from apps.todos.serializers import todo_payload
from apps.trips.models import Membership, MembershipStatus
from apps.trips.permissions import check_author_rule

# Input key -> model attribute of what only the creator or ADMIN+ may change.
CONTENT_FIELDS = {"text": "text", "assigned_to": "assigned_to_id", "due_date": "due_date"}


def todo_content_changes(*, todo: Todo, data: dict[str, Any]) -> list[str]:
    """The content fields ``data`` would actually change. Sending a field with its current
    value is no edit, so an app that PUTs the whole todo to tick it off needs no extra right."""
    return [
        key
        for key, attr in CONTENT_FIELDS.items()
        if key in data and getattr(todo, attr) != data[key]
    ]


def _check_assignee(*, trip_id, user_id) -> None:
    is_member = Membership.objects.filter(
        trip_id=trip_id, user_id=user_id, status=MembershipStatus.ACTIVE
    ).exists()
    if not is_member:
        raise ApplicationError(
            "The assignee must be an active member of this trip.",
            code="invalid_assignee",
            details={"assigned_to": ["Must be an active member of this trip."]},
        )


def _notify_assigned(*, todo: Todo, actor) -> None:
    if todo.assigned_to_id is None or todo.assigned_to_id == actor.pk:
        return  # nobody to tell, or self-assigned
    notification_create(
        user_id=todo.assigned_to_id,
        type=NotificationType.TODO_ASSIGNED,
        metadata={
            "tripID": str(todo.trip_id),
            "todoID": str(todo.pk),
            "todoTitle": todo.text,
            "assignerName": actor.display_name,
        },
    )


def _notify_completed(*, todo: Todo, actor) -> None:
    if todo.created_by_id is None or todo.created_by_id == actor.pk:
        return  # the creator ticked it off themselves, or their account is gone
    notification_create(
        user_id=todo.created_by_id,
        type=NotificationType.TODO_COMPLETED,
        metadata={
            "tripID": str(todo.trip_id),
            "todoID": str(todo.pk),
            "todoTitle": todo.text,
            "completerName": actor.display_name,
        },
    )


def _set_status(todo: Todo, status: str, actor) -> None:
    todo.status = status
    if status == TodoStatus.COMPLETE:
        todo.completed_at, todo.completed_by = timezone.now(), actor
    else:
        todo.completed_at, todo.completed_by = None, None


def todo_create(*, trip, actor, text: str, assigned_to=None, due_date=None) -> Todo:
    """A new INCOMPLETE todo; the assignee (if any, and not the creator) is notified."""
    with transaction.atomic():
        if assigned_to is not None:
            _check_assignee(trip_id=trip.pk, user_id=assigned_to)
        todo = Todo.objects.create(
            trip=trip,
            text=text,
            created_by=actor,
            assigned_to_id=assigned_to,
            due_date=due_date,
        )
        catalogue.TODO_CREATED.publish(
            trip_id=trip.pk,
            user_id=actor.pk,
            payload=todo_payload(todo),
        )
        _notify_assigned(todo=todo, actor=actor)
    return todo


def todo_update(*, todo: Todo, actor, data: dict[str, Any], membership=None) -> Todo:
    """Partial update. Completing notifies the creator (when someone else did it); a new
    assignee is notified unless they assigned themselves. No change, no write, no event.

    With the caller's ``membership``, whether this is a content edit (the creator's or ADMIN+'s)
    is decided on the locked row: a value that was current when the view read it may have been
    changed since, and writing it back is then an edit."""
    with transaction.atomic():
        locked = Todo.objects.alive().select_for_update().filter(pk=todo.pk).first()
        if locked is None:
            raise todo_not_found()  # deleted since the view read it
        changed = todo_content_changes(todo=locked, data=data)
        if changed and membership is not None:
            check_author_rule(membership, "todo.update", locked.created_by_id)
        if "assigned_to" in changed and data["assigned_to"] is not None:
            _check_assignee(trip_id=locked.trip_id, user_id=data["assigned_to"])
        for key in changed:
            setattr(locked, CONTENT_FIELDS[key], data[key])
        update_fields = [CONTENT_FIELDS[key] for key in changed]
        completed = False
        if "status" in data and data["status"] != locked.status:
            _set_status(locked, data["status"], actor)
            update_fields += ["status", "completed_at", "completed_by"]
            completed = locked.is_complete
        if not update_fields:
            return locked
        locked.save(update_fields=[*update_fields, "updated_at"])
        catalogue.TODO_UPDATED.publish(
            trip_id=locked.trip_id,
            user_id=actor.pk,
            payload=todo_payload(locked),
        )
        if completed:
            _notify_completed(todo=locked, actor=actor)
        if "assigned_to" in changed:
            _notify_assigned(todo=locked, actor=actor)
    return locked


def todo_delete(*, todo: Todo, actor) -> None:
    """Soft delete: the todo leaves every route; the row stays."""
    last_state = todo_payload(todo)  # TODO_DELETED carries what the app must drop
    with transaction.atomic():
        deleted = (
            Todo.objects.alive()
            .filter(pk=todo.pk)
            .update(deleted_at=timezone.now(), updated_at=timezone.now())
        )
        if not deleted:
            raise todo_not_found()
        catalogue.TODO_DELETED.publish(
            trip_id=todo.trip_id,
            user_id=actor.pk,
            payload=last_state,
        )
