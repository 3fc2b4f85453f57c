"""Properties of the pure voting rules the services apply (``apps.polls.models``)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from apps.polls.models import (
    POLL_CLOSED,
    POLL_EXPIRED,
    PollStatus,
    vote_refusal,
    votes_after_cast,
    votes_after_removal,
)

option_ids = st.integers(min_value=0, max_value=30)
option_sets = st.frozensets(option_ids, max_size=20)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)


@given(option_sets, option_ids)
def test_single_choice_keeps_only_the_latest_vote(current, option):
    assert votes_after_cast(current, option, allow_multiple=False) == {option}


@given(option_sets, option_ids)
def test_multi_choice_adds_the_vote_and_keeps_the_others(current, option):
    after = votes_after_cast(current, option, allow_multiple=True)

    assert after == current | {option}
    assert votes_after_cast(after, option, allow_multiple=True) == after  # idempotent


@given(option_sets, option_ids, st.booleans())
def test_removal_takes_back_only_that_vote(current, option, allow_multiple):
    after = votes_after_removal(current, option)

    assert after == current - {option}
    assert votes_after_removal(after, option) == after
    cast = votes_after_cast(current, option, allow_multiple=allow_multiple)
    assert option not in votes_after_removal(cast, option)


@given(moments, st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=30)))
def test_an_active_poll_takes_votes_until_it_expires(now, remaining):
    refusal = vote_refusal(status=PollStatus.ACTIVE, expires_at=now + remaining, now=now)

    assert refusal == (None if remaining > timedelta(0) else POLL_EXPIRED)


@given(moments, moments)
def test_a_closed_poll_never_takes_votes(now, expires_at):
    assert vote_refusal(status=PollStatus.CLOSED, expires_at=expires_at, now=now) == POLL_CLOSED
