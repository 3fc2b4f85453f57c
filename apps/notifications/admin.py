from django.contrib import admin
from django.utils import timezone

from apps.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["type", "user", "message", "read", "created_at", "pushed_at"]
    list_filter = ["type", "read"]
    search_fields = ["user__email", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    fields = [
        "id",
        "user",
        "type",
        "metadata",
        "message",
        "read",
        "read_at",
        "pushed_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["id", "message", "read_at", "pushed_at", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        # Keep read_at in step with read (a database constraint) when staff toggle it.
        if obj.read and obj.read_at is None:
            obj.read_at = timezone.now()
        elif not obj.read:
            obj.read_at = None
        super().save_model(request, obj, form, change)
