"""The bench's own code on a tiny data set, so CI proves `make bench` still runs: the seed writes
what it says (foreign keys checked), every endpoint of the latency table answers 2xx with its
queries counted, list query counts don't grow with the rows, and what the writes added is gone.
"""

import pytest
from django.db import connection

from apps.chat.models import ChatMessage, ChatReaction
from apps.core.cognito import reset_key_cache
from apps.locations.models import Location
from apps.notifications.models import Notification
from apps.polls.models import Poll, PollOption, PollVote
from apps.todos.models import Todo
from apps.trips.models import Membership, Trip
from apps.users.models import User
from bench import api_latency, dataset, load

TINY = dataset.Spec.tiny()
MODELS = {
    "users": User,
    "trips": Trip,
    "memberships": Membership,
    "chat messages": ChatMessage,
    "chat reactions": ChatReaction,
    "todos": Todo,
    "polls": Poll,
    "poll options": PollOption,
    "poll votes": PollVote,
    "locations": Location,
    "notifications": Notification,
}


@pytest.fixture
def signer(tmp_path, settings):
    """The bench's token signer, trusted the way the bench configures the app."""
    signer = dataset.Signer.create(tmp_path)
    settings.COGNITO_USER_POOL_ID = dataset.POOL_ID
    settings.COGNITO_REGION = "us-east-1"
    settings.COGNITO_APP_CLIENT_IDS = [dataset.CLIENT_ID]
    settings.COGNITO_JWKS_FILE = str(signer.jwks_path)
    reset_key_cache()
    yield signer
    reset_key_cache()


@pytest.fixture
def seeded(db):
    return dataset.seed(TINY, check_keys=True, analyze=False)


def test_seed_writes_the_spec_and_skips_a_second_time(seeded):
    assert seeded.seeded
    members = TINY.trips * TINY.members + 2  # the probe trip has two
    assert seeded.counts["users"] == TINY.users
    assert seeded.counts["trips"] == TINY.trips + 1
    assert seeded.counts["memberships"] == members
    assert seeded.counts["chat messages"] == TINY.trips * TINY.messages + 3
    assert seeded.counts["todos"] == TINY.trips * TINY.todos + 1
    assert seeded.counts["notifications"] == (TINY.users - 1) * TINY.notifications + 1
    for label, model in MODELS.items():
        assert model.objects.count() == seeded.counts[label], label
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys, now
    light, heavy = dataset.bench_users()
    assert Membership.objects.filter(user=light).count() == 1
    assert Membership.objects.filter(user=heavy).count() == TINY.heavy_trips + 1

    again = dataset.seed(TINY)
    assert not again.seeded
    assert again.reason == "already seeded"
    assert again.counts == seeded.counts
    assert User.objects.count() == TINY.users


def test_seed_refuses_a_database_that_is_not_the_benchs(db):
    from tests.factories import UserFactory

    UserFactory()
    with pytest.raises(dataset.NotABenchDatabase):
        dataset.seed(TINY)
    assert User.objects.count() == 1


def test_every_endpoint_answers_and_its_queries_are_counted(seeded, signer):
    before = {label: model.objects.count() for label, model in MODELS.items()}
    scenario = api_latency.scenario(signer)
    results = api_latency.run(scenario, requests=3, warmup=2, strict=True)

    assert [r.label for r in results] == [e.label for e in api_latency.endpoints(scenario)]
    assert len(results) == 16
    for r in results:
        assert r.ok, (r.label, r.statuses, r.errors)
        assert len(r.statuses) >= 5
        assert len(r.timings_ms) == 3
        assert len(r.queries) == 2
        assert min(r.queries) >= 1, r.label  # at least the signed-in user is read
    lists = [r for r in results if r.small_queries is not None]
    assert len(lists) == 9  # eight lists, and the chat fan-out (3 members vs 2)
    for r in lists:
        assert not r.grows, (r.label, r.queries, r.small_queries)
    rows = {r.label: r.rows for r in results}
    assert rows["GET /v1/trips"] == TINY.heavy_trips + 1
    assert rows["GET …/chat/messages (first page)"] == scenario.page == TINY.messages // 2
    assert rows["GET /v1/trips/:id/members"] == TINY.members
    assert rows["GET /v1/notifications"] == TINY.notifications
    # The writes' rows are gone again: the next run starts from the same data. Votes stay: a
    # vote replaces the caller's earlier one, so after a first run their number is stable.
    after = {label: model.objects.count() for label, model in MODELS.items()}
    assert after.pop("poll votes") <= before.pop("poll votes") + len(scenario.polls)
    assert after == before

    table = api_latency.table(results)
    assert table.count("\n") == len(results) + 1
    assert "`POST …/chat/messages`" in table
    assert "p95 under 50 ms" in api_latency.summary(results)


def test_load_identities_carry_their_trips(seeded, signer):
    people = load.identities(signer, 10)
    assert len(people) == TINY.users - 2  # the two probe users are kept out
    trip_ids = {str(pk) for pk in Trip.objects.values_list("pk", flat=True)}
    for person in people:
        assert person["token"].count(".") == 2
        for trip in person["trips"]:
            assert trip["id"] in trip_ids
            assert Membership.objects.filter(trip_id=trip["id"]).exists()
            if trip["poll"]:
                options = PollOption.objects.filter(poll_id=trip["poll"])
                assert {str(o.pk) for o in options} == set(trip["options"])


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert api_latency.percentile(values, 95) == 95.0
    assert api_latency.percentile(values, 50) == 50.0
    assert api_latency.percentile([7.0], 95) == 7.0
