"""Trip chat in PostgreSQL (contract Part 1 §8): messages, reactions and each member's read mark.

History is read newest first on ``(created_at, id)``, which the composite index serves for every
page; deletion is soft so replies and read marks keep pointing at a real row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from apps.core.models import BaseModel
from apps.trips.models import Trip

MAX_CONTENT_LENGTH = 1000  # Unicode code points, as PostgreSQL's char_length counts them
MAX_EMOJI_LENGTH = 10
# Bounds on reactions: every history page carries each message's reaction summary.
MAX_DISTINCT_EMOJI_PER_MESSAGE = 20
MAX_REACTIONS_PER_USER_PER_MESSAGE = 5
MAX_CLIENT_MESSAGE_ID_LENGTH = 100


class ChatMessage(BaseModel):
    """One message in a trip's chat.

    ``client_message_id`` is the id the offline-first app gives a message before sending it; a
    retry with the same id from the same sender finds the first row instead of adding a second.
    A deleted message keeps its row (``deleted_at`` set, ``content`` emptied). ``reply_to`` must
    be a message of the same trip; the services check that (no composite foreign key).
    """

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="chat_messages")
    # A deleted account must not tear holes in the others' conversation.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_messages",
    )
    content = models.TextField(blank=True)
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    # NULL, not "", when absent: the partial unique constraint skips NULLs.
    client_message_id = models.CharField(  # noqa: DJ001
        max_length=MAX_CLIENT_MESSAGE_ID_LENGTH, null=True, blank=True
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_message_id"],
                condition=Q(client_message_id__isnull=False),
                name="chat_message_sender_client_id_unique",
            ),
            # A live message has 1-1000 characters; a deleted one has none left.
            models.CheckConstraint(
                condition=Q(
                    GreaterThanOrEqual(Length("content"), 1),
                    LessThanOrEqual(Length("content"), MAX_CONTENT_LENGTH),
                    deleted_at__isnull=True,
                )
                | Q(deleted_at__isnull=False, content=""),
                name="chat_message_content_length",
            ),
        ]
        indexes = [
            # Every history page: WHERE trip = ? AND (created_at, id) < cursor ORDER BY both DESC.
            models.Index(fields=["trip", "-created_at", "-id"], name="chat_msg_trip_created_idx"),
        ]

    def __str__(self):
        return f"{self.sender_id} in {self.trip_id}: {self.content[:40]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ChatReaction(BaseModel):
    """One user's emoji on one message; adding the same emoji twice is one reaction."""

    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_reactions"
    )
    emoji = models.CharField(max_length=MAX_EMOJI_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="chat_reaction_message_user_emoji_unique"
            ),
            models.CheckConstraint(condition=~Q(emoji=""), name="chat_reaction_emoji_not_blank"),
        ]

    def __str__(self):
        return f"{self.emoji} by {self.user_id} on {self.message_id}"


class ChatReadState(BaseModel):
    """How far a member has read a trip's chat: the newest message they marked read.

    Unread counts compare messages' ``(created_at, id)`` with this watermark without joining
    the message. The services only ever move it forward.
    """

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="chat_read_states")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_read_states"
    )
    # A copy of the message's id and created_at, not a foreign key: the mark is a position in
    # the history and outlives the row (an admin may remove a message for good).
    last_read_message_id = models.UUIDField()
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "user"], name="chat_read_state_trip_user_unique"
            )
        ]

    def __str__(self):
        return f"{self.user_id} read {self.trip_id} up to {self.last_read_at}"
