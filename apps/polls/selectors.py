"""Reads of a trip's polls with their results, in a fixed number of queries.

The page of polls, its options and their votes come in three queries whatever their number
(prefetch); the counts and the caller's flags are then computed in Python from those rows and
attached to the instances, so the serializers only read attributes.
"""

import uuid

from django.db.models import Prefetch, QuerySet

from apps.core.errors import ApplicationError, NotFound
from apps.core.pagination import page_total
from apps.polls.models import Poll, PollOption, PollVote


def poll_not_found() -> NotFound:
    return NotFound("Poll not found.", code="poll_not_found")


def parse_id(raw, *, field: str, code: str) -> uuid.UUID:
    """Poll and option ids in paths must be UUIDs: a malformed one is a 400 (contract §9)."""
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except ValueError:
        raise ApplicationError(
            f"The {field.replace('_', ' ')} must be a UUID.",
            code=code,
            details={field: ["Must be a valid UUID."]},
        ) from None


def poll_list(*, trip) -> QuerySet[Poll]:
    """The trip's live polls, newest first (the id tiebreak keeps offset paging stable)."""
    return Poll.objects.alive().filter(trip=trip).order_by("-created_at", "-id")


def poll_get(*, trip, poll_id) -> Poll:
    poll = Poll.objects.alive().filter(trip=trip, pk=poll_id).first()
    if poll is None:
        raise poll_not_found()
    return poll


def _with_results(polls: QuerySet[Poll]) -> QuerySet[Poll]:
    votes = PollVote.objects.order_by("created_at", "id")
    options = PollOption.objects.order_by("position").prefetch_related(
        Prefetch("votes", queryset=votes)
    )
    return polls.prefetch_related(Prefetch("options", queryset=options))


def _attach_results(polls: list[Poll], viewer_id) -> list[Poll]:
    for poll in polls:
        poll.option_results = list(poll.options.all())
        poll.total_votes = poll.user_vote_count = 0
        for option in poll.option_results:
            option.voters = list(option.votes.all())
            option.vote_count = len(option.voters)
            option.has_voted = any(vote.user_id == viewer_id for vote in option.voters)
            poll.total_votes += option.vote_count
            poll.user_vote_count += int(option.has_voted)
    return polls


def poll_page(*, trip, viewer, limit: int, offset: int) -> tuple[list[Poll], int]:
    """One page of PollResponses for ``viewer`` and the total number of live polls."""
    polls = poll_list(trip=trip)
    page = list(_with_results(polls[offset : offset + limit]))
    total = page_total(polls, page, offset=offset, limit=limit)
    return _attach_results(page, viewer.pk), total


def poll_get_with_results(*, trip, poll_id, viewer) -> Poll:
    poll = _with_results(Poll.objects.alive().filter(trip=trip, pk=poll_id)).first()
    if poll is None:
        raise poll_not_found()
    return _attach_results([poll], viewer.pk)[0]
