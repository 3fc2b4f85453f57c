from django.contrib import admin

from apps.chat.models import ChatMessage, ChatReaction, ChatReadState


class ChatReactionInline(admin.TabularInline):
    model = ChatReaction
    extra = 0
    fields = ["emoji", "user", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ["short_content", "trip", "sender", "created_at", "edited_at", "deleted_at"]
    # Only trips that have messages, so the sidebar stays short.
    list_filter = [("trip", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["content"]
    list_select_related = ["trip", "sender"]
    raw_id_fields = ["trip", "sender", "reply_to"]
    date_hierarchy = "created_at"
    fields = [
        "id",
        "trip",
        "sender",
        "content",
        "reply_to",
        "client_message_id",
        "created_at",
        "updated_at",
        "edited_at",
        "deleted_at",
    ]
    readonly_fields = ["id", "created_at", "updated_at", "edited_at", "deleted_at"]
    inlines = [ChatReactionInline]

    @admin.display(description="content")
    def short_content(self, message):
        return "(deleted)" if message.is_deleted else message.content[:80]


@admin.register(ChatReadState)
class ChatReadStateAdmin(admin.ModelAdmin):
    list_display = ["user", "trip", "last_read_at", "updated_at"]
    list_select_related = ["trip", "user"]
    raw_id_fields = ["trip", "user"]
    readonly_fields = ["id", "last_read_message_id", "last_read_at", "created_at", "updated_at"]
