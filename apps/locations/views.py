"""HTTP endpoints of shared locations and trip weather: parse, authorise, call, render."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.querystring import int_param
from apps.locations import selectors, services
from apps.locations.serializers import (
    LocationInputSerializer,
    LocationListSerializer,
    LocationSerializer,
    LocationUpdateInputSerializer,
    WeatherInfoSerializer,
)
from apps.locations.weather import weather_for_trip
from apps.trips.permissions import TripScopedMixin

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def _record(request, serializer_class, trip=None):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return services.location_record(user=request.user, trip=trip, **serializer.validated_data)


class TripLocationsView(TripScopedMixin, APIView):
    required_action = {"GET": "location.read", "POST": "location.create", "PUT": "location.update"}

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int, description=f"1-{MAX_PAGE_SIZE}, default 50"),
            OpenApiParameter("offset", int, description="default 0"),
        ],
        responses=LocationListSerializer,
    )
    def get(self, request, trip_id):
        limit = int_param(
            request.query_params.get("limit"),
            default=DEFAULT_PAGE_SIZE,
            minimum=1,
            maximum=MAX_PAGE_SIZE,
        )
        offset = int_param(request.query_params.get("offset"), default=0, minimum=0, maximum=2**31)
        # One row per active member at most, so the page is cut in memory: a COUNT would be a
        # second query for a list that is never long.
        locations = list(selectors.location_list_for_trip(trip=self.trip))
        page = locations[offset : offset + limit]
        return Response(
            {
                "locations": LocationSerializer(page, many=True).data,
                "pagination": {
                    "has_more": offset + len(page) < len(locations),
                    "total": len(locations),
                    "limit": limit,
                    "offset": offset,
                },
            }
        )

    @extend_schema(request=LocationInputSerializer, responses={201: LocationSerializer})
    def post(self, request, trip_id):
        location = _record(request, LocationInputSerializer, trip=self.trip)
        return Response(LocationSerializer(location).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LocationUpdateInputSerializer, responses=LocationSerializer)
    def put(self, request, trip_id):
        location = _record(request, LocationUpdateInputSerializer, trip=self.trip)
        return Response(LocationSerializer(location).data)


class LegacyLocationUpdateView(APIView):
    """The old app's trip-less update (contract Part 1 §14): stored, shown to nobody."""

    @extend_schema(request=LocationInputSerializer, responses=LocationSerializer)
    def post(self, request):
        location = _record(request, LocationInputSerializer)
        return Response(LocationSerializer(location).data)


class _TripWeatherBase(TripScopedMixin, APIView):
    required_action = "weather.read"
    throttle_scope = "weather"


class TripWeatherView(_TripWeatherBase):
    @extend_schema(responses=WeatherInfoSerializer)
    def get(self, request, trip_id):
        return Response(weather_for_trip(self.trip))


class TripWeatherTriggerView(_TripWeatherBase):
    """The old app's "refresh": answers exactly like the GET (contract §11), cache included,
    so pressing it cannot be used to hammer Open-Meteo."""

    @extend_schema(request=None, responses=WeatherInfoSerializer)
    def post(self, request, trip_id):
        return Response(weather_for_trip(self.trip))
