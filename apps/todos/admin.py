from django.contrib import admin

from apps.todos.models import Todo


@admin.register(Todo)
class TodoAdmin(admin.ModelAdmin):
    """Soft-deleted todos are listed too (filter on deleted), so support can inspect them."""

    list_display = ["text", "trip", "status", "created_by", "assigned_to", "due_date", "created_at"]
    list_filter = ["status", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "id", "trip__name"]
    list_select_related = ["trip", "created_by", "assigned_to"]
    raw_id_fields = ["trip", "created_by", "assigned_to", "completed_by"]
    readonly_fields = ["id", "created_at", "updated_at"]
    ordering = ["-created_at"]
