"""Request and response shapes every media upload shares (avatars, trip images), and the one
field every client-given link goes through."""

from django.core.validators import URLValidator
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


class HttpsURLField(serializers.URLField):
    """A link the app will load or show to other people: ``https`` only, so no ``http:``
    (mixed content, sniffable), ``javascript:``, ``data:`` or ``ftp:`` URL is ever stored."""

    default_error_messages = {"invalid": "Enter a valid https:// URL."}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # URLField's own validator allows http and ftp too; keep only the https one.
        self.validators = [v for v in self.validators if not isinstance(v, URLValidator)]
        self.validators.append(
            URLValidator(schemes=["https"], message=self.error_messages["invalid"])
        )
