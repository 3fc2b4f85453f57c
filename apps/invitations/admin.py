"""The admin for invitations. Writes go through ``apps.invitations.services``: an invitation
added here is ``invitation_create``'s (events, notification, email), and the one change staff
make to an existing one is revoking it while PENDING (``invitation_revoke``). Accepting stays
the invitee's own act, which is how anyone joins a trip."""

from django import forms
from django.contrib import admin
from django.db import transaction

from apps.core.admin import ServiceRulesAdminMixin
from apps.invitations import services
from apps.invitations.models import INVITABLE_ROLE_CHOICES, Invitation, InvitationStatus
from apps.trips.admin import TripAdmin
from apps.trips.models import MemberRole, Membership, MembershipStatus

TIMESTAMPS = ["created_at", "updated_at", "email_sent_at", "responded_at"]
DETAILS = ["id", "trip", "inviter", "invitee_email", "invitee", "role", "expires_at"]


class InvitationCreateForm(forms.ModelForm):
    """A new invitation on behalf of one of the trip's OWNERs or ADMINs, as the API allows."""

    role = forms.ChoiceField(choices=INVITABLE_ROLE_CHOICES)

    class Meta:
        model = Invitation
        fields = ["trip", "inviter", "invitee_email", "role"]

    def clean_invitee_email(self):
        return services.normalise_email(self.cleaned_data["invitee_email"])

    def clean(self):
        data = super().clean()
        trip, inviter = data.get("trip"), data.get("inviter")
        if (
            trip
            and inviter
            and not Membership.objects.filter(
                trip=trip,
                user=inviter,
                status=MembershipStatus.ACTIVE,
                role__in=[MemberRole.OWNER, MemberRole.ADMIN],
            ).exists()
        ):
            self.add_error("inviter", "The inviter must be an OWNER or ADMIN of the trip.")
        return data


class InvitationChangeForm(forms.ModelForm):
    """Only the status, and only from PENDING to DECLINED (a revocation)."""

    class Meta:
        model = Invitation
        fields = ["status"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status != self.initial.get("status") and not (
            self.initial.get("status") == InvitationStatus.PENDING
            and status == InvitationStatus.DECLINED
        ):
            raise forms.ValidationError(
                "Staff can only revoke a pending invitation (set it to DECLINED)."
            )
        return status


class InvitationInline(admin.TabularInline):
    """For the Trip admin (attached there): the trip's invitations, newest first, read-only;
    each links to its own page."""

    model = Invitation
    fk_name = "trip"
    extra = 0
    fields = ["invitee_email", "role", "status", "inviter", "expires_at", *TIMESTAMPS]
    readonly_fields = fields
    ordering = ["-created_at"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(ServiceRulesAdminMixin, admin.ModelAdmin):
    list_display = [
        "invitee_email",
        "trip",
        "role",
        "status",
        "inviter",
        "expires_at",
        "created_at",
    ]
    list_filter = ["status", "role"]
    search_fields = ["invitee_email", "trip__name", "id"]
    list_select_related = ["trip", "inviter"]
    raw_id_fields = ["trip", "inviter"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = InvitationChangeForm if obj else InvitationCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["trip", "inviter", "invitee_email", "role"]
        return [*DETAILS, "status", "resend_count", "revoked_by", *TIMESTAMPS]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*DETAILS, "resend_count", "revoked_by", *TIMESTAMPS]

    def has_delete_permission(self, request, obj=None):
        return False  # the history of who was invited stays; revoke instead

    def save_model(self, request, obj, form, change):
        if not change:
            invitation, _ = services.invitation_create(
                trip=form.cleaned_data["trip"],
                inviter=form.cleaned_data["inviter"],
                email=form.cleaned_data["invitee_email"],
                role=form.cleaned_data["role"],
            )
            obj.pk = invitation.pk
        elif "status" in form.changed_data:
            services.invitation_revoke(trip=obj.trip, invitation_id=obj.pk, actor=request.user)
        obj.refresh_from_db()

    @admin.action(description="Revoke the selected pending invitations")
    def revoke(self, request, queryset):
        with transaction.atomic():  # all or none
            for invitation in queryset.select_related("trip"):
                services.invitation_revoke(
                    trip=invitation.trip, invitation_id=invitation.pk, actor=request.user
                )


# The trip page shows its invitations too; attached from here so trips needn't know invitations.
TripAdmin.inlines = [*TripAdmin.inlines, InvitationInline]
