"""What the mobile app's stores read, checked against what this backend sends.

Each test names the app behaviour it stands for (NomadCrew/nomad-crew-frontend: the trips store
applies trip and member events from their payload, the auth store onboards on a 404, the invite
picker searches with ``tripId`` and greys out ``isMember``). Every one of them failed on the
code before the event catalogue (issue 12).
"""

import uuid

import pytest

from apps.core import event_catalogue as catalogue
from tests.contract.catalogue_check import problems
from tests.factories import MembershipFactory, TodoFactory, TripFactory, UserFactory

pytestmark = pytest.mark.django_db

TRIP_BODY = {
    "name": "Lisbon long weekend",
    "description": "Pastéis",
    "startDate": "2026-06-10",
    "endDate": "2026-06-12",
    "destination": {"address": "Lisbon, Portugal", "placeId": "p1", "name": "Lisbon"},
}


def trip_events(events):
    return [event for event in events if event.trip_id and not event.recipient_user_ids]


def only(events, event_type: str):
    [event] = [event for event in trip_events(events) if event.type == event_type]
    return event


# --- Trips store ------------------------------------------------------------------------------


def test_trip_created_carries_the_trip_the_store_appends(user_client, capture_events):
    """The store builds a trip from TRIP_CREATED's payload (no refetch): it needs the trip."""
    with capture_events() as events:
        response = user_client.post("/v1/trips", TRIP_BODY, format="json")
    assert response.status_code == 201, response.content
    payload = only(events, "TRIP_CREATED").payload
    detail = user_client.get(f"/v1/trips/{response.json()['id']}").json()
    assert payload == {key: value for key, value in detail.items() if value is not None}
    assert (payload["id"], payload["name"], payload["status"]) == (
        response.json()["id"],
        "Lisbon long weekend",
        "PLANNING",
    )


def test_trip_updated_carries_id_name_and_status(trip_with_roles, capture_events):
    """The store replaces the trip whose id is ``payload.id`` with name and status from it."""
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("admin").put(
            f"/v1/trips/{crew.trip.pk}", {"name": "Porto instead"}, format="json"
        )
    assert response.status_code == 200, response.content
    payload = only(events, "TRIP_UPDATED").payload
    assert (payload["id"], payload["name"], payload["status"]) == (
        str(crew.trip.pk),
        "Porto instead",
        "PLANNING",
    )
    assert payload["changedFields"] == ["name"]
    assert payload["startDate"] == response.json()["startDate"]


def test_trip_status_updated_carries_status_and_old_status(trip_with_roles, capture_events):
    """The store reads ``payload.status`` (the old payload had ``new_status``)."""
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").patch(
            f"/v1/trips/{crew.trip.pk}/status", {"status": "ACTIVE"}, format="json"
        )
    assert response.status_code == 200, response.content
    assert only(events, "TRIP_STATUS_UPDATED").payload == {
        "id": str(crew.trip.pk),
        "status": "ACTIVE",
        "oldStatus": "PLANNING",
    }


# --- Members ----------------------------------------------------------------------------------


def test_member_events_carry_user_id_role_and_the_user(trip_with_roles, capture_events):
    """The store adds, re-roles and drops members by ``payload.userId`` / ``payload.role``."""
    crew = trip_with_roles
    members = f"/v1/trips/{crew.trip.pk}/members"
    with capture_events() as events:
        crew.client("owner").put(f"{members}/{crew.member.pk}/role", {"role": "ADMIN"})
        crew.client("owner").delete(f"{members}/{crew.member.pk}")
    role = only(events, "MEMBER_ROLE_UPDATED").payload
    assert (role["userId"], role["role"], role["oldRole"]) == (
        str(crew.member.pk),
        "ADMIN",
        "MEMBER",
    )
    assert role["user"]["id"] == str(crew.member.pk)
    removed = only(events, "MEMBER_REMOVED").payload
    assert (removed["userId"], removed["role"]) == (str(crew.member.pk), "ADMIN")
    assert removed["user"]["username"] == crew.member.username


def test_member_added_carries_user_id_role_and_the_user(
    trip_with_roles, client_for, capture_events
):
    crew = trip_with_roles
    newcomer = UserFactory(cognito_sub=f"sub-{uuid.uuid4()}")
    invited = crew.client("owner").post(
        f"/v1/trips/{crew.trip.pk}/members", {"userId": str(newcomer.pk), "role": "MEMBER"}
    )
    assert invited.status_code == 201, invited.content  # adding invites: joining needs consent
    with capture_events() as events:
        response = client_for(newcomer).post(f"/v1/invitations/{invited.json()['id']}/accept")
    assert response.status_code == 200, response.content
    added = only(events, "MEMBER_ADDED").payload
    assert (added["userId"], added["role"]) == (str(newcomer.pk), "MEMBER")
    assert added["user"]["displayName"] == newcomer.display_name


# --- Todos, locations -------------------------------------------------------------------------


