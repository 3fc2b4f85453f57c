from django.contrib import admin

from apps.locations.models import Location


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "trip",
        "privacy",
        "is_sharing_enabled",
        "sharing_expires_at",
        "recorded_at",
    ]
    list_filter = ["privacy", "is_sharing_enabled"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "trip"]
    raw_id_fields = ["user", "trip"]
    date_hierarchy = "recorded_at"
    ordering = ["-recorded_at"]
    readonly_fields = ["created_at", "updated_at"]
