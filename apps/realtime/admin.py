from django.contrib import admin

from apps.realtime.models import WebSocketConnection


@admin.register(WebSocketConnection)
class WebSocketConnectionAdmin(admin.ModelAdmin):
    list_display = ("connection_id", "user", "connected_at", "expires_at", "token_expires_at")
    list_select_related = ("user",)
    search_fields = ("connection_id", "user__email", "user__username")
    readonly_fields = (
        "connection_id",
        "user",
        "connected_at",
        "expires_at",
        "token_expires_at",
        "created_at",
    )
    ordering = ("-connected_at",)
