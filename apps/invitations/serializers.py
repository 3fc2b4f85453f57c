"""Input validation and output shapes of the invitations API (contract §5)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.invitations import tokens
from apps.invitations.models import INVITABLE_ROLE_CHOICES, Invitation, InvitationStatus
from apps.trips.models import Trip
from apps.trips.serializers import TripDateOutputField, UpperChoiceField
from apps.users.models import User
from apps.users.serializers import UserSummarySerializer


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = UpperChoiceField(
        choices=INVITABLE_ROLE_CHOICES,
        error_messages={"invalid_choice": "Must be MEMBER or ADMIN (got {input!r})."},
    )


class InvitationTokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=4096, trim_whitespace=True)


class TripInvitationSerializer(serializers.ModelSerializer):
    """TripInvitation (§5), for the trip's admins only. ``token`` is a plain string (not Go's
    ``{"String","Valid"}`` object) while the invitation is PENDING, so an admin can share the
    link by hand; null once it can no longer be used."""

    trip_id = serializers.UUIDField(read_only=True)
    inviter_id = serializers.UUIDField(read_only=True, allow_null=True)
    invitee_id = serializers.UUIDField(read_only=True, allow_null=True)
    # "" when the member-add route made it: the trip doesn't learn the user's address.
    invitee_email = serializers.CharField(source="shown_email", read_only=True)
    token = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "trip_id",
            "inviter_id",
            "invitee_email",
            "invitee_id",
            "role",
            "status",
            "created_at",
            "updated_at",
            "expires_at",
            "token",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_token(self, invitation) -> str | None:
        if invitation.status != InvitationStatus.PENDING:
            return None
        return tokens.invitation_token(invitation)


class InvitationTripSerializer(serializers.ModelSerializer):
    start_date = TripDateOutputField()
    end_date = TripDateOutputField()

    class Meta:
        model = Trip
        fields = ["id", "name", "description", "start_date", "end_date"]
        read_only_fields = fields


class InviterSerializer(UserSummarySerializer):
    """A UserResponse whose ``email`` is always "": the invitee learns who invited them, not
    the inviter's address."""

    email = serializers.SerializerMethodField()

    class Meta(UserSummarySerializer.Meta):
        model = User

    def get_email(self, user) -> str:
        return ""


class InvitationDetailsSerializer(serializers.ModelSerializer):
    """InvitationDetails (§5); needs ``invitation_details_get``'s related rows and count."""

    trip_id = serializers.UUIDField(read_only=True)
    email = serializers.CharField(source="shown_email", read_only=True)
    trip = InvitationTripSerializer(read_only=True)
    inviter = InviterSerializer(read_only=True, allow_null=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "trip_id",
            "email",
            "status",
            "role",
            "created_at",
            "expires_at",
            "trip",
            "inviter",
            "member_count",
        ]
        read_only_fields = fields
