from django import forms
from django.contrib import admin
from django.utils import timezone

from apps.invitations.models import Invitation, InvitationStatus
from apps.trips.admin import TripAdmin

TIMESTAMPS = ["created_at", "updated_at", "email_sent_at", "responded_at"]
ANSWERED = (InvitationStatus.ACCEPTED, InvitationStatus.DECLINED)


class InvitationAdminForm(forms.ModelForm):
    """Keeps what the database checks in step when staff edit an invitation: the address in
    lower case, ``responded_at`` set exactly for answered ones, ``revoked_by`` only on DECLINED
    (otherwise the save would be an IntegrityError, as those fields aren't on the form)."""

    class Meta:
        model = Invitation
        fields = ["trip", "inviter", "invitee_email", "invitee", "role", "status", "expires_at"]

    def clean_invitee_email(self):
        return self.cleaned_data["invitee_email"].strip().lower()

    def clean(self):
        data = super().clean()
        status = data.get("status", self.instance.status)
        if status not in ANSWERED:
            self.instance.responded_at = None
        elif self.instance.responded_at is None:
            self.instance.responded_at = timezone.now()
        if status != InvitationStatus.DECLINED:
            self.instance.revoked_by = None
        return data


class InvitationInline(admin.TabularInline):
    """For the Trip admin (attached there): the trip's invitations, newest first."""

    model = Invitation
    form = InvitationAdminForm
    fk_name = "trip"
    extra = 0
    fields = ["invitee_email", "role", "status", "inviter", "expires_at", *TIMESTAMPS]
    readonly_fields = TIMESTAMPS
    raw_id_fields = ["inviter"]
    ordering = ["-created_at"]
    show_change_link = True


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    form = InvitationAdminForm
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
    raw_id_fields = ["trip", "inviter", "invitee"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    readonly_fields = ["id", "resend_count", "revoked_by", *TIMESTAMPS]


# The trip page shows its invitations too; attached from here so trips needn't know invitations.
TripAdmin.inlines = [*TripAdmin.inlines, InvitationInline]