def test_todo_deleted_carries_the_todo_s_last_state(trip_with_roles, capture_events):
    crew = trip_with_roles
    todo = TodoFactory(trip=crew.trip, created_by=crew.member)
    with capture_events() as events:
        response = crew.client("member").delete(f"/v1/trips/{crew.trip.pk}/todos/{todo.pk}")
    assert response.status_code == 200, response.content
    payload = only(events, "TODO_DELETED").payload
    assert (payload["id"], payload["text"], payload["status"]) == (
        str(todo.pk),
        todo.text,
        "INCOMPLETE",
    )
    assert None not in payload.values()


def test_location_without_accuracy_leaves_the_key_out(trip_with_roles, capture_events):
    """The app's schema takes a number or no ``accuracy`` key; ``null`` failed its check."""
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("member").put(
            f"/v1/trips/{crew.trip.pk}/locations",
            {"latitude": 38.72, "longitude": -9.14, "privacy": "precise"},
            format="json",
        )
    assert response.status_code in (200, 201), response.content
    location = only(events, "LOCATION_UPDATED").payload["location"]
    assert "accuracy" not in location
    assert isinstance(location["timestamp"], int)


def test_invitee_email_reaches_only_those_who_may_list_invitations(trip_with_roles, capture_events):
    crew = trip_with_roles
    with capture_events() as events:
        response = crew.client("owner").post(
            f"/v1/trips/{crew.trip.pk}/invitations",
            {"email": "friend@example.com", "role": "MEMBER"},
            format="json",
        )
    assert response.status_code == 201, response.content
    created = [e for e in events if e.type == "TRIP_INVITATION_CREATED"]
    sees_email = {
        user_id for e in created if "inviteeEmail" in e.payload for user_id in e.recipient_user_ids
    }
    assert sees_email == {str(crew.owner.pk), str(crew.admin.pk)}
    reached = {user_id for e in created for user_id in e.recipient_user_ids}
    assert str(crew.member.pk) in reached
    assert not [e for e in created if not e.recipient_user_ids]  # never to the whole trip


# --- The catalogue itself ---------------------------------------------------------------------


def test_every_payload_key_is_camel_case_and_examples_match_their_schema():
    for event_type in catalogue.ALL:
        assert problems(event_type.name, catalogue.example(event_type.payload)) == []


def test_a_payload_that_drifts_from_its_declaration_is_refused():
    with pytest.raises(catalogue.EventPayloadError):
        catalogue.TRIP_STATUS_UPDATED.build({"id": str(uuid.uuid4()), "new_status": "ACTIVE"})
    with pytest.raises(catalogue.EventPayloadError):
        catalogue.declared("TRIP_RENAMED")
    # null is dropped, so a required key given as None is missing
    with pytest.raises(catalogue.EventPayloadError):
        catalogue.TRIP_DELETED.build({"id": None})


# --- Auth store and invite picker -------------------------------------------------------------


def test_me_before_onboarding_is_404_user_not_onboarded(api_client, cognito):
    """The auth store starts onboarding on a 404 from GET /v1/users/me (a 401 signs it out)."""
    person = cognito.create_user(email=f"new-{uuid.uuid4().hex[:8]}@example.com")
    response = api_client.get("/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {person.access_token}")
    assert response.status_code == 404
    assert response.json()["code"] == "user_not_onboarded"
    assert api_client.get("/v1/users/me").status_code == 401  # no token at all is still 401


def test_user_search_with_trip_id_marks_members(trip_with_roles, django_assert_max_num_queries):
    crew = trip_with_roles
    for user in (crew.owner, crew.admin, crew.member, crew.stranger):
        user.username = f"pick{user.username}"
        user.cognito_sub = f"sub-{user.pk}"
        user.save(update_fields=["username", "cognito_sub"])
    former = MembershipFactory(trip=crew.trip, status="INACTIVE", user__username="pickformer")
    former.user.cognito_sub = "sub-former"
    former.user.save(update_fields=["cognito_sub"])
    client = crew.client("admin")
    client.get("/v1/users/search", {"q": "pick"})  # warm the sign-in path
    # The read budget (tests/performance): user, rate-limit counter, trip membership, search.
    with django_assert_max_num_queries(5):
        response = client.get("/v1/users/search", {"q": "pick", "tripId": str(crew.trip.pk)})
    assert response.status_code == 200, response.content
    marks = {u["id"]: u["isMember"] for u in response.json()["users"]}
    assert marks == {
        str(crew.owner.pk): True,
        str(crew.admin.pk): True,
        str(crew.member.pk): True,
        str(crew.stranger.pk): False,
        str(former.user_id): False,
    }


@pytest.mark.parametrize("trip", ["foreign", "unknown", "not-a-uuid"])
def test_user_search_trip_must_be_the_caller_s(trip_with_roles, trip):
    crew = trip_with_roles
    trip_id = {
        "foreign": str(TripFactory().pk),
        "unknown": str(uuid.uuid4()),
        "not-a-uuid": "abc",
    }[trip]
    response = crew.client("member").get("/v1/users/search", {"q": "pick", "tripId": trip_id})
    assert response.status_code == (400 if trip == "not-a-uuid" else 404)
    if trip != "not-a-uuid":
        assert response.json()["code"] == "trip_not_found"
