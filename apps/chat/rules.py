"""The chat's input rules, written once: the REST serializers' fields run them (``RuleField``),
the services run them for callers without a serializer (WebSocket frames), so REST and the
socket accept and refuse the same content, reactions and client message ids, with the same codes.
"""

from rest_framework import serializers

from apps.chat.models import MAX_CLIENT_MESSAGE_ID_LENGTH, MAX_CONTENT_LENGTH, MAX_EMOJI_LENGTH
from apps.core.errors import ApplicationError

# The rate-limit group of each chat action, for REST views (``throttle_scope``) and socket frames
# alike, so a client can't get round a limit by switching transport.
SEND, REACT, READ_RECEIPT, TYPING = "chat_send", "chat_react", "chat_read_receipt", "chat_typing"


def _has_nul(text: str) -> bool:
    return "\x00" in text  # PostgreSQL text cannot hold it


def clean_content(content) -> str:
    """Trimmed text of 1-1000 code points."""
    if not isinstance(content, str) or _has_nul(content):
        raise ApplicationError(
            "The message must be plain text.",
            code="invalid_message",
            details={"content": ["Must be a string without NUL characters."]},
        )
    text = content.strip()
    if not text:
        raise ApplicationError(
            "The message cannot be empty.",
            code="empty_message",
            details={"content": ["This field may not be blank."]},
        )
    if len(text) > MAX_CONTENT_LENGTH:
        raise ApplicationError(
            f"The message is longer than {MAX_CONTENT_LENGTH} characters.",
            code="message_too_long",
            details={"content": [f"At most {MAX_CONTENT_LENGTH} characters."]},
        )
    return text


def clean_emoji(emoji) -> str:
    text = emoji.strip() if isinstance(emoji, str) else ""
    if not text or len(text) > MAX_EMOJI_LENGTH or _has_nul(text):
        raise ApplicationError(
            f"The reaction must be 1-{MAX_EMOJI_LENGTH} characters.",
            code="invalid_emoji",
            details={"emoji": [f"Between 1 and {MAX_EMOJI_LENGTH} characters."]},
        )
    return text


def clean_client_message_id(value) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if (
        not isinstance(value, str)
        or len(value.strip()) > MAX_CLIENT_MESSAGE_ID_LENGTH
        or _has_nul(value)
    ):
        raise ApplicationError(
            f"clientMessageId must be a string of at most {MAX_CLIENT_MESSAGE_ID_LENGTH} "
            "characters.",
            code="invalid_client_message_id",
            details={"client_message_id": ["Invalid value."]},
        )
    return value.strip()


class RuleField(serializers.CharField):
    """A CharField that applies one of the rules above (its code becomes the field's code);
    the length bounds stay declared for the OpenAPI schema."""

    def __init__(self, rule, **kwargs):
        self.rule = rule
        kwargs.setdefault("trim_whitespace", False)  # the rule trims
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return self.rule(data)
        except ApplicationError as error:
            raise serializers.ValidationError(error.message, code=error.code) from None

    def run_validators(self, value):
        return None  # the rule has checked everything the validators would
