from django.contrib import admin

from apps.trips.models import Membership, Trip, TripImage


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "status", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["user"]


class TripImageInline(admin.TabularInline):
    """Support removes an offending image here; the object in storage is left (harmless)."""

    model = TripImage
    extra = 0
    fields = ["key", "uploaded_by", "created_at"]
    readonly_fields = ["key", "uploaded_by", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False  # images arrive through uploads, not typed keys


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    """Shows soft-deleted trips too (filter on deleted), so support can inspect them."""

    list_display = [
        "name",
        "destination_name",
        "status",
        "start_date",
        "end_date",
        "created_by",
        "deleted_at",
    ]
    list_filter = ["status", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "destination_name", "destination_address", "id"]
    list_select_related = ["created_by"]
    raw_id_fields = ["created_by"]
    date_hierarchy = "start_date"
    ordering = ["-start_date"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [MembershipInline, TripImageInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["trip", "user", "role", "status", "created_at"]
    list_filter = ["role", "status"]
    search_fields = ["trip__name", "user__username", "user__email"]
    list_select_related = ["trip", "user"]
    raw_id_fields = ["trip", "user"]
    readonly_fields = ["id", "created_at", "updated_at"]
