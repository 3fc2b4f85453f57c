"""Input validation and output shapes of the chat API (contract Part 1 §8, Part 2 §7).

Optional keys (``replyToId``, ``editedAt``, ``clientMessageId``, ``avatarUrl``) are left out
rather than sent as ``null``: the app types them as optional, and its schemas reject ``null``.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.chat import rules
from apps.chat.models import MAX_CLIENT_MESSAGE_ID_LENGTH, MAX_CONTENT_LENGTH, MAX_EMOJI_LENGTH
from apps.chat.selectors import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


def _content_field(**kwargs):
    # The rule trims, counts code points and refuses NUL characters (as for socket frames).
    return rules.RuleField(
        rules.clean_content, max_length=MAX_CONTENT_LENGTH, allow_blank=False, **kwargs
    )


def _take_content(attrs):
    """``content``, or the old app's ``message``; one of them is required."""
    content = attrs.pop("content", None)
    legacy = attrs.pop("message", None)
    if content is None and legacy is None:
        raise serializers.ValidationError({"content": ["This field is required."]})
    attrs["content"] = content if content is not None else legacy
    return attrs


class MessageCreateSerializer(serializers.Serializer):
    content = _content_field(required=False)
    message = _content_field(required=False, help_text="The old app's name for content.")
    reply_to_id = serializers.UUIDField(required=False, allow_null=True)
    client_message_id = rules.RuleField(
        rules.clean_client_message_id,
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=MAX_CLIENT_MESSAGE_ID_LENGTH,
        help_text="The app's own id for the message; resending it returns the first message.",
    )

    def validate(self, attrs):
        attrs = _take_content(attrs)
        attrs["client_message_id"] = attrs.get("client_message_id") or None
        return attrs


class MessageEditSerializer(serializers.Serializer):
    content = _content_field(required=False)
    message = _content_field(required=False, help_text="The old app's name for content.")

    def validate(self, attrs):
        return _take_content(attrs)


class MessageListQuerySerializer(serializers.Serializer):
    """``limit`` above the maximum is capped, not refused (as every list here does)."""

    limit = serializers.IntegerField(required=False, min_value=1, default=DEFAULT_PAGE_SIZE)
    cursor = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)

    def validate_limit(self, value):
        return min(value, MAX_PAGE_SIZE)


class ReadReceiptSerializer(serializers.Serializer):
    """The three names the app's versions use for the same id."""

    last_read_message_id = serializers.UUIDField(required=False)
    message_id = serializers.UUIDField(required=False)
    last_message_id = serializers.UUIDField(required=False)

    def validate(self, attrs):
        for key in ("last_read_message_id", "message_id", "last_message_id"):
            if attrs.get(key):
                return {"message_id": attrs[key]}
        raise serializers.ValidationError({"last_read_message_id": ["This field is required."]})


class ReactionInputSerializer(serializers.Serializer):
    emoji = rules.RuleField(rules.clean_emoji, max_length=MAX_EMOJI_LENGTH, allow_blank=False)


class ChatSenderSerializer(serializers.Serializer):
    """The sender's shape, for the schema: ``ChatMessageSerializer.get_sender`` builds it."""

    id = serializers.UUIDField(allow_null=True)
    name = serializers.CharField(source="display_name")
    avatar_url = serializers.CharField(source="avatar", required=False)


class ReactionSummarySerializer(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    reacted_by_me = serializers.BooleanField()


_DATETIME = serializers.DateTimeField()  # the API's one date-time format


def sender_data(sender) -> dict:
    """ChatSenderSerializer's shape, built directly: a serializer instance per message was a
    third of a history page's CPU time (bench/api_latency.py)."""
    if sender is None:  # the account was deleted; the message stays
        return {"id": None, "name": "Former member"}
    data = {"id": str(sender.pk), "name": sender.display_name}
    avatar = sender.avatar
    if avatar:
        data["avatar_url"] = avatar
    return data


class ChatMessageSerializer(serializers.Serializer):
    """ChatMessage. Needs ``reaction_summary`` set by ``attach_reaction_summaries`` and the
    sender selected with the message: no queries happen here."""

    OPTIONAL = ("reply_to_id", "edited_at", "client_message_id")

    id = serializers.UUIDField()
    trip_id = serializers.UUIDField()
    content = serializers.CharField()
    reply_to_id = serializers.UUIDField(allow_null=True, required=False)
    sender = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True, required=False)
    deleted = serializers.BooleanField(source="is_deleted")
    reactions = ReactionSummarySerializer(source="reaction_summary", many=True)
    client_message_id = serializers.CharField(allow_null=True, required=False)

    @extend_schema_field(ChatSenderSerializer)
    def get_sender(self, message) -> dict:
        return sender_data(message.sender)

    def to_representation(self, message):
        """The declared fields' output, built directly: DRF's per-field machinery was half
        of a history page's serialisation time (bench/api_latency.py). The fields above stay
        the schema; tests/performance/test_chat_page_json.py checks both give the same JSON."""
        data = {"id": str(message.pk), "trip_id": str(message.trip_id), "content": message.content}
        if message.reply_to_id is not None:
            data["reply_to_id"] = str(message.reply_to_id)
        data["sender"] = sender_data(message.sender)
        data["created_at"] = _DATETIME.to_representation(message.created_at)
        if message.edited_at is not None:
            data["edited_at"] = _DATETIME.to_representation(message.edited_at)
        data["deleted"] = message.is_deleted
        data["reactions"] = [
            {"emoji": r["emoji"], "count": r["count"], "reacted_by_me": r["reacted_by_me"]}
            for r in message.reaction_summary
        ]
        if message.client_message_id is not None:
            data["client_message_id"] = message.client_message_id
        return data


class PaginationSerializer(serializers.Serializer):
    has_more = serializers.BooleanField()
    next_cursor = serializers.CharField(required=False, help_text="Absent on the last page.")
    limit = serializers.IntegerField()

    def to_representation(self, page):
        data = super().to_representation(page)
        if not data.get("next_cursor"):
            data.pop("next_cursor", None)
        return data


class MessagePageSerializer(serializers.Serializer):
    """``{"messages", "pagination": {"hasMore", "nextCursor"?, "limit"}, "unreadCount"}``."""

    messages = ChatMessageSerializer(many=True)
    pagination = PaginationSerializer(source="*")
    unread_count = serializers.SerializerMethodField()

    def get_unread_count(self, page) -> int:
        return self.context["unread_count"]


class ReactionSerializer(serializers.Serializer):
    """One reaction, as the app's reactions hook reads it."""

    id = serializers.UUIDField()
    message_id = serializers.UUIDField()
    trip_id = serializers.SerializerMethodField()
    user_id = serializers.UUIDField()
    emoji = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_trip_id(self, reaction) -> str:
        return str(self.context["trip"].pk)


class ReadStateSerializer(serializers.Serializer):
    status = serializers.SerializerMethodField()
    last_read_message_id = serializers.UUIDField()
    last_read_at = serializers.DateTimeField()
    unread_count = serializers.SerializerMethodField()

    def get_status(self, state) -> str:
        return "Read status updated"  # what the old backend answered

    def get_unread_count(self, state) -> int:
        return self.context["unread_count"]
