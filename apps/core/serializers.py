"""Request and response shapes every media upload shares (avatars, trip images)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.media import IMAGE_EXTENSIONS


@extend_schema_field({"type": "string", "enum": list(IMAGE_EXTENSIONS)})
class ImageContentTypeField(serializers.CharField):
    """Documented as the accepted types; checked by ``apps.core.media``, which answers
    ``invalid_content_type`` (a code the app handles) rather than a generic choice error."""


class UploadRequestSerializer(serializers.Serializer):
    content_type = ImageContentTypeField(max_length=100)


class UploadFormSerializer(serializers.Serializer):
    """Where and how to POST the file: the form fields go first, the file last."""

    url = serializers.URLField()
    fields = serializers.DictField(child=serializers.CharField())
    key = serializers.CharField()
    max_bytes = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
