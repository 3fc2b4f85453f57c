"""Todos over HTTP (contract §6): every route by role, validation, notifications and events."""

import uuid
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.notifications.models import Notification
from apps.todos.models import Todo
from tests.factories import MembershipFactory, TodoFactory, TripFactory

pytestmark = pytest.mark.django_db

MEMBER_ROLES = ["member", "admin", "owner"]


def without_nulls(body: dict) -> dict:
    """Event payloads leave out what REST renders as null (the app's schemas take absent)."""
    return {key: value for key, value in body.items() if value is not None}


def todos_url(trip, todo=None):
    url = f"/v1/trips/{trip.pk}/todos"
    return f"{url}/{todo.pk}" if todo is not None else url


def iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def todo_json(todo):
    todo.refresh_from_db()
    return {
        "id": str(todo.pk),
        "tripId": str(todo.trip_id),
        "text": todo.text,
        "status": todo.status,
        "createdBy": str(todo.created_by_id) if todo.created_by_id else None,
        "assignedTo": str(todo.assigned_to_id) if todo.assigned_to_id else None,
        "dueDate": f"{todo.due_date.isoformat()}T00:00:00Z" if todo.due_date else None,
        "createdAt": iso(todo.created_at),
        "updatedAt": iso(todo.updated_at),
        "completedAt": iso(todo.completed_at),
        "completedBy": str(todo.completed_by_id) if todo.completed_by_id else None,
    }


def event_types(events):
    return [event.type for event in events if not event.type.startswith("notification")]


# --- list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_members_list_the_trips_todos_newest_first(trip_with_roles, role):
    crew = trip_with_roles
    first = TodoFactory(trip=crew.trip, created_by=crew.owner)
    second = TodoFactory(trip=crew.trip, created_by=crew.member)
    TodoFactory()  # another trip's
    TodoFactory(trip=crew.trip, deleted_at="2025-01-01T00:00:00Z")

    response = crew.client(role).get(todos_url(crew.trip))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "data": [todo_json(second), todo_json(first)],
        "pagination": {"limit": 100, "offset": 0, "total": 2},
    }


def test_non_member_cannot_list_todos(trip_with_roles):
    TodoFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("stranger").get(todos_url(trip_with_roles.trip))

    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"
    assert "data" not in response.json()


def test_inactive_member_cannot_list_todos(trip_with_roles, client_for):
    former = MembershipFactory(trip=trip_with_roles.trip, status="INACTIVE").user

    response = client_for(former).get(todos_url(trip_with_roles.trip))

    assert response.status_code == 404


def test_list_pages_with_limit_and_offset(trip_with_roles):
    crew = trip_with_roles
    todos = [TodoFactory(trip=crew.trip) for _ in range(5)][::-1]  # newest first

    response = crew.client("member").get(todos_url(crew.trip), {"limit": 2, "offset": 1})

    body = response.json()
    assert [t["id"] for t in body["data"]] == [str(todos[1].pk), str(todos[2].pk)]
    assert body["pagination"] == {"limit": 2, "offset": 1, "total": 5}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"limit": "abc"}, {"limit": 100, "offset": 0}),
        ({"limit": "0"}, {"limit": 100, "offset": 0}),
        ({"limit": "-5"}, {"limit": 100, "offset": 0}),
        ({"limit": "500"}, {"limit": 100, "offset": 0}),
        ({"limit": "7", "offset": "-3"}, {"limit": 7, "offset": 0}),
        ({"offset": "x"}, {"limit": 100, "offset": 0}),
    ],
)
def test_list_paging_parameters_are_lenient(trip_with_roles, query, expected):
    TodoFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("member").get(todos_url(trip_with_roles.trip), query)

    assert response.status_code == 200
    assert response.json()["pagination"] == {**expected, "total": 1}


