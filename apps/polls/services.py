"""Writes to polls (contract §9): creation, edits, votes and closing, and their events.

Every write that depends on the poll's state (open or closed, voted on or not) locks the poll
row first, so a vote and a close, an edit or another vote of the same user run one after the
other: a single-choice poll can never end up with two votes of one user, and no vote lands on
a poll after it was closed or an edit after the first vote.
Views authorise first (``apps.trips.permissions``: the creator or ADMIN+ edits, deletes and
closes; any member votes).
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.core import event_catalogue as catalogue
from apps.core.errors import Conflict, NotFound
from apps.polls.models import (
    POLL_CLOSED,
    POLL_EXPIRED,
    Poll,
    PollOption,
    PollStatus,
    PollVote,
    vote_refusal,
    votes_after_cast,
    votes_after_removal,
)
from apps.polls.selectors import poll_not_found

_REFUSAL_MESSAGES = {
    POLL_CLOSED: "This poll is closed.",
    POLL_EXPIRED: "This poll has expired.",
}


def _lock_poll(poll_id) -> Poll:
    poll = Poll.objects.alive().select_for_update().filter(pk=poll_id).first()
    if poll is None:
        raise poll_not_found()  # deleted since the view read it
    return poll


def _check_open(poll: Poll) -> None:
    refusal = vote_refusal(status=poll.status, expires_at=poll.expires_at, now=timezone.now())
    if refusal is not None:
        raise Conflict(_REFUSAL_MESSAGES[refusal], code=refusal)


def _user_option_ids(poll: Poll, user, *, checking) -> frozenset:
    """The options ``user`` voted for, after checking ``checking`` is one of the poll's: one
    query over the poll's (at most 20) options."""
    voted = dict(
        PollOption.objects.filter(poll=poll)
        .annotate(mine=Exists(PollVote.objects.filter(option=OuterRef("pk"), user=user)))
        .values_list("pk", "mine")
    )
    if checking not in voted:  # a UUID: the view parsed it
        raise NotFound("Option not found in this poll.", code="option_not_found")
    return frozenset(option for option, mine in voted.items() if mine)


def _poll_payload(poll: Poll) -> dict[str, str]:
    return {"pollId": str(poll.pk), "tripId": str(poll.trip_id), "question": poll.question}


def poll_create(
    *,
    trip,
    actor,
    question: str,
    options: list[str],
    allow_multiple_votes: bool = False,
    duration_minutes: int,
) -> Poll:
    """The poll and its options, in the order given; voting closes ``duration_minutes`` on."""
    with transaction.atomic():
        poll = Poll.objects.create(
            trip=trip,
            question=question,
            allow_multiple_votes=allow_multiple_votes,
            created_by=actor,
            expires_at=timezone.now() + timedelta(minutes=duration_minutes),
        )
        PollOption.objects.bulk_create(
            PollOption(poll=poll, text=text, position=position, created_by=actor)
            for position, text in enumerate(options)
        )
        catalogue.POLL_CREATED.publish(
            trip_id=trip.pk,
            user_id=actor.pk,
            payload=_poll_payload(poll),
        )
    return poll


def poll_update(*, poll: Poll, actor, question: str) -> Poll:
    """Only the question changes, and only before the first vote (it would change what the
    voters answered)."""
    with transaction.atomic():
        locked = _lock_poll(poll.pk)
        if PollVote.objects.filter(option__poll=locked).exists():
            raise Conflict("A poll cannot be edited once someone has voted.", code="poll_has_votes")
        if locked.question == question:
            return locked
        locked.question = question
        locked.save(update_fields=["question", "updated_at"])
        catalogue.POLL_UPDATED.publish(
            trip_id=locked.trip_id,
            user_id=actor.pk,
            payload=_poll_payload(locked),
        )
    return locked


def poll_delete(*, poll: Poll, actor) -> None:
    """Soft delete: the poll leaves every route; its rows and votes stay."""
    with transaction.atomic():
        locked = _lock_poll(poll.pk)
        locked.deleted_at = timezone.now()
        locked.save(update_fields=["deleted_at", "updated_at"])
        catalogue.POLL_DELETED.publish(
            trip_id=locked.trip_id,
            user_id=actor.pk,
            payload={"pollId": str(locked.pk), "tripId": str(locked.trip_id)},
        )


def poll_vote_cast(*, poll: Poll, actor, option_id) -> bool:
    """Vote for ``option_id``: replaces the earlier vote of a single-choice poll, adds to a
    multi-choice one. Returns whether anything changed (a repeated vote changes nothing and
    publishes nothing)."""
    with transaction.atomic():
        locked = _lock_poll(poll.pk)
        current = _user_option_ids(locked, actor, checking=option_id)
        _check_open(locked)
        wanted = votes_after_cast(current, option_id, allow_multiple=locked.allow_multiple_votes)
        if wanted == current:
            return False
        if current - wanted:
            PollVote.objects.filter(user=actor, option_id__in=current - wanted).delete()
        PollVote.objects.bulk_create(
            PollVote(option_id=added, user=actor) for added in wanted - current
        )
        catalogue.POLL_VOTE_CAST.publish(
            trip_id=locked.trip_id,
            user_id=actor.pk,
            payload={
                "pollId": str(locked.pk),
                "tripId": str(locked.trip_id),
                "optionId": str(option_id),
                "userId": str(actor.pk),
            },
        )
    return True


def poll_vote_remove(*, poll: Poll, actor, option_id) -> bool:
    """Take back the vote for ``option_id``; no vote to take back is no error."""
    with transaction.atomic():
        locked = _lock_poll(poll.pk)
        current = _user_option_ids(locked, actor, checking=option_id)
        _check_open(locked)
        removed = current - votes_after_removal(current, option_id)
        if not removed:
            return False
        PollVote.objects.filter(user=actor, option_id__in=removed).delete()
        catalogue.POLL_VOTE_REMOVED.publish(
            trip_id=locked.trip_id,
            user_id=actor.pk,
            payload={
                "pollId": str(locked.pk),
                "tripId": str(locked.trip_id),
                "optionId": str(option_id),
            },
        )
    return True


def poll_close(*, poll: Poll, actor) -> Poll:
    """End voting now. The creator or ADMIN+ may close at any time (see the view)."""
    with transaction.atomic():
        locked = _lock_poll(poll.pk)
        if locked.status == PollStatus.CLOSED:
            raise Conflict("This poll is already closed.", code=POLL_CLOSED)
        locked.status = PollStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        catalogue.POLL_CLOSED.publish(
            trip_id=locked.trip_id,
            user_id=actor.pk,
            payload={
                "pollId": str(locked.pk),
                "tripId": str(locked.trip_id),
                "closedBy": str(actor.pk),
            },
        )
    return locked
