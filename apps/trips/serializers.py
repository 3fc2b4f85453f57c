"""Input validation and output shapes of the trips and members API (contract §3-4, Part 1 §7)."""

import re
from datetime import date, datetime

from djangorestframework_camel_case.util import camelize
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.media import media_url
from apps.core.serializers import HttpsURLField
from apps.trips.models import MemberRole, Membership, Trip, TripImage, TripStatus
from apps.users.serializers import UserSummarySerializer

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


TRIP_DATE_IN = {
    "type": "string",
    "format": "date",
    "example": "2027-05-01",
    "description": (
        "A calendar date, YYYY-MM-DD. An RFC 3339 date-time is accepted too (the app sends "
        "one) and only its date as written is kept: the time and offset are dropped, so "
        "2027-05-01T23:30:00-05:00 is May 1st and comes back as 2027-05-01T00:00:00Z."
    ),
}
TRIP_DATE_OUT = {
    "type": "string",
    "format": "date-time",
    "example": "2027-05-01T00:00:00Z",
    "description": "The trip's calendar date, written as midnight UTC (a trip has no times).",
}


@extend_schema_field(TRIP_DATE_IN)
class TripDateField(serializers.Field):
    """A calendar date. In: ``YYYY-MM-DD`` or RFC 3339 (the date as written, offset ignored, so
    ``2025-06-01T00:00:00+02:00`` is June 1st). Out: RFC 3339 midnight UTC, as the app expects."""

    default_error_messages = {"invalid": "Use YYYY-MM-DD or an RFC 3339 timestamp."}

    def to_internal_value(self, data) -> date:
        if not isinstance(data, str):
            self.fail("invalid")
        text = data.strip()
        try:
            if _DATE_ONLY.match(text):
                return date.fromisoformat(text)
            if "T" in text or "t" in text:
                return datetime.fromisoformat(text).date()
        except ValueError:
            pass
        self.fail("invalid")

    def to_representation(self, value: date) -> str:
        return f"{value.isoformat()}T00:00:00Z"


@extend_schema_field(TRIP_DATE_OUT)
class TripDateOutputField(TripDateField):
    """The same date in responses, documented as what is sent: midnight UTC."""