def test_list_filters_by_status(trip_with_roles):
    crew = trip_with_roles
    open_todo = TodoFactory(trip=crew.trip)
    TodoFactory(
        trip=crew.trip,
        status="COMPLETE",
        completed_at="2025-01-01T00:00:00Z",
        completed_by=crew.owner,
    )

    response = crew.client("member").get(todos_url(crew.trip), {"status": "incomplete"})

    assert [t["id"] for t in response.json()["data"]] == [str(open_todo.pk)]
    assert response.json()["pagination"]["total"] == 1


def test_list_rejects_an_unknown_status(trip_with_roles):
    response = trip_with_roles.client("member").get(
        todos_url(trip_with_roles.trip), {"status": "DONE"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "status" in response.json()["details"]


def test_list_query_count_does_not_grow_with_todos(trip_with_roles, django_assert_max_num_queries):
    crew = trip_with_roles
    client = crew.client("member")
    url = todos_url(crew.trip)
    client.get(url)  # warm up: first sign-in work is not the list's cost

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for _ in range(3):
        TodoFactory(trip=crew.trip, assigned_to=crew.member, due_date=date(2025, 6, 1))
    few = count_queries()
    for _ in range(27):
        TodoFactory(trip=crew.trip, assigned_to=crew.admin, created_by=crew.member)
    with django_assert_max_num_queries(few):
        response = client.get(url)

    assert len(response.json()["data"]) == 30
    assert few <= 4  # user, membership, page, count


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_members_create_todos(trip_with_roles, role, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client(role).post(
            todos_url(crew.trip), {"text": "  Book the ferry  "}, format="json"
        )

    assert response.status_code == 201, response.content
    todo = Todo.objects.get(pk=response.json()["id"])
    assert (todo.trip_id, todo.text, todo.status) == (crew.trip.pk, "Book the ferry", "INCOMPLETE")
    assert todo.created_by_id == crew.users[role].pk
    assert response.json() == todo_json(todo)
    assert not response.json()["createdAt"].startswith("0001")
    assert event_types(events) == ["TODO_CREATED"]
    assert events[0].payload == without_nulls(response.json())
    assert (events[0].trip_id, events[0].user_id) == (str(crew.trip.pk), str(crew.users[role].pk))


def test_create_ignores_the_body_trip_id(trip_with_roles):
    crew = trip_with_roles
    other_trip = TripFactory()

    response = crew.client("member").post(
        todos_url(crew.trip), {"tripId": str(other_trip.pk), "text": "Pack"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["tripId"] == str(crew.trip.pk)
    assert not Todo.objects.filter(trip=other_trip).exists()


def test_non_member_cannot_create_todos(trip_with_roles):
    response = trip_with_roles.client("stranger").post(
        todos_url(trip_with_roles.trip), {"text": "Sneak in"}, format="json"
    )

    assert response.status_code == 404
    assert not Todo.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "    "}, "text"),
        ({"text": "x" * 256}, "text"),
        ({"text": None}, "text"),
        ({"text": "Pack", "assignedTo": "not-a-uuid"}, "assignedTo"),
        ({"text": "Pack", "dueDate": "next tuesday"}, "dueDate"),
    ],
)
def test_create_rejects_invalid_input(trip_with_roles, body, field):
    response = trip_with_roles.client("member").post(
        todos_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == 400
    assert response.json()["type"] == "VALIDATION"
    assert field in response.json()["details"]
    assert not Todo.objects.exists()


def test_create_accepts_255_characters(trip_with_roles):
    response = trip_with_roles.client("member").post(
        todos_url(trip_with_roles.trip), {"text": "é" * 255}, format="json"
    )

    assert response.status_code == 201
    assert Todo.objects.get().text == "é" * 255


def test_create_with_assignee_and_due_date_notifies_the_assignee(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("member").post(
            todos_url(crew.trip),
            {"text": "Book dinner", "assignedTo": str(crew.admin.pk), "dueDate": "2025-06-02"},
            format="json",
        )

    assert response.status_code == 201, response.content
    todo = Todo.objects.get()
    assert (todo.assigned_to_id, todo.due_date) == (crew.admin.pk, date(2025, 6, 2))
    assert response.json()["assignedTo"] == str(crew.admin.pk)
    assert response.json()["dueDate"] == "2025-06-02T00:00:00Z"
    notification = Notification.objects.get()
    assert (notification.user_id, notification.type) == (crew.admin.pk, "TODO_ASSIGNED")
    assert notification.metadata == {
        "tripID": str(crew.trip.pk),
        "todoID": str(todo.pk),
        "todoTitle": "Book dinner",
        "assignerName": crew.member.display_name,
    }
    assert "notification.created" in [event.type for event in events]


def test_self_assignment_notifies_nobody(trip_with_roles):
    crew = trip_with_roles
    response = crew.client("member").post(
        todos_url(crew.trip), {"text": "Mine", "assignedTo": str(crew.member.pk)}, format="json"
    )

    assert response.status_code == 201
    assert not Notification.objects.exists()


@pytest.mark.parametrize("who", ["stranger", "inactive", "unknown"])
def test_assignee_must_be_an_active_member(trip_with_roles, who):
    crew = trip_with_roles
    assignee = {
        "stranger": lambda: crew.stranger.pk,
        "inactive": lambda: MembershipFactory(trip=crew.trip, status="INACTIVE").user.pk,
        "unknown": uuid.uuid4,
    }[who]()

    response = crew.client("member").post(
        todos_url(crew.trip), {"text": "Pack", "assignedTo": str(assignee)}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_assignee"
    assert "assignedTo" in response.json()["details"]
    assert not Todo.objects.exists()
    assert not Notification.objects.exists()


# --- read -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_members_read_a_todo(trip_with_roles, role):
    todo = TodoFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client(role).get(todos_url(trip_with_roles.trip, todo))

    assert response.status_code == 200
    assert response.json() == todo_json(todo)


def test_non_member_cannot_read_a_todo(trip_with_roles):
    todo = TodoFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("stranger").get(todos_url(trip_with_roles.trip, todo))

    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"


def test_todo_of_another_trip_is_not_found(trip_with_roles):
    foreign = TodoFactory()  # the member is not in its trip

    client = trip_with_roles.client("owner")
    url = todos_url(trip_with_roles.trip, foreign)

    for method in ("get", "put", "delete"):
        response = getattr(client, method)(url, {"status": "COMPLETE"}, format="json")
        assert response.status_code == 404, method
        assert response.json()["code"] == "todo_not_found"
    foreign.refresh_from_db()
    assert (foreign.status, foreign.deleted_at) == ("INCOMPLETE", None)


def test_deleted_and_unknown_todos_are_not_found(trip_with_roles):
    deleted = TodoFactory(trip=trip_with_roles.trip, deleted_at="2025-01-01T00:00:00Z")
    client = trip_with_roles.client("member")

    assert client.get(todos_url(trip_with_roles.trip, deleted)).status_code == 404
    missing = f"{todos_url(trip_with_roles.trip)}/{uuid.uuid4()}"
    assert client.get(missing).json()["code"] == "todo_not_found"


# --- update ---------------------------------------------------------------------------------


def test_any_member_completes_a_todo_and_the_creator_is_notified(trip_with_roles, capture_events):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.admin, text="Buy sunscreen")

    with capture_events() as events:
        response = crew.client("member").put(
            todos_url(crew.trip, todo), {"status": "COMPLETE"}, format="json"
        )

    assert response.status_code == 200, response.content
    todo.refresh_from_db()
    assert (todo.status, todo.completed_by_id) == ("COMPLETE", crew.member.pk)
    assert todo.completed_at is not None
    assert response.json() == todo_json(todo)
    assert event_types(events) == ["TODO_UPDATED"]
    assert events[0].payload == without_nulls(response.json())
    notification = Notification.objects.get()
    assert (notification.user_id, notification.type) == (crew.admin.pk, "TODO_COMPLETED")
    assert notification.metadata == {
        "tripID": str(crew.trip.pk),
        "todoID": str(todo.pk),
        "todoTitle": "Buy sunscreen",
        "completerName": crew.member.display_name,
    }


def test_completing_your_own_todo_notifies_nobody(trip_with_roles):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.member)

    response = crew.client("member").put(
        todos_url(crew.trip, todo), {"status": "COMPLETE"}, format="json"
    )

    assert response.status_code == 200
    assert not Notification.objects.exists()


def test_reopening_a_todo_clears_its_completion(trip_with_roles):
    crew = trip_with_roles
    todo = TodoFactory(
        trip=crew.trip,
        status="COMPLETE",
        completed_at="2025-01-01T00:00:00Z",
        completed_by=crew.owner,
    )

    response = crew.client("member").put(
        todos_url(crew.trip, todo), {"status": "INCOMPLETE"}, format="json"
    )

    assert response.status_code == 200
    todo.refresh_from_db()
    assert (todo.status, todo.completed_at, todo.completed_by_id) == ("INCOMPLETE", None, None)
    assert response.json()["completedAt"] is None
    assert not Notification.objects.exists()


def test_completing_an_already_complete_todo_changes_nothing(trip_with_roles, capture_events):
    crew = trip_with_roles
    todo = TodoFactory(
        trip=crew.trip,
        status="COMPLETE",
        completed_at="2025-01-01T00:00:00Z",
        completed_by=crew.owner,
    )

    with capture_events() as events:
        response = crew.client("member").put(
            todos_url(crew.trip, todo), {"status": "COMPLETE", "text": todo.text}, format="json"
        )

    assert response.status_code == 200
    todo.refresh_from_db()
    assert (todo.completed_by_id, iso(todo.completed_at)) == (crew.owner.pk, "2025-01-01T00:00:00Z")
    assert events == []
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("role", "creator", "allowed"),
    [
        ("member", "member", True),
        ("member", "admin", False),
        ("member", "owner", False),
        ("admin", "member", True),
        ("admin", "owner", True),
        ("owner", "member", True),
    ],
)
def test_editing_text_takes_the_creator_or_an_admin(trip_with_roles, role, creator, allowed):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.users[creator], text="Old")

    response = crew.client(role).put(todos_url(crew.trip, todo), {"text": "New"}, format="json")

    todo.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert response.json()["text"] == todo.text == "New"
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_role"
        assert todo.text == "Old"


