"""Request and response shapes every media upload shares (avatars, trip images)."""

from rest_framework import serializers


class UploadRequestSerializer(serializers.Serializer):
    content_type = serializers.CharField(max_length=100)


class UploadFormSerializer(serializers.Serializer):
    """Where and how to POST the file: the form fields go first, the file last."""

    url = serializers.URLField()
    fields = serializers.DictField(child=serializers.CharField())
    key = serializers.CharField()
    max_bytes = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
