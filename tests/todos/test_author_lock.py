"""The todo author rule is decided on the locked row: a value that was current when the view
read the todo may have been changed since, and writing it back is then an edit."""

import threading

import pytest
from django.db import connection, transaction

from apps.todos import services
from apps.todos.models import Todo
from tests.concurrency import wait_until_blocked_on_a_lock
from tests.factories import TodoFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stale_unchanged_text_cannot_overwrite_the_creators_edit(trip_with_roles):
    """The creator's edit holds the row while a non-creator PUTs the text as they last saw it;
    once the edit commits, that PUT would change the text back, so it needs the creator's
    right and is refused."""
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.owner, text="Book the hostel")
    member = crew.client("member")
    edited = threading.Event()
    release = threading.Event()
    errors: list[Exception] = []

    def edit_and_hold():
        try:
            with transaction.atomic():
                services.todo_update(todo=todo, actor=crew.owner, data={"text": "Book the hotel"})
                edited.set()
                release.wait(timeout=10)
        except Exception as exc:  # asserted on below
            errors.append(exc)
        finally:
            connection.close()

    outcome: dict = {}

    def stale_put():
        try:
            outcome["response"] = member.put(
                f"/v1/trips/{crew.trip.pk}/todos/{todo.pk}",
                {"text": "Book the hostel", "status": "COMPLETE"},
                format="json",
            )
        finally:
            connection.close()

    holder = threading.Thread(target=edit_and_hold)
    holder.start()
    assert edited.wait(timeout=10)
    contender = threading.Thread(target=stale_put)
    contender.start()
    wait_until_blocked_on_a_lock()  # the PUT has read the old text and waits for the row
    assert "response" not in outcome
    release.set()
    holder.join(timeout=10)
    contender.join(timeout=10)
    assert not holder.is_alive()
    assert not contender.is_alive()

    assert errors == []
    response = outcome["response"]
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "insufficient_role"
    todo.refresh_from_db()
    assert (todo.text, todo.status) == ("Book the hotel", "INCOMPLETE")


def test_ticking_off_with_the_current_text_needs_no_creator_right(trip_with_roles):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.owner, text="Book the hostel")

    response = crew.client("member").put(
        f"/v1/trips/{crew.trip.pk}/todos/{todo.pk}",
        {"text": "Book the hostel", "status": "COMPLETE"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert Todo.objects.get(pk=todo.pk).status == "COMPLETE"