@pytest.mark.parametrize(
    "body",
    [
        {"assignedTo": None},
        {"dueDate": "2025-07-01"},
        {"status": "COMPLETE", "text": "Changed too"},
    ],
)
def test_non_creator_member_cannot_change_content(trip_with_roles, body):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.owner, assigned_to=crew.admin)

    response = crew.client("member").put(todos_url(crew.trip, todo), body, format="json")

    assert response.status_code == 403
    todo.refresh_from_db()
    assert (todo.status, todo.assigned_to_id, todo.due_date) == ("INCOMPLETE", crew.admin.pk, None)


def test_non_creator_member_may_resend_unchanged_content_with_a_status(trip_with_roles):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.owner, due_date=date(2025, 6, 1))

    response = crew.client("member").put(
        todos_url(crew.trip, todo),
        {"text": todo.text, "dueDate": "2025-06-01", "assignedTo": None, "status": "COMPLETE"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "COMPLETE"


def test_non_member_cannot_update_a_todo(trip_with_roles):
    todo = TodoFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("stranger").put(
        todos_url(trip_with_roles.trip, todo), {"status": "COMPLETE"}, format="json"
    )

    assert response.status_code == 404
    todo.refresh_from_db()
    assert todo.status == "INCOMPLETE"


def test_assigning_notifies_the_new_assignee(trip_with_roles, capture_events):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.member, text="Rent bikes")

    with capture_events() as events:
        response = crew.client("member").put(
            todos_url(crew.trip, todo), {"assignedTo": str(crew.owner.pk)}, format="json"
        )

    assert response.status_code == 200
    todo.refresh_from_db()
    assert todo.assigned_to_id == crew.owner.pk
    notification = Notification.objects.get()
    assert (notification.user_id, notification.type) == (crew.owner.pk, "TODO_ASSIGNED")
    assert notification.metadata["assignerName"] == crew.member.display_name
    assert notification.metadata["todoTitle"] == "Rent bikes"
    assert event_types(events) == ["TODO_UPDATED"]
    assert events[0].payload["assignedTo"] == str(crew.owner.pk)


def test_unassigning_or_self_assigning_notifies_nobody(trip_with_roles):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.member, assigned_to=crew.admin)
    client = crew.client("member")

    response = client.put(todos_url(crew.trip, todo), {"assignedTo": None}, format="json")
    assert response.status_code == 200
    todo.refresh_from_db()
    assert todo.assigned_to_id is None
    response = client.put(todos_url(crew.trip, todo), {"assignedTo": str(crew.member.pk)})
    assert response.status_code == 200
    assert not Notification.objects.exists()


