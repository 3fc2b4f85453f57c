from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from apps.users.models import PushToken, User
from apps.users.services import user_delete_account


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

    # Deleting a user here is the account deletion of DELETE /v1/users/me: the row is
    # anonymised and deactivated (so no membership, vote or reaction cascades away), trips they
    # solely own pass on, the Cognito user goes. The single and the bulk delete both land here.
    def delete_model(self, request, obj):
        user_delete_account(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset.order_by("pk"):
            user_delete_account(user=user)

    def get_deleted_objects(self, objs, request):
        """The confirmation page lists the accounts only: nothing else is deleted with them, so
        permissions on related rows (memberships, wallet documents: not deletable in the admin)
        and protected relations don't apply."""
        accounts = [f"{User._meta.verbose_name.capitalize()}: {obj} (anonymised)" for obj in objs]
        perms_needed = set() if self.has_delete_permission(request) else {User._meta.verbose_name}
        return accounts, {User._meta.verbose_name_plural: len(accounts)}, perms_needed, []


@admin.register(PushToken)
class PushTokenAdmin(admin.ModelAdmin):
    list_display = ["token", "user", "device_type", "is_active", "last_used_at", "created_at"]
    list_filter = ["device_type", "is_active"]
    search_fields = ["token", "user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at", "last_used_at"]
