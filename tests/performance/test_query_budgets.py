"""SQL statements per request of the main endpoints (issue 16): every read at most 5, every
write at most 8, a chat message in a 20-member trip at most 10, authentication, membership,
the rate-limit counter (database cache, as on Lambda) and the page included. On Lambda each
statement is a network round trip to Aurora that the caller waits for. Inside a test's
transaction a service's BEGIN/COMMIT shows as SAVEPOINT/RELEASE, so the counts here are the
round trips production makes."""

import json
import time
import uuid
from datetime import date, timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.settings import api_settings

from apps.chat.models import ChatMessage
from apps.core.models import RateLimitCounter
from apps.core.tasks import purge_rate_limit_counters
from apps.notifications.models import Notification
from tests.factories import (
    ChatMessageFactory,
    ChatReactionFactory,
    LocationFactory,
    MembershipFactory,
    NotificationFactory,
    PollFactory,
    PollVoteFactory,
    TodoFactory,
    TripFactory,
    UserFactory,
)
from tests.realtime.conftest import REDIS_URL, redis_reachable

pytestmark = pytest.mark.django_db

READ, WRITE, CHAT_SEND = 5, 8, 10


@pytest.fixture
def crew(client_for):
    """A trip of 20 members with some of everything, and the owner's signed-in client."""
    owner = UserFactory()
    trip = TripFactory(created_by=owner)
    members = [MembershipFactory(trip=trip, role="MEMBER").user for _ in range(19)]
    for n, author in enumerate(members[:10]):
        message = ChatMessageFactory(trip=trip, sender=author, content=f"old {n}")
        ChatReactionFactory(message=message, user=owner)
    todos = [TodoFactory(trip=trip, created_by=members[n]) for n in range(3)]
    poll = PollFactory(trip=trip, created_by=owner, options=["Tram", "Bus", "Walk"])
    options = list(poll.options.order_by("position"))
    PollVoteFactory(option=options[0], user=members[0])
    for author in members[:5]:
        LocationFactory(trip=trip, user=author)
    NotificationFactory.create_batch(3, user=owner)
    client = client_for(owner)
    client.get("/v1/users/me")  # the first request links the token's sub to the user row
    return {"trip": trip, "client": client, "todos": todos, "poll": poll, "options": options}


def call(client, method, path, body=None):
    return client.generic(
        method,
        path,
        data=None if body is None else json.dumps(body),
        content_type="application/json",
        secure=True,
    )


READS = [
    "/v1/users/me",
    "/v1/trips",
    "/v1/trips/{trip}",
    "/v1/trips/{trip}/members",
    "/v1/trips/{trip}/chat/messages",
    "/v1/trips/{trip}/todos",
    "/v1/trips/{trip}/polls",
    "/v1/trips/{trip}/locations",
    "/v1/notifications",
]


@pytest.mark.parametrize("path", READS)
def test_reads_take_at_most_five_statements(crew, path, django_assert_max_num_queries):
    path = path.format(trip=crew["trip"].pk)
    with django_assert_max_num_queries(READ):
        response = call(crew["client"], "GET", path)
    assert response.status_code == 200, response.content


def test_sending_a_chat_message_to_twenty_members_takes_at_most_ten_statements(
    crew, django_assert_max_num_queries
):
    trip = crew["trip"]
    with django_assert_max_num_queries(CHAT_SEND):
        response = call(
            crew["client"],
            "POST",
            f"/v1/trips/{trip.pk}/chat/messages",
            {"content": "See you at the station", "clientMessageId": "budget-1"},
        )
    assert response.status_code == 201, response.content
    assert response.json()["reactions"] == []
    assert ChatMessage.objects.filter(trip=trip, content="See you at the station").exists()
    assert trip.memberships.count() == 20
    notified = Notification.objects.filter(type="CHAT_MESSAGE").values_list("user_id", flat=True)
    assert set(notified) == set(
        trip.memberships.exclude(user=trip.created_by).values_list("user_id", flat=True)
    )
    assert len(notified) == 19


