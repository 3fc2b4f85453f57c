"""The wallet in Django's admin: documents listed without any way to open their files (staff
see what exists, never what it says), and the audit log read-only, filterable."""

from django.contrib import admin

from apps.wallet.models import WalletAuditLog, WalletDocument


@admin.register(WalletDocument)
class WalletDocumentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "document_type",
        "wallet_type",
        "user",
        "trip",
        "file_size",
        "mime_type",
        "created_at",
        "deleted_at",
    ]
    list_filter = ["wallet_type", "document_type", "mime_type"]
    list_select_related = ["user", "trip"]
    # Names and descriptions can be personal ("Ana's passport"): ids only, no search by content.
    search_fields = ["=id", "=user__id", "=trip__id"]
    # No storage key, no metadata (passport numbers), no name: nothing that reads the document.
    fields = [
        "id",
        "user",
        "trip",
        "wallet_type",
        "document_type",
        "file_size",
        "mime_type",
        "created_at",
        "updated_at",
        "deleted_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting goes through the owner's API (soft delete, object removed)


@admin.register(WalletAuditLog)
class WalletAuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "user_id", "document_id", "ip_address"]
    list_filter = ["action", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=user_id", "=document_id", "=ip_address"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id",
        "user_id",
        "document_id",
        "action",
        "ip_address",
        "user_agent",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
