"""Trip polls (contract §9): a question, its options and the members' votes.

The voting rules are pure functions here (``vote_refusal``, ``can_vote``, ``votes_after_cast``,
``votes_after_removal``) so the services and property tests share one definition.
"""

from collections.abc import Set
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from apps.core.models import BaseModel

QUESTION_MAX_LENGTH = 500
OPTION_MAX_LENGTH = 200
MIN_OPTIONS, MAX_OPTIONS = 2, 20
MIN_DURATION_MINUTES, MAX_DURATION_MINUTES = 5, 2880
DEFAULT_DURATION_MINUTES = 1440


class PollStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    CLOSED = "CLOSED", "Closed"


POLL_CLOSED = "poll_closed"
POLL_EXPIRED = "poll_expired"


def vote_refusal(*, status: str, expires_at: datetime, now: datetime) -> str | None:
    """Why nobody may vote (or take a vote back) right now: ``poll_closed`` wins over
    ``poll_expired``; ``None`` when voting is open. A poll expires at ``expires_at`` exactly."""
    if status != PollStatus.ACTIVE:
        return POLL_CLOSED
    if now >= expires_at:
        return POLL_EXPIRED
    return None


def can_vote(poll: "Poll", now: datetime) -> bool:
    return vote_refusal(status=poll.status, expires_at=poll.expires_at, now=now) is None


def votes_after_cast(current: Set, option_id, *, allow_multiple: bool) -> frozenset:
    """A user's options in a poll after voting for ``option_id``: single-choice replaces the
    earlier vote, multi-choice adds to it (voting twice for one option changes nothing)."""
    if allow_multiple:
        return frozenset(current) | {option_id}
    return frozenset({option_id})


def votes_after_removal(current: Set, option_id) -> frozenset:
    """Removing a vote that was never cast is no error and changes nothing."""
    return frozenset(current) - {option_id}


class PollQuerySet(models.QuerySet):
    def alive(self):
        """Polls not soft-deleted: the only ones the API shows or touches."""
        return self.filter(deleted_at__isnull=True)


class Poll(BaseModel):
    """A question put to a trip's members. Voting is open while ACTIVE and before
    ``expires_at``; ``closed_at`` is set exactly when CLOSED. Soft-deleted via ``deleted_at``."""

    trip = models.ForeignKey("trips.Trip", on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(max_length=QUESTION_MAX_LENGTH)
    status = models.CharField(max_length=16, choices=PollStatus.choices, default=PollStatus.ACTIVE)
    allow_multiple_votes = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_polls",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="closed_polls",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = PollQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PollStatus.values), name="poll_status_valid"
            ),
            models.CheckConstraint(condition=~Q(question=""), name="poll_question_not_empty"),
            models.CheckConstraint(
                condition=Q(status=PollStatus.ACTIVE, closed_at__isnull=True, closed_by=None)
                | Q(status=PollStatus.CLOSED, closed_at__isnull=False),
                name="poll_closed_at_iff_closed",
            ),
        ]
        indexes = [
            # The list: a trip's live polls, newest first.
            models.Index(
                fields=["trip", "-created_at"],
                condition=Q(deleted_at__isnull=True),
                name="poll_trip_alive_created_idx",
            ),
        ]

    def __str__(self):
        return self.question[:50]


class PollOption(BaseModel):
    """One answer of a poll, in the order it was given (``position``, 0-based). Options of one
    poll differ case-insensitively."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=OPTION_MAX_LENGTH)
    position = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "position"], name="poll_option_position_unique"
            ),
            models.UniqueConstraint(F("poll"), Lower("text"), name="poll_option_text_ci_unique"),
            models.CheckConstraint(condition=~Q(text=""), name="poll_option_text_not_empty"),
            models.CheckConstraint(
                condition=Q(position__lt=MAX_OPTIONS), name="poll_option_position_range"
            ),
        ]

    def __str__(self):
        return self.text[:50]


class PollVote(BaseModel):
    """A member's vote for one option. One vote per option and user; "one option per poll" for
    single-choice polls spans rows, so ``poll_vote_cast`` enforces it under a lock on the poll."""

    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_votes"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["option", "user"], name="poll_vote_option_user_unique"),
        ]
        indexes = [models.Index(fields=["user", "option"], name="poll_vote_user_option_idx")]

    def __str__(self):
        return f"{self.user_id} for {self.option_id}"
