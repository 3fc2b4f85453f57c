"""Input validation and output shape of the polls API (contract §9)."""

from rest_framework import serializers

from apps.polls.models import (
    DEFAULT_DURATION_MINUTES,
    MAX_DURATION_MINUTES,
    MAX_OPTIONS,
    MIN_DURATION_MINUTES,
    MIN_OPTIONS,
    OPTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    Poll,
    PollOption,
)


class VoterSerializer(serializers.Serializer):
    user_id = serializers.UUIDField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class PollOptionSerializer(serializers.ModelSerializer):
    """An option with its results; ``vote_count``, ``voters`` and ``has_voted`` are attached
    by the selector (no queries here)."""

    poll_id = serializers.UUIDField(read_only=True)
    created_by = serializers.UUIDField(source="created_by_id", read_only=True, allow_null=True)
    vote_count = serializers.IntegerField(read_only=True)
    voters = VoterSerializer(many=True, read_only=True)
    has_voted = serializers.BooleanField(read_only=True)

    class Meta:
        model = PollOption
        fields = [
            "id",
            "poll_id",
            "text",
            "position",
            "created_by",
            "created_at",
            "vote_count",
            "voters",
            "has_voted",
        ]
        read_only_fields = fields


class PollSerializer(serializers.ModelSerializer):
    """PollResponse: the Poll with its options' results, the total and the caller's count.
    Only for instances from ``selectors.poll_page``/``poll_get_with_results``."""

    trip_id = serializers.UUIDField(read_only=True)
    created_by = serializers.UUIDField(source="created_by_id", read_only=True, allow_null=True)
    closed_by = serializers.UUIDField(source="closed_by_id", read_only=True, allow_null=True)
    options = PollOptionSerializer(source="option_results", many=True, read_only=True)
    total_votes = serializers.IntegerField(read_only=True)
    user_vote_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Poll
        fields = [
            "id",
            "trip_id",
            "question",
            "status",
            "allow_multiple_votes",
            "created_by",
            "closed_by",
            "closed_at",
            "expires_at",
            "created_at",
            "updated_at",
            "options",
            "total_votes",
            "user_vote_count",
        ]
        read_only_fields = fields


class PollCreateSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=QUESTION_MAX_LENGTH)
    options = serializers.ListField(
        child=serializers.CharField(max_length=OPTION_MAX_LENGTH),
        min_length=MIN_OPTIONS,
        max_length=MAX_OPTIONS,
    )
    allow_multiple_votes = serializers.BooleanField(default=False)
    duration_minutes = serializers.IntegerField(
        min_value=MIN_DURATION_MINUTES,
        max_value=MAX_DURATION_MINUTES,
        default=DEFAULT_DURATION_MINUTES,
    )

    def validate_options(self, options: list[str]) -> list[str]:
        # casefold is at least as strict as the database's lower() behind the unique constraint.
        seen: set[str] = set()
        for text in options:
            key = text.casefold()
            if key in seen:
                raise serializers.ValidationError(f'"{text}" is given more than once.')
            seen.add(key)
        return options


class PollUpdateSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=QUESTION_MAX_LENGTH)


class VoteSerializer(serializers.Serializer):
    option_id = serializers.UUIDField()
