"""The admin for trips and memberships. Every write goes through ``apps.trips.services``, so the
owner rule, the status machine, events (a member deactivated here leaves the trip's real-time
stream) and notifications hold as in the API. A person joins a trip only by accepting an
invitation: memberships are never added here, and a former member is not reactivated."""

from django import forms
from django.contrib import admin

from apps.core.admin import ServiceRulesAdminMixin
from apps.trips import services
from apps.trips.models import Membership, MembershipStatus, Trip, TripImage, TripStatus

EDITABLE_TRIP_FIELDS = [*services.TRIP_FIELDS, "status"]


class MembershipInline(admin.TabularInline):
    """Read-only: edit a membership on its own page, where the services apply."""

    model = Membership
    extra = 0
    fields = ["user", "role", "status", "created_at", "updated_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # joining takes an invitation

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: history and events depend on the row


class TripImageInline(admin.TabularInline):
    """Support removes an offending image here (through ``trip_image_delete``: a background
    is cleared and members are told); the object in storage goes after commit."""

    model = TripImage
    extra = 0
    fields = ["key", "uploaded_by", "created_at"]
    readonly_fields = ["key", "uploaded_by", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False  # images arrive through uploads, not typed keys


class TripAdminForm(forms.ModelForm):
    class Meta:
        model = Trip
        fields = [*EDITABLE_TRIP_FIELDS, "created_by"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        if self.instance._state.adding and status != TripStatus.PLANNING:
            raise forms.ValidationError("A new trip starts as PLANNING.")
        return status


@admin.register(Trip)
class TripAdmin(ServiceRulesAdminMixin, admin.ModelAdmin):
    """Shows soft-deleted trips too (filter on deleted), so support can inspect them."""

    form = TripAdminForm
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
    readonly_fields = ["id", "created_at", "updated_at", "deleted_at"]
    inlines = [MembershipInline, TripImageInline]
    actions = ["soft_delete"]

    def get_readonly_fields(self, request, obj=None):
        # The creator is chosen once: they become the trip's OWNER.
        return [*self.readonly_fields, "created_by"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in services.TRIP_FIELDS if f in form.cleaned_data}
        if not change:
            created = services.trip_create(user=form.cleaned_data["created_by"], data=data)
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        changed = {f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE_TRIP_FIELDS}
        if changed:
            services.trip_update(trip=obj, actor=request.user, data=changed)
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is TripImage:
            formset.save(commit=False)
            for image in formset.deleted_objects:
                services.trip_image_delete(
                    trip=form.instance, actor=request.user, image_id=image.pk
                )
            return
        super().save_formset(request, form, formset, change)

    def get_deleted_objects(self, objs, request):
        # A soft delete: no row goes, so nothing cascades and no other permission is needed.
        names = [str(obj) for obj in objs]
        return names, {Trip._meta.verbose_name_plural: len(names)}, set(), []

    def delete_model(self, request, obj):
        services.trip_delete(trip=obj, actor=request.user)  # soft: the rows stay for audit

    def delete_queryset(self, request, queryset):
        for trip in queryset.filter(deleted_at__isnull=True):
            services.trip_delete(trip=trip, actor=request.user)

    @admin.action(description="Delete the selected trips (soft)", permissions=["delete"])
    def soft_delete(self, request, queryset):
        self.delete_queryset(request, queryset)


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "status"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        if self.initial.get("status") == MembershipStatus.INACTIVE and (
            status == MembershipStatus.ACTIVE
        ):
            raise forms.ValidationError("A former member comes back by accepting a new invitation.")
        return status


@admin.register(Membership)
class MembershipAdmin(ServiceRulesAdminMixin, admin.ModelAdmin):
    """Role changes and deactivation only, through ``membership_change_role`` and
    ``membership_remove``: an OWNER stays one, and the trip never loses its last owner."""

    form = MembershipAdminForm
    list_display = ["trip", "user", "role", "status", "created_at"]
    list_filter = ["role", "status"]
    search_fields = ["trip__name", "user__username", "user__email"]
    list_select_related = ["trip", "user"]
    readonly_fields = ["id", "trip", "user", "created_at", "updated_at"]
    fields = ["id", "trip", "user", "role", "status", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # joining takes an invitation (apps.invitations)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead

    def save_model(self, request, obj, form, change):
        trip = Trip.objects.get(pk=obj.trip_id)
        if "role" in form.changed_data and form.initial["status"] == MembershipStatus.ACTIVE:
            services.membership_change_role(
                trip=trip, actor=request.user, user_id=obj.user_id, role=obj.role
            )
        if "status" in form.changed_data and obj.status == MembershipStatus.INACTIVE:
            services.membership_remove(trip=trip, actor=request.user, user_id=obj.user_id)
        obj.refresh_from_db()
