"""Votes racing each other on real connections: the poll lock keeps single-choice polls at one
vote per user and multi-choice polls free of duplicates."""

import pytest

from apps.polls import services
from apps.polls.models import PollVote
from tests.concurrency import race
from tests.factories import MembershipFactory, PollFactory, TripFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race_errors(calls) -> list[Exception]:
    return [result for result in race(*calls) if isinstance(result, Exception)]


def test_concurrent_single_choice_votes_by_one_user_leave_exactly_one_vote():
    trip = TripFactory()
    voter = MembershipFactory(trip=trip).user
    poll = PollFactory(trip=trip, options=[f"Option {n}" for n in range(8)])
    options = list(poll.options.order_by("position"))

    errors = race_errors(
        [
            lambda option=option: services.poll_vote_cast(
                poll=poll, actor=voter, option_id=option.pk
            )
            for option in options
        ]
    )

    assert errors == []
    assert PollVote.objects.filter(user=voter).count() == 1


def test_concurrent_repeats_of_a_multi_choice_vote_store_it_once():
    trip = TripFactory()
    voter = MembershipFactory(trip=trip).user
    poll = PollFactory(trip=trip, allow_multiple_votes=True)
    option = poll.options.get(position=0)

    errors = race_errors(
        [
            lambda: services.poll_vote_cast(poll=poll, actor=voter, option_id=option.pk)
            for _ in range(6)
        ]
    )

    assert errors == []
    assert list(PollVote.objects.values_list("option_id", "user_id")) == [(option.pk, voter.pk)]
