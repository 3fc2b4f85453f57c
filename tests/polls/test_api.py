"""Polls over HTTP (contract §9): every route by role, validation, voting rules, results,
events and the list's query count."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.polls.models import Poll, PollOption, PollVote
from tests.factories import PollFactory, PollVoteFactory, TripFactory, UserFactory

pytestmark = pytest.mark.django_db

MEMBER_ROLES = ["member", "admin", "owner"]
CREATE_BODY = {"question": "Dinner on Friday?", "options": ["Tapas", "Sushi", "Pizza"]}


def polls_url(trip, poll=None, suffix=""):
    url = f"/v1/trips/{trip.pk}/polls"
    return f"{url}/{poll.pk if isinstance(poll, Poll) else poll}{suffix}" if poll else url


def option(poll, position=0) -> PollOption:
    return poll.options.get(position=position)


def vote(client, trip, poll, opt):
    return client.post(polls_url(trip, poll, "/vote"), {"optionId": str(opt.pk)}, format="json")


def user_votes(poll, user):
    return set(
        PollVote.objects.filter(option__poll=poll, user=user).values_list("option__text", flat=True)
    )


def trip_events(events):
    return [event for event in events if not event.type.startswith("notification")]


def expire(poll):
    Poll.objects.filter(pk=poll.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def close(poll, user):
    Poll.objects.filter(pk=poll.pk).update(
        status="CLOSED", closed_at=timezone.now(), closed_by=user
    )


# --- list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_members_list_the_trips_polls_newest_first(trip_with_roles, role):
    crew = trip_with_roles
    older = PollFactory(trip=crew.trip)
    newer = PollFactory(trip=crew.trip, created_by=crew.member)
    PollFactory()  # another trip's
    PollFactory(trip=crew.trip, deleted_at=timezone.now())

    response = crew.client(role).get(polls_url(crew.trip))

    assert response.status_code == 200, response.content
    body = response.json()
    assert [p["id"] for p in body["data"]] == [str(newer.pk), str(older.pk)]
    assert body["pagination"] == {"limit": 20, "offset": 0, "total": 2}


def test_non_member_cannot_list_polls(trip_with_roles):
    PollFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("stranger").get(polls_url(trip_with_roles.trip))

    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"limit": 20, "offset": 0}),
        ({"limit": "2", "offset": "1"}, {"limit": 2, "offset": 1}),
        ({"limit": "zero"}, {"limit": 20, "offset": 0}),
        ({"limit": "0"}, {"limit": 20, "offset": 0}),
        ({"limit": "1000"}, {"limit": 100, "offset": 0}),
        ({"offset": "-1"}, {"limit": 20, "offset": 0}),
    ],
)
def test_list_paging_is_lenient(trip_with_roles, query, expected):
    crew = trip_with_roles
    polls = [PollFactory(trip=crew.trip) for _ in range(3)][::-1]

    response = crew.client("member").get(polls_url(crew.trip), query)

    body = response.json()
    assert body["pagination"] == {**expected, "total": 3}
    window = polls[expected["offset"] : expected["offset"] + expected["limit"]]
    assert [p["id"] for p in body["data"]] == [str(p.pk) for p in window]


def test_list_query_count_does_not_grow_with_polls_options_and_votes(
    trip_with_roles, django_assert_max_num_queries
):
    crew = trip_with_roles
    client = crew.client("member")
    url = polls_url(crew.trip)
    client.get(url)  # warm up: first sign-in work is not the list's cost
    voters = [crew.owner, crew.admin, crew.member]

    def add_polls(count):
        for index in range(count):
            poll = PollFactory(
                trip=crew.trip,
                allow_multiple_votes=True,
                options=[f"Option {n}" for n in range(2 + index % 4)],
            )
            for opt in poll.options.all():
                for voter in voters[: 1 + index % 3]:
                    PollVoteFactory(option=opt, user=voter)

    add_polls(3)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url, {"limit": 100}).json()["data"]) == 3
    add_polls(27)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"limit": 100})

    assert len(response.json()["data"]) == 30
    assert len(few) <= 6  # user, membership, polls, options, votes, count


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_members_create_polls(trip_with_roles, role, capture_events):
    crew = trip_with_roles
    creator = crew.users[role]
    before = timezone.now()
    with capture_events() as events:
        response = crew.client(role).post(polls_url(crew.trip), CREATE_BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    poll = Poll.objects.get(pk=body["id"])
    assert (poll.trip_id, poll.question, poll.created_by_id) == (
        crew.trip.pk,
        "Dinner on Friday?",
        creator.pk,
    )
    assert (poll.status, poll.allow_multiple_votes) == ("ACTIVE", False)
    assert before + timedelta(minutes=1440) <= poll.expires_at <= timezone.now() + timedelta(1)
    options = list(poll.options.order_by("position"))
    assert [(o.text, o.position) for o in options] == [("Tapas", 0), ("Sushi", 1), ("Pizza", 2)]
    assert body["tripId"] == str(crew.trip.pk)
    assert body["createdBy"] == str(creator.pk)
    assert (body["status"], body["allowMultipleVotes"]) == ("ACTIVE", False)
    assert (body["closedBy"], body["closedAt"]) == (None, None)
    assert parse_datetime(body["expiresAt"]) == poll.expires_at
    assert (body["totalVotes"], body["userVoteCount"]) == (0, 0)
    assert body["options"] == [
        {
            "id": str(o.pk),
            "pollId": str(poll.pk),
            "text": o.text,
            "position": o.position,
            "createdBy": str(creator.pk),
            "createdAt": o.created_at.isoformat().replace("+00:00", "Z"),
            "voteCount": 0,
            "voters": [],
            "hasVoted": False,
        }
        for o in options
    ]
    assert [e.type for e in trip_events(events)] == ["POLL_CREATED"]
    assert events[0].payload == {
        "pollId": str(poll.pk),
        "tripId": str(crew.trip.pk),
        "question": "Dinner on Friday?",
    }
    assert events[0].user_id == str(creator.pk)


def test_create_with_options_settings(trip_with_roles):
    crew = trip_with_roles
    before = timezone.now()
    response = crew.client("member").post(
        polls_url(crew.trip),
        {
            "question": "  Which museums?  ",
            "options": [" Prado ", "Reina Sofía"],
            "allowMultipleVotes": True,
            "durationMinutes": 5,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    poll = Poll.objects.get()
    assert poll.question == "Which museums?"
    assert poll.allow_multiple_votes is True
    assert list(poll.options.order_by("position").values_list("text", flat=True)) == [
        "Prado",
        "Reina Sofía",
    ]
    assert before + timedelta(minutes=5) <= poll.expires_at <= timezone.now() + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"question": None}, "question"),
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "q" * 501}, "question"),
        ({"options": ["Only one"]}, "options"),
        ({"options": []}, "options"),
        ({"options": [f"o{n}" for n in range(21)]}, "options"),
        ({"options": ["Yes", " yes "]}, "options"),
        ({"options": ["Yes", "YES", "No"]}, "options"),
        ({"options": ["Yes", "   "]}, "options.1"),
        ({"options": ["Yes", "n" * 201]}, "options.1"),
        ({"options": "Yes,No"}, "options"),
        ({"durationMinutes": 4}, "durationMinutes"),
        ({"durationMinutes": 2881}, "durationMinutes"),
        ({"durationMinutes": "soon"}, "durationMinutes"),
        ({"allowMultipleVotes": None}, "allowMultipleVotes"),
    ],
)
def test_create_rejects_invalid_input(trip_with_roles, changes, field):
    body = {**CREATE_BODY, **changes}
    response = trip_with_roles.client("member").post(
        polls_url(trip_with_roles.trip), body, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["type"] == "VALIDATION"
    assert field in response.json()["details"]
    assert not Poll.objects.exists()
    assert not PollOption.objects.exists()


def test_create_accepts_the_limits(trip_with_roles):
    response = trip_with_roles.client("member").post(
        polls_url(trip_with_roles.trip),
        {
            "question": "q" * 500,
            "options": [f"{n}" + "o" * 199 for n in range(10)] + [f"x{n}" for n in range(10)],
            "durationMinutes": 2880,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert PollOption.objects.count() == 20


def test_non_member_cannot_create_polls(trip_with_roles):
    response = trip_with_roles.client("stranger").post(
        polls_url(trip_with_roles.trip), CREATE_BODY, format="json"
    )

    assert response.status_code == 404
    assert not Poll.objects.exists()


# --- read -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_members_read_a_poll_with_its_results(trip_with_roles, role):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip, allow_multiple_votes=True, options=["A", "B", "C"])
    a, b = option(poll, 0), option(poll, 1)
    first = PollVoteFactory(option=a, user=crew.owner)
    second = PollVoteFactory(option=a, user=crew.member)
    PollVoteFactory(option=b, user=crew.member)
    viewer = crew.users[role]

    response = crew.client(role).get(polls_url(crew.trip, poll))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totalVotes"] == 3
    assert body["userVoteCount"] == {"owner": 1, "admin": 0, "member": 2}[role]
    options = body["options"]
    assert [(o["text"], o["voteCount"]) for o in options] == [("A", 2), ("B", 1), ("C", 0)]
    assert options[0]["voters"] == [
        {"userId": str(v.user_id), "createdAt": v.created_at.isoformat().replace("+00:00", "Z")}
        for v in (first, second)
    ]
    assert [o["hasVoted"] for o in options] == [
        viewer.pk in {crew.owner.pk, crew.member.pk},
        viewer.pk == crew.member.pk,
        False,
    ]


def test_non_member_cannot_read_a_poll(trip_with_roles):
    poll = PollFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("stranger").get(polls_url(trip_with_roles.trip, poll))

    assert response.status_code == 404
    assert response.json()["code"] == "trip_not_found"


def test_poll_of_another_trip_is_not_found_on_every_route(trip_with_roles):
    crew = trip_with_roles
    foreign = PollFactory(trip=TripFactory(created_by=crew.owner))  # the owner is in both
    client = crew.client("owner")
    opt = option(foreign)

    responses = [
        client.get(polls_url(crew.trip, foreign)),
        client.put(polls_url(crew.trip, foreign), {"question": "Hijack"}, format="json"),
        client.delete(polls_url(crew.trip, foreign)),
        vote(client, crew.trip, foreign, opt),
        client.delete(polls_url(crew.trip, foreign, f"/vote/{opt.pk}")),
        client.post(polls_url(crew.trip, foreign, "/close")),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    assert {r.json()["code"] for r in responses} == {"poll_not_found"}
    question = foreign.question
    foreign.refresh_from_db()
    assert (foreign.question, foreign.status, foreign.deleted_at) == (question, "ACTIVE", None)
    assert not PollVote.objects.exists()


def test_deleted_or_unknown_poll_is_not_found(trip_with_roles):
    crew = trip_with_roles
    deleted = PollFactory(trip=crew.trip, deleted_at=timezone.now())
    client = crew.client("member")

    assert client.get(polls_url(crew.trip, deleted)).status_code == 404
    assert client.get(polls_url(crew.trip, uuid.uuid4())).json()["code"] == "poll_not_found"


def test_malformed_poll_id_is_a_validation_error(trip_with_roles):
    response = trip_with_roles.client("member").get(polls_url(trip_with_roles.trip, "nope"))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_poll_id"
    assert "pollId" in response.json()["details"]


# --- update ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "creator", "allowed"),
    [
        ("member", "member", True),
        ("member", "admin", False),
        ("admin", "member", True),
        ("admin", "owner", True),
        ("owner", "admin", True),
    ],
)
def test_editing_takes_the_creator_or_an_admin(
    trip_with_roles, role, creator, allowed, capture_events
):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip, created_by=crew.users[creator], question="Old?")

    with capture_events() as events:
        response = crew.client(role).put(
            polls_url(crew.trip, poll), {"question": "New?"}, format="json"
        )

    poll.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert response.json()["question"] == poll.question == "New?"
        assert len(response.json()["options"]) == 2
        assert [e.type for e in events] == ["POLL_UPDATED"]
        assert events[0].payload == {
            "pollId": str(poll.pk),
            "tripId": str(crew.trip.pk),
            "question": "New?",
        }
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_role"
        assert poll.question == "Old?"
        assert events == []


def test_question_cannot_change_after_the_first_vote(trip_with_roles):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip, question="Old?")
    PollVoteFactory(option=option(poll), user=crew.member)

    response = crew.client("owner").put(
        polls_url(crew.trip, poll), {"question": "New?"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "poll_has_votes"
    poll.refresh_from_db()
    assert poll.question == "Old?"


@pytest.mark.parametrize("body", [{}, {"question": ""}, {"question": "q" * 501}])
def test_update_rejects_invalid_questions(trip_with_roles, body):
    poll = PollFactory(trip=trip_with_roles.trip, question="Old?")

    response = trip_with_roles.client("owner").put(
        polls_url(trip_with_roles.trip, poll), body, format="json"
    )

    assert response.status_code == 400
    assert "question" in response.json()["details"]


def test_non_member_cannot_update_a_poll(trip_with_roles):
    poll = PollFactory(trip=trip_with_roles.trip, question="Old?")

    response = trip_with_roles.client("stranger").put(
        polls_url(trip_with_roles.trip, poll), {"question": "New?"}, format="json"
    )

    assert response.status_code == 404
    poll.refresh_from_db()
    assert poll.question == "Old?"


# --- delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "creator", "allowed"),
    [
        ("member", "member", True),
        ("member", "owner", False),
        ("admin", "member", True),
        ("owner", "admin", True),
    ],
)
def test_deleting_takes_the_creator_or_an_admin(
    trip_with_roles, role, creator, allowed, capture_events
):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip, created_by=crew.users[creator])
    PollVoteFactory(option=option(poll), user=crew.member)

    with capture_events() as events:
        response = crew.client(role).delete(polls_url(crew.trip, poll))

    poll.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert response.json() == {"message": "Poll deleted successfully"}
        assert poll.deleted_at is not None
        assert PollVote.objects.count() == 1  # soft delete keeps the rows
        assert [e.type for e in events] == ["POLL_DELETED"]
        assert events[0].payload == {"pollId": str(poll.pk), "tripId": str(crew.trip.pk)}
        assert crew.client(role).get(polls_url(crew.trip, poll)).status_code == 404
        assert crew.client(role).get(polls_url(crew.trip)).json()["data"] == []
    else:
        assert response.status_code == 403
        assert poll.deleted_at is None
        assert events == []


def test_non_member_cannot_delete_a_poll(trip_with_roles):
    poll = PollFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("stranger").delete(polls_url(trip_with_roles.trip, poll))

    assert response.status_code == 404
    poll.refresh_from_db()
    assert poll.deleted_at is None


# --- voting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_members_vote(trip_with_roles, role, capture_events):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    voter = crew.users[role]

    with capture_events() as events:
        response = vote(crew.client(role), crew.trip, poll, option(poll, 1))

    assert response.status_code == 200, response.content
    assert response.json() == {"message": "Vote cast successfully"}
    assert user_votes(poll, voter) == {"Option B"}
    assert [e.type for e in events] == ["POLL_VOTE_CAST"]
    assert events[0].payload == {
        "pollId": str(poll.pk),
        "tripId": str(crew.trip.pk),
        "optionId": str(option(poll, 1).pk),
        "userId": str(voter.pk),
    }
    assert events[0].user_id == str(voter.pk)


def test_non_member_cannot_vote(trip_with_roles):
    poll = PollFactory(trip=trip_with_roles.trip)

    response = vote(trip_with_roles.client("stranger"), trip_with_roles.trip, poll, option(poll))

    assert response.status_code == 404
    assert not PollVote.objects.exists()


def test_single_choice_vote_replaces_the_earlier_one(trip_with_roles):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip, options=["A", "B", "C"])
    PollVoteFactory(option=option(poll, 0), user=crew.owner)  # someone else's vote stays
    client = crew.client("member")

    assert vote(client, crew.trip, poll, option(poll, 0)).status_code == 200
    assert vote(client, crew.trip, poll, option(poll, 2)).status_code == 200

    assert user_votes(poll, crew.member) == {"C"}
    assert user_votes(poll, crew.owner) == {"A"}
    body = client.get(polls_url(crew.trip, poll)).json()
    assert (body["totalVotes"], body["userVoteCount"]) == (2, 1)
    assert [o["hasVoted"] for o in body["options"]] == [False, False, True]


def test_multi_choice_votes_add_up_and_repeats_are_ignored(trip_with_roles, capture_events):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip, allow_multiple_votes=True, options=["A", "B", "C"])
    client = crew.client("member")

    assert vote(client, crew.trip, poll, option(poll, 0)).status_code == 200
    assert vote(client, crew.trip, poll, option(poll, 2)).status_code == 200
    with capture_events() as events:
        repeat = vote(client, crew.trip, poll, option(poll, 0))

    assert repeat.status_code == 200
    assert events == []  # nothing changed
    assert user_votes(poll, crew.member) == {"A", "C"}
    body = client.get(polls_url(crew.trip, poll)).json()
    assert (body["totalVotes"], body["userVoteCount"]) == (2, 2)


def test_repeating_a_single_choice_vote_changes_nothing(trip_with_roles, capture_events):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    earlier = PollVoteFactory(option=option(poll), user=crew.member)

    with capture_events() as events:
        response = vote(crew.client("member"), crew.trip, poll, option(poll))

    assert response.status_code == 200
    assert list(PollVote.objects.all()) == [earlier]
    assert events == []


def test_voting_for_an_option_of_another_poll_is_not_found(trip_with_roles):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    other = PollFactory(trip=crew.trip)

    response = vote(crew.client("member"), crew.trip, poll, option(other))

    assert response.status_code == 404
    assert response.json()["code"] == "option_not_found"
    assert not PollVote.objects.exists()


@pytest.mark.parametrize("body", [{}, {"optionId": "nope"}, {"optionId": None}])
def test_vote_needs_an_option_id(trip_with_roles, body):
    poll = PollFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("member").post(
        polls_url(trip_with_roles.trip, poll, "/vote"), body, format="json"
    )

    assert response.status_code == 400
    assert "optionId" in response.json()["details"]


@pytest.mark.parametrize(
    ("make_unavailable", "code"),
    [
        (lambda poll, user: close(poll, user), "poll_closed"),
        (lambda poll, user: expire(poll), "poll_expired"),
        (lambda poll, user: (close(poll, user), expire(poll)), "poll_closed"),
    ],
)
def test_no_voting_on_closed_or_expired_polls(trip_with_roles, make_unavailable, code):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    earlier = PollVoteFactory(option=option(poll, 0), user=crew.member)
    make_unavailable(poll, crew.owner)
    client = crew.client("member")

    cast = vote(client, crew.trip, poll, option(poll, 1))
    removal = client.delete(polls_url(crew.trip, poll, f"/vote/{option(poll, 0).pk}"))

    for response in (cast, removal):
        assert response.status_code == 409
        assert response.json()["type"] == "CONFLICT"
        assert response.json()["code"] == code
    assert list(PollVote.objects.all()) == [earlier]


def test_removing_a_vote(trip_with_roles, capture_events):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip, allow_multiple_votes=True, options=["A", "B"])
    PollVoteFactory(option=option(poll, 0), user=crew.member)
    PollVoteFactory(option=option(poll, 1), user=crew.member)
    PollVoteFactory(option=option(poll, 0), user=crew.admin)

    with capture_events() as events:
        response = crew.client("member").delete(
            polls_url(crew.trip, poll, f"/vote/{option(poll, 0).pk}")
        )

    assert response.status_code == 200
    assert response.json() == {"message": "Vote removed successfully"}
    assert user_votes(poll, crew.member) == {"B"}
    assert user_votes(poll, crew.admin) == {"A"}
    assert [e.type for e in events] == ["POLL_VOTE_REMOVED"]
    assert events[0].payload == {
        "pollId": str(poll.pk),
        "tripId": str(crew.trip.pk),
        "optionId": str(option(poll, 0).pk),
    }


def test_removing_a_vote_never_cast_succeeds_quietly(trip_with_roles, capture_events):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    PollVoteFactory(option=option(poll, 0), user=crew.admin)

    with capture_events() as events:
        response = crew.client("member").delete(
            polls_url(crew.trip, poll, f"/vote/{option(poll, 0).pk}")
        )

    assert response.status_code == 200
    assert events == []
    assert PollVote.objects.count() == 1


def test_removing_a_vote_checks_the_option(trip_with_roles):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    other = PollFactory(trip=crew.trip)
    client = crew.client("member")

    foreign = client.delete(polls_url(crew.trip, poll, f"/vote/{option(other).pk}"))
    malformed = client.delete(polls_url(crew.trip, poll, "/vote/not-a-uuid"))

    assert (foreign.status_code, foreign.json()["code"]) == (404, "option_not_found")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "invalid_option_id")


def test_non_member_cannot_remove_a_vote(trip_with_roles):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    PollVoteFactory(option=option(poll), user=crew.stranger)  # left-over from before

    response = crew.client("stranger").delete(
        polls_url(crew.trip, poll, f"/vote/{option(poll).pk}")
    )

    assert response.status_code == 404
    assert PollVote.objects.count() == 1


# --- close ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "creator", "allowed"),
    [
        ("member", "member", True),
        ("member", "owner", False),
        ("admin", "member", True),
        ("owner", "member", True),
    ],
)
def test_closing_takes_the_creator_or_an_admin_at_any_time(
    trip_with_roles, role, creator, allowed, capture_events
):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip, created_by=crew.users[creator])  # open, nobody voted
    closer = crew.users[role]

    with capture_events() as events:
        response = crew.client(role).post(polls_url(crew.trip, poll, "/close"))

    poll.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        body = response.json()
        assert (poll.status, poll.closed_by_id) == ("CLOSED", closer.pk)
        assert (body["status"], body["closedBy"]) == ("CLOSED", str(closer.pk))
        assert parse_datetime(body["closedAt"]) == poll.closed_at
        assert len(body["options"]) == 2
        assert [e.type for e in events] == ["POLL_CLOSED"]
        assert events[0].payload == {
            "pollId": str(poll.pk),
            "tripId": str(crew.trip.pk),
            "closedBy": str(closer.pk),
        }
    else:
        assert response.status_code == 403
        assert (poll.status, poll.closed_at) == ("ACTIVE", None)
        assert events == []


def test_an_expired_poll_can_be_closed(trip_with_roles):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    expire(poll)

    response = crew.client("owner").post(polls_url(crew.trip, poll, "/close"))

    assert response.status_code == 200
    assert response.json()["status"] == "CLOSED"


def test_closing_twice_is_a_conflict(trip_with_roles):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    client = crew.client("owner")
    assert client.post(polls_url(crew.trip, poll, "/close")).status_code == 200
    closed_at = Poll.objects.get().closed_at

    response = client.post(polls_url(crew.trip, poll, "/close"))

    assert response.status_code == 409
    assert response.json()["code"] == "poll_closed"
    assert Poll.objects.get().closed_at == closed_at


def test_non_member_cannot_close_a_poll(trip_with_roles):
    poll = PollFactory(trip=trip_with_roles.trip)

    response = trip_with_roles.client("stranger").post(
        polls_url(trip_with_roles.trip, poll, "/close")
    )

    assert response.status_code == 404
    poll.refresh_from_db()
    assert poll.status == "ACTIVE"


def test_a_poll_whose_creator_is_gone_is_closed_by_admins_only(trip_with_roles):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip, created_by=None)  # the account was deleted: SET_NULL

    member = crew.client("member").post(polls_url(crew.trip, poll, "/close"))
    admin = crew.client("admin").post(polls_url(crew.trip, poll, "/close"))

    assert (member.status_code, admin.status_code) == (403, 200)


def test_voters_who_left_keep_their_votes_counted(trip_with_roles):
    crew = trip_with_roles
    poll = PollFactory(trip=crew.trip)
    gone = UserFactory()
    PollVoteFactory(option=option(poll), user=gone)

    body = crew.client("member").get(polls_url(crew.trip, poll)).json()

    assert body["options"][0]["voters"][0]["userId"] == str(gone.pk)
    assert body["totalVotes"] == 1
