"""Location input validation and output shape; the WeatherInfo shape for the schema."""

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.locations.models import Location
from apps.locations.services import MAX_SHARING_SECONDS, epoch_ms
from apps.users.models import LocationPrivacy


class LocationInputSerializer(serializers.Serializer):
    """POST bodies (trip and legacy). ``timestamp`` (epoch ms) is checked but the server's own
    clock orders rows; ``privacyLevel`` is an alias of ``privacy`` (contract Part 1 §9)."""

    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    accuracy = serializers.FloatField(min_value=0)
    timestamp = serializers.IntegerField(min_value=1)
    privacy = serializers.ChoiceField(choices=LocationPrivacy.choices, required=False)
    privacy_level = serializers.ChoiceField(choices=LocationPrivacy.choices, required=False)
    is_sharing_enabled = serializers.BooleanField(default=True)
    sharing_expires_in = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text=f"seconds; more than {MAX_SHARING_SECONDS} (24 h) is capped",
    )

    def validate(self, attrs):
        alias = attrs.pop("privacy_level", None)
        attrs.setdefault("privacy", alias)  # ``privacy`` wins when both are sent
        attrs.pop("timestamp", None)
        return attrs


class LocationUpdateInputSerializer(LocationInputSerializer):
    """PUT: what the app's ``updateLocation`` sends (no accuracy, no timestamp) is enough."""

    accuracy = serializers.FloatField(min_value=0, required=False, allow_null=True)
    timestamp = serializers.IntegerField(min_value=1, required=False, allow_null=True)


@extend_schema_field({"type": "integer", "format": "int64", "description": "epoch ms"})
class EpochMillisField(serializers.Field):
    def to_representation(self, value):
        return epoch_ms(value)


class LocationSerializer(serializers.ModelSerializer):
    """One stored location; ``tripId`` and ``sharingExpiresAt`` only when set."""

    user_id = serializers.UUIDField(read_only=True)
    trip_id = serializers.UUIDField(read_only=True, required=False)
    timestamp = EpochMillisField(source="recorded_at", read_only=True)
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    sharing_expires_at = serializers.DateTimeField(read_only=True, required=False)

    class Meta:
        model = Location
        fields = [
            "id",
            "user_id",
            "trip_id",
            "latitude",
            "longitude",
            "accuracy",
            "privacy",
            "is_sharing_enabled",
            "timestamp",
            "user_name",
            "sharing_expires_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for optional in ("trip_id", "sharing_expires_at"):
            if data.get(optional) is None:
                data.pop(optional, None)
        return data


class LocationListPaginationSerializer(serializers.Serializer):
    has_more = serializers.BooleanField()
    total = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()


class LocationListSerializer(serializers.Serializer):
    """The contract's P3 shape."""

    locations = LocationSerializer(many=True)
    pagination = LocationListPaginationSerializer()


def _number() -> serializers.FloatField:
    return serializers.FloatField(allow_null=True)


WeatherInfoSerializer = inline_serializer(
    "WeatherInfo",
    {
        "tripId": serializers.UUIDField(),
        "timestamp": serializers.DateTimeField(),
        "latitude": serializers.FloatField(),
        "longitude": serializers.FloatField(),
        "temperatureCelsius": _number(),
        "apparentTempCelsius": _number(),
        "humidityPercent": serializers.IntegerField(allow_null=True),
        "isDay": serializers.BooleanField(),
        "precipitationMM": _number(),
        "rainMM": _number(),
        "showersMM": _number(),
        "snowfallCM": _number(),
        "weatherCode": serializers.IntegerField(allow_null=True),
        "description": serializers.CharField(),
        "cloudCoverPercent": _number(),
        "pressureMSLhPa": _number(),
        "surfacePressurehPa": _number(),
        "windSpeedMS": _number(),
        "windDirectionDeg": _number(),
        "windGustsMS": _number(),
        "humidity": serializers.IntegerField(allow_null=True, help_text="= humidityPercent"),
        "windSpeed": serializers.FloatField(allow_null=True, help_text="= windSpeedMS"),
    },
)
