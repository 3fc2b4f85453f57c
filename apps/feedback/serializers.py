"""Feedback input: the contract's limits (§12), checked after trimming."""

from rest_framework import serializers

from apps.feedback.models import MESSAGE_MIN_LENGTH, FeedbackSource


class FeedbackInputSerializer(serializers.Serializer):
    # CharField trims before its length checks, so "   " is blank and "  short   " too short.
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=255)
    message = serializers.CharField(min_length=MESSAGE_MIN_LENGTH, max_length=5000)
    source = serializers.ChoiceField(choices=FeedbackSource.choices, default=FeedbackSource.LANDING)