def writes(crew):
    trip = crew["trip"].pk
    start = date.today() + timedelta(days=30)
    return {
        "create todo": ("POST", f"/v1/trips/{trip}/todos", {"text": "Buy tickets"}, 201),
        "todo status": (
            "PUT",
            f"/v1/trips/{trip}/todos/{crew['todos'][0].pk}",
            {"status": "COMPLETE"},
            200,
        ),
        "vote": (
            "POST",
            f"/v1/trips/{trip}/polls/{crew['poll'].pk}/vote",
            {"optionId": str(crew["options"][1].pk)},
            200,
        ),
        "location": (
            "PUT",
            f"/v1/trips/{trip}/locations",
            {"latitude": 38.7, "longitude": -9.1, "accuracy": 12.5},
            200,
        ),
        "create trip": (
            "POST",
            "/v1/trips",
            {
                "name": "Lisbon",
                "startDate": start.isoformat(),
                "endDate": (start + timedelta(days=7)).isoformat(),
                "destinationName": "Lisbon",
                "destinationLatitude": 38.72,
                "destinationLongitude": -9.14,
            },
            201,
        ),
    }


@pytest.mark.parametrize("name", ["create todo", "todo status", "vote", "location", "create trip"])
def test_writes_take_at_most_eight_statements(crew, name, django_assert_max_num_queries):
    method, path, body, status = writes(crew)[name]
    with django_assert_max_num_queries(WRITE):
        response = call(crew["client"], method, path, body)
    assert response.status_code == status, response.content


@pytest.fixture
def chat_rate_two_per_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**api_settings.DEFAULT_THROTTLE_RATES, "chat_send": "2/min"},
    }


def send(crew, n):
    return call(
        crew["client"],
        "POST",
        f"/v1/trips/{crew['trip'].pk}/chat/messages",
        {"content": f"message {n}", "clientMessageId": f"rate-{n}"},
    )


def test_the_database_rate_limit_counts_and_reads_in_one_statement(crew, chat_rate_two_per_minute):
    """One upsert per request counts and reads the window; the third request of a 2/min
    group is refused with the window's end as its reset time."""
    answers, counter_statements = [], []
    for n in range(3):
        with CaptureQueriesContext(connection) as captured:
            answers.append(send(crew, n))
        sql = [q["sql"] for q in captured]
        counter_statements.append([s for s in sql if "core_rate_limit_counter" in s])
        assert not [s for s in sql if "django_cache" in s]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert [len(s) for s in counter_statements] == [1, 1, 1]
    assert "ON CONFLICT" in counter_statements[0][0]
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[0]["X-RateLimit-Reset"] == answers[2]["X-RateLimit-Reset"]
    assert 1 <= int(answers[2]["Retry-After"]) <= 60
    (counter,) = RateLimitCounter.objects.filter(key__startswith="throttle_chat_send_")
    assert counter.hits == 3
    assert (
        ChatMessage.objects.filter(trip=crew["trip"], content__startswith="message ").count() == 2
    )


def test_a_window_that_has_ended_starts_counting_again(crew, chat_rate_two_per_minute):
    for n in range(2):
        assert send(crew, n).status_code == 201
    assert send(crew, 2).status_code == 429
    RateLimitCounter.objects.update(window_start=time.time() - 61)  # a minute has passed

    again = send(crew, 3)

    assert again.status_code == 201
    assert again["X-RateLimit-Remaining"] == "1"
    assert RateLimitCounter.objects.get().hits == 1


@pytest.fixture
def redis_cache(settings):
    if not redis_reachable():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"budget-{uuid.uuid4().hex}",
        }
    }
    yield caches["default"]
    caches["default"].clear()


def test_redis_counts_with_an_expiry_and_no_sql(crew, chat_rate_two_per_minute, redis_cache):
    with CaptureQueriesContext(connection) as captured:
        answers = [send(crew, n) for n in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert not [q for q in captured if "rate_limit" in q["sql"] or "django_cache" in q["sql"]]
    assert not RateLimitCounter.objects.exists()
    key = redis_cache.make_and_validate_key(
        f"throttle_chat_send_sub:{crew['client'].cognito_user.sub}"
    )
    client = redis_cache._cache.get_client(key)
    assert int(client.get(key)) == 3
    assert 0 < client.ttl(key) <= 60  # the window expires on its own


def test_the_daily_purge_deletes_only_windows_that_have_ended(crew, chat_rate_two_per_minute):
    assert send(crew, 0).status_code == 201
    RateLimitCounter.objects.create(
        key="throttle_feedback_ip:203.0.113.9", window_start=1.0, hits=3
    )

    assert purge_rate_limit_counters({}, None) == 1
    assert purge_rate_limit_counters({}, None) == 0
    (current,) = RateLimitCounter.objects.all()
    assert current.key.startswith("throttle_chat_send_")
