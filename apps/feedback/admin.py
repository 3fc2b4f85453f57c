from django.contrib import admin

from apps.feedback.models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "source", "name", "email", "user"]
    list_filter = ["source", "created_at"]
    search_fields = ["name", "email", "message", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "created_at", "updated_at"]
