from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from apps.users.models import PushToken, User


class PushTokenInline(admin.TabularInline):
    model = PushToken
    extra = 0
    fields = ["token", "device_type", "is_active", "last_used_at", "created_at"]
    readonly_fields = ["created_at", "last_used_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "last_seen_at"]
    list_filter = ["is_staff", "is_superuser", "is_active", "location_privacy_preference"]
    search_fields = ["username", "email", "contact_email", "first_name", "last_name", "cognito_sub"]
    ordering = ["-date_joined"]
    readonly_fields = [
        "id",
        "cognito_sub",
        "date_joined",
        "last_login",
        "last_seen_at",
        "updated_at",
    ]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "NomadCrew",
            {
                "fields": (
                    "id",
                    "cognito_sub",
                    "contact_email",
                    "avatar_url",
                    "location_privacy_preference",
                    "preferences",
                    "last_seen_at",
                    "updated_at",
                )
            },
        ),
    )
    inlines = [PushTokenInline]


@admin.register(PushToken)
class PushTokenAdmin(admin.ModelAdmin):
    list_display = ["token", "user", "device_type", "is_active", "last_used_at", "created_at"]
    list_filter = ["device_type", "is_active"]
    search_fields = ["token", "user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at", "last_used_at"]
