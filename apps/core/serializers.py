"""Serializer rules every app shares: strict strings, the one field every client-given link
goes through, and the request and response shapes every media upload shares (avatars, trip
images)."""

from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.media import IMAGE_EXTENSIONS

_lenient_char_to_internal_value = serializers.CharField.to_internal_value


def _strict_char_to_internal_value(self, data):
    if not isinstance(data, str):
        self.fail("invalid")  # "Not a valid string."
    return _lenient_char_to_internal_value(self, data)


def install_strict_strings() -> None:
    """A number or boolean sent where the schema says string is refused, not turned into text.

    DRF's CharField (and EmailField, URLField, RegexField, SlugField built on it) accepts 5 or
    5.0 as "5". The rule is set once on DRF's class at start-up rather than through a subclass
    because it must hold for every string field: about fifty declared in ten apps' serializers
    plus those ModelSerializer derives from models; a subclass would have to be remembered in
    each. Query strings and form fields are strings already, so only JSON bodies are affected.
    """
    serializers.CharField.to_internal_value = _strict_char_to_internal_value


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