def test_assigning_to_a_non_member_is_rejected(trip_with_roles):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.member)

    response = crew.client("member").put(
        todos_url(crew.trip, todo),
        {"assignedTo": str(crew.stranger.pk), "status": "COMPLETE"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_assignee"
    todo.refresh_from_db()
    assert (todo.assigned_to_id, todo.status) == (None, "INCOMPLETE")  # nothing half-way


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "DONE"}, "status"),
        ({"text": ""}, "text"),
        ({"text": "x" * 256}, "text"),
        ({"assignedTo": 12}, "assignedTo"),
        ({"dueDate": "2025-13-01"}, "dueDate"),
    ],
)
def test_update_rejects_invalid_input(trip_with_roles, body, field):
    todo = TodoFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("owner").put(
        todos_url(trip_with_roles.trip, todo), body, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["details"]


def test_update_without_changes_publishes_nothing(trip_with_roles, capture_events):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip)
    with capture_events() as events:
        response = crew.client("owner").put(todos_url(crew.trip, todo), {}, format="json")

    assert response.status_code == 200
    assert response.json() == todo_json(todo)
    assert events == []


# --- delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "creator", "allowed"),
    [
        ("member", "member", True),
        ("member", "owner", False),
        ("admin", "member", True),
        ("admin", "owner", True),
        ("owner", "admin", True),
    ],
)
def test_deleting_takes_the_creator_or_an_admin(
    trip_with_roles, role, creator, allowed, capture_events
):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.users[creator])

    with capture_events() as events:
        response = crew.client(role).delete(todos_url(crew.trip, todo))

    todo.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert response.json() == {"message": "Todo deleted successfully"}
        assert todo.deleted_at is not None  # soft delete: the row stays
        assert event_types(events) == ["TODO_DELETED"]
        # Its last state, so the app can drop it (and show what was dropped).
        assert events[0].payload["id"] == str(todo.pk)
        assert events[0].payload["text"] == todo.text
        assert events[0].payload["status"] == todo.status
        assert crew.client(role).get(todos_url(crew.trip, todo)).status_code == 404
    else:
        assert response.status_code == 403
        assert todo.deleted_at is None
        assert events == []


def test_non_member_cannot_delete_a_todo(trip_with_roles):
    todo = TodoFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("stranger").delete(todos_url(trip_with_roles.trip, todo))

    assert response.status_code == 404
    todo.refresh_from_db()
    assert todo.deleted_at is None


def test_deleting_twice_is_not_found(trip_with_roles):
    todo = TodoFactory(trip=trip_with_roles.trip)
    client = trip_with_roles.client("owner")

    assert client.delete(todos_url(trip_with_roles.trip, todo)).status_code == 200
    response = client.delete(todos_url(trip_with_roles.trip, todo))

    assert response.status_code == 404
    assert response.json()["code"] == "todo_not_found"


def test_a_todo_whose_creator_is_gone_is_deleted_by_admins_only(trip_with_roles):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=None)  # the account was deleted: SET_NULL

    member_response = crew.client("member").delete(todos_url(crew.trip, todo))
    admin_response = crew.client("admin").delete(todos_url(crew.trip, todo))

    assert member_response.status_code == 403
    assert admin_response.status_code == 200
