from django.contrib import admin

from apps.polls.models import Poll, PollOption


class PollOptionInline(admin.TabularInline):
    model = PollOption
    extra = 0
    fields = ["position", "text", "created_by", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["created_by"]
    ordering = ["position"]


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    """Soft-deleted polls are listed too (filter on deleted), so support can inspect them."""

    list_display = [
        "question",
        "trip",
        "status",
        "allow_multiple_votes",
        "expires_at",
        "created_at",
    ]
    list_filter = ["status", "allow_multiple_votes", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["question", "id", "trip__name"]
    list_select_related = ["trip"]
    raw_id_fields = ["trip", "created_by", "closed_by"]
    readonly_fields = ["id", "created_at", "updated_at"]
    ordering = ["-created_at"]
    inlines = [PollOptionInline]