class UpperChoiceField(serializers.ChoiceField):
    """Enum values are upper case; the old backend upper-cased roles before checking them."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.strip().upper() if isinstance(data, str) else data)


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, allow_null=True, **kwargs
    )


class CoordinatesSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, required=False)
    lng = serializers.FloatField(min_value=-180, max_value=180, allow_null=True, required=False)


class DestinationInputSerializer(serializers.Serializer):
    """The nested destination the app sends on PUT (Part 1 §7)."""

    address = _text(512)
    coordinates = CoordinatesSerializer(required=False, allow_null=True)
    place_id = _text(255)
    name = _text(255)


_NESTED_DESTINATION = {
    "address": "destination_address",
    "place_id": "destination_place_id",
    "name": "destination_name",
}
_TEXT_FIELDS = (
    "description",
    "destination_place_id",
    "destination_address",
    "destination_name",
    "background_image_url",
)


class TripInputSerializer(serializers.Serializer):
    """Create (all required fields) and update (``partial=True``: every field optional).

    Flat ``destination*`` fields win over the nested ``destination`` object when both are given.
    """

    name = serializers.CharField(max_length=255)
    description = _text(10_000)
    start_date = TripDateField()
    end_date = TripDateField()
    destination_place_id = _text(255)
    destination_address = _text(512)
    destination_name = _text(255)
    destination_latitude = serializers.FloatField(
        min_value=-90, max_value=90, allow_null=True, required=False
    )
    destination_longitude = serializers.FloatField(
        min_value=-180, max_value=180, allow_null=True, required=False
    )
    destination = DestinationInputSerializer(required=False, allow_null=True)
    background_image_url = HttpsURLField(
        max_length=512, required=False, allow_blank=True, allow_null=True
    )
    status = UpperChoiceField(choices=TripStatus.choices, required=False)

    def validate_status(self, value):
        # A new trip starts PLANNING; later moves go through the status machine.
        if not self.partial and value != TripStatus.PLANNING:
            raise serializers.ValidationError(
                "A new trip starts as PLANNING; change its status once it exists."
            )
        return value

    def validate(self, attrs):
        destination = attrs.pop("destination", None) or {}
        for nested, flat in _NESTED_DESTINATION.items():
            if nested in destination:
                attrs.setdefault(flat, destination[nested])
        if "coordinates" in destination:
            # ``coordinates: null`` clears the location; a missing lat or lng keeps its value.
            coordinates = destination["coordinates"]
            for key, flat in (("lat", "destination_latitude"), ("lng", "destination_longitude")):
                if coordinates is None or key in coordinates:
                    attrs.setdefault(flat, None if coordinates is None else coordinates[key])
        for field in _TEXT_FIELDS:
            if field in attrs and attrs[field] is None:
                attrs[field] = ""  # null clears a text field
        return attrs


class TripSerializer(serializers.ModelSerializer):
    """The flat Trip object of §3."""

    start_date = TripDateOutputField()
    end_date = TripDateOutputField()
    created_by = serializers.UUIDField(source="created_by_id", read_only=True, allow_null=True)
    background_image_url = serializers.SerializerMethodField()

    class Meta:
        model = Trip
        fields = [
            "id",
            "name",
            "description",
            "destination_place_id",
            "destination_address",
            "destination_name",
            "destination_latitude",
            "destination_longitude",
            "start_date",
            "end_date",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "background_image_url",
        ]
        read_only_fields = fields

    def get_background_image_url(self, trip) -> str:
        """An uploaded background (a fresh short-lived URL) wins over a URL the client set."""
        if trip.background_image_key:
            return media_url(trip.background_image_key)
        return trip.background_image_url


class TripListItemSerializer(TripSerializer):
    """A Trip in lists, with the annotated member count and the caller's role.
    ``participantCount`` is the name the app's trip cards read; ``memberCount`` the contract's."""

    member_count = serializers.IntegerField(read_only=True)
    participant_count = serializers.IntegerField(source="member_count", read_only=True)
    role = serializers.ChoiceField(choices=MemberRole.choices, read_only=True)

    class Meta(TripSerializer.Meta):
        fields = [*TripSerializer.Meta.fields, "member_count", "participant_count", "role"]
        read_only_fields = fields


class TripMembershipSerializer(serializers.ModelSerializer):
    """TripMembership of §4."""

    trip_id = serializers.UUIDField(read_only=True)
    user_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "trip_id", "user_id", "role", "status", "created_at", "updated_at"]
        read_only_fields = fields


class TripMemberSerializer(serializers.Serializer):
    """TripMemberResponse: ``{membership, user}``; the user must be select_related."""

    membership = TripMembershipSerializer(source="*", read_only=True)
    user = UserSummarySerializer(read_only=True)


class CoordinatesOutputSerializer(serializers.Serializer):
    lat = serializers.FloatField(source="destination_latitude", allow_null=True)
    lng = serializers.FloatField(source="destination_longitude", allow_null=True)


class DestinationOutputSerializer(serializers.Serializer):
    address = serializers.CharField(source="destination_address")
    coordinates = CoordinatesOutputSerializer(source="*")
    place_id = serializers.CharField(source="destination_place_id")
    name = serializers.CharField(source="destination_name")


class TripCreatedSerializer(TripSerializer):
    """CreateTripResponse (§3): the stored trip with a nested destination, its members (the
    creator as OWNER) and invitations (none yet). The flat destination fields stay too, so the
    app can keep the object as a Trip."""

    destination = DestinationOutputSerializer(source="*", read_only=True)
    members = serializers.SerializerMethodField()
    invitations = serializers.SerializerMethodField()

    class Meta(TripSerializer.Meta):
        fields = [*TripSerializer.Meta.fields, "destination", "members", "invitations"]
        read_only_fields = fields

    @extend_schema_field(TripMembershipSerializer(many=True))
    def get_members(self, trip) -> list:
        return TripMembershipSerializer(self.context.get("members", []), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_invitations(self, trip) -> list:
        return []  # a trip that was just created has no invitations


class TripWithMembersSerializer(serializers.Serializer):
    """TripWithMembers (§3): ``{trip, members}`` from ``{"trip": Trip, "members": [...]}``."""

    trip = TripSerializer(read_only=True)
    members = TripMembershipSerializer(many=True, read_only=True)


class TripStatusInputSerializer(serializers.Serializer):
    status = UpperChoiceField(choices=TripStatus.choices)


class TripListQuerySerializer(serializers.Serializer):
    status = UpperChoiceField(choices=TripStatus.choices, required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


class TripSearchSerializer(serializers.Serializer):
    """§3 search keys; ``userId`` is accepted and ignored (the caller's trips are searched)."""

    destination = serializers.CharField(required=False, allow_blank=True, max_length=255)
    start_date = TripDateField(required=False)
    start_date_from = TripDateField(required=False)
    start_date_to = TripDateField(required=False)
    end_date = TripDateField(required=False)

    def validate(self, attrs):
        # startDate is the old spelling of startDateFrom.
        if "start_date" in attrs:
            attrs.setdefault("start_date_from", attrs.pop("start_date"))
        return attrs


class MemberAddSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    role = UpperChoiceField(choices=MemberRole.choices)


class MemberRoleSerializer(serializers.Serializer):
    role = UpperChoiceField(choices=MemberRole.choices)


class TripImageSerializer(serializers.ModelSerializer):
    """A gallery image; ``url`` is short-lived, so clients re-list rather than store it."""

    trip_id = serializers.UUIDField(read_only=True)
    uploaded_by = serializers.UUIDField(source="uploaded_by_id", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()
    is_background = serializers.SerializerMethodField()

    class Meta:
        model = TripImage
        fields = ["id", "trip_id", "url", "uploaded_by", "is_background", "created_at"]
        read_only_fields = fields

    def get_url(self, image) -> str:
        return media_url(image.key)

    def get_is_background(self, image) -> bool:
        return image.key == image.trip.background_image_key


class TripImageConfirmSerializer(serializers.Serializer):
    """Step 2 of a direct upload: the key returned with the upload form."""

    key = serializers.CharField(max_length=512)
    set_as_background = serializers.BooleanField(default=False)


class TripImageFileSerializer(serializers.Serializer):
    file = serializers.FileField()
    set_as_background = serializers.BooleanField(default=False)


def trip_payload(trip: Trip) -> dict:
    """The trip for TRIP_CREATED/TRIP_UPDATED events: GET /v1/trips/{id}'s body, camelCased here
    because event payloads skip the renderer."""
    return dict(camelize(TripSerializer(trip).data))


def member_event_payload(membership: Membership, user, **extra) -> dict:
    """``userId``, ``role`` and the user summary of a member event, plus the event's own keys."""
    return {
        "userId": str(user.pk),
        "role": membership.role,
        "user": dict(camelize(UserSummarySerializer(user).data)),
        **extra,
    }
