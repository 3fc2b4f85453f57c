"""Input validation and output shapes of the users API (contract §2, Part 1 §11)."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from apps.core.serializers import HttpsURLField
from apps.users.models import DeviceType, LocationPrivacy, PushToken, User

ONLINE_WINDOW = timedelta(minutes=5)


class UserSummarySerializer(serializers.ModelSerializer):
    """The user nested in members, invitations, chat senders (contract's UserResponse)."""

    avatar_url = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "username",
            "first_name",
            "last_name",
            "avatar_url",
            "display_name",
        ]
        read_only_fields = fields


# What a user who shares no trip with someone sees of them: a name and a picture, not the
# email (the user base would be harvestable through search) nor when they were last active.
_STRANGER_BLANKS = {"email": "", "last_seen_at": None, "is_online": False}


class UserProfileSerializer(serializers.ModelSerializer):
    """UserProfile. ``contactEmail`` and ``preferences`` are only shown to their owner."""

    avatar_url = serializers.CharField(source="avatar", read_only=True)
    profile_picture_url = serializers.CharField(source="avatar", read_only=True)
    display_name = serializers.CharField(read_only=True)
    is_online = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="date_joined", read_only=True)
    # Only their owner sees these (so not required); "" until a contact email is set.
    contact_email = serializers.CharField(read_only=True, required=False)
    preferences = serializers.JSONField(read_only=True, required=False)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "username",
            "first_name",
            "last_name",
            "avatar_url",
            "profile_picture_url",
            "display_name",
            "last_seen_at",
            "is_online",
            "contact_email",
            "location_privacy_preference",
            "preferences",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        private_fields = ("contact_email", "preferences")

    def get_is_online(self, user) -> bool:
        return bool(user.last_seen_at and timezone.now() - user.last_seen_at < ONLINE_WINDOW)

    def to_representation(self, user):
        data = super().to_representation(user)
        viewer = self.context.get("viewer")
        if viewer is not None and viewer.pk != user.pk and not viewer.is_app_admin:
            for name in self.Meta.private_fields:
                data.pop(name, None)
            if not getattr(user, "shares_trip", False):
                data.update(_STRANGER_BLANKS)
        return data


class UserSearchResultSerializer(serializers.ModelSerializer):
    """A search hit. ``email`` is "" unless the searcher shares a trip with the user or typed
    that very address (``context["query"]``): a prefix search must not reveal addresses."""

    avatar_url = serializers.CharField(source="avatar", read_only=True)
    is_member = serializers.BooleanField(
        read_only=True, default=False, help_text="an ACTIVE member of the search's tripId"
    )

    class Meta:
        model = User
        fields = ["id", "email", "username", "first_name", "last_name", "avatar_url", "is_member"]
        read_only_fields = fields

    def to_representation(self, user):
        data = super().to_representation(user)
        query = self.context.get("query", "").strip().casefold()
        typed = query and query in {user.email.casefold(), user.contact_email.casefold()}
        if not (typed or getattr(user, "shares_trip", False)):
            data["email"] = ""
        return data


class OnboardSerializer(serializers.Serializer):
    username = serializers.CharField(
        required=False, allow_blank=False, max_length=30, trim_whitespace=True
    )

    def validate_username(self, value):
        User.username_validator(value)
        return value


class UserUpdateSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, min_length=1, max_length=30)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    avatar_url = HttpsURLField(required=False, allow_blank=True, max_length=1024)
    profile_picture_url = HttpsURLField(
        required=False, allow_blank=True, max_length=1024, write_only=True
    )
    location_privacy_preference = serializers.ChoiceField(
        choices=LocationPrivacy.choices, required=False
    )

    def validate_username(self, value):
        User.username_validator(value)
        return value

    def validate(self, attrs):
        # The app sends profilePictureUrl; the model calls it avatar_url.
        if "profile_picture_url" in attrs:
            attrs.setdefault("avatar_url", attrs.pop("profile_picture_url"))
        return attrs


class PreferencesSerializer(serializers.Serializer):
    """Any JSON object; merged into the stored preferences, ``null`` deletes a key."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"preferences": ["Expected a JSON object."]})
        if len(data) > 100:
            raise serializers.ValidationError({"preferences": ["At most 100 keys."]})
        return data


class ContactEmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class UserSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(min_length=2, max_length=100, trim_whitespace=True)
    trip_id = serializers.UUIDField(required=False, allow_null=True)  # ?tripId= (camelCase)


class OffsetPageQuerySerializer(serializers.Serializer):
    offset = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)


class PushTokenSerializer(serializers.ModelSerializer):
    user_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = PushToken
        fields = [
            "id",
            "user_id",
            "token",
            "device_type",
            "is_active",
            "created_at",
            "updated_at",
            "last_used_at",
        ]
        read_only_fields = fields


class PushTokenRegisterSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=255)
    device_type = serializers.ChoiceField(choices=DeviceType.choices)


class PushTokenDeregisterSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=255)


class AvatarConfirmSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=512)


class AvatarFileSerializer(serializers.Serializer):
    file = serializers.FileField()
