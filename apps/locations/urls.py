from django.urls import path

from apps.locations import views

urlpatterns = [
    path(
        "trips/<uuid:trip_id>/locations", views.TripLocationsView.as_view(), name="trip-locations"
    ),
    path("location/update", views.LegacyLocationUpdateView.as_view(), name="location-update"),
    path("trips/<uuid:trip_id>/weather", views.TripWeatherView.as_view(), name="trip-weather"),
    path(
        "trips/<uuid:trip_id>/weather/trigger",
        views.TripWeatherTriggerView.as_view(),
        name="trip-weather-trigger",
    ),
]
