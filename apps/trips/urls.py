from django.urls import path

from apps.trips import views

urlpatterns = [
    path("trips", views.TripListCreateView.as_view(), name="trip-list"),
    path("trips/<uuid:trip_id>", views.TripDetailView.as_view(), name="trip-detail"),
    path("trips/<uuid:trip_id>/status", views.TripStatusView.as_view(), name="trip-status"),
    path("trips/<uuid:trip_id>/details", views.TripDetailsView.as_view(), name="trip-details"),
    path("trips/<uuid:trip_id>/search", views.TripSearchView.as_view(), name="trip-search"),
    path("trips/<uuid:trip_id>/members", views.MemberListView.as_view(), name="trip-members"),
    path(
        "trips/<uuid:trip_id>/members/<uuid:member_id>",
        views.MemberDetailView.as_view(),
        name="trip-member",
    ),
    path(
        "trips/<uuid:trip_id>/members/<uuid:member_id>/role",
        views.MemberRoleView.as_view(),
        name="trip-member-role",
    ),
    path("trips/<uuid:trip_id>/images", views.TripImageListView.as_view(), name="trip-images"),
    path(
        "trips/<uuid:trip_id>/images/upload-url",
        views.TripImageUploadUrlView.as_view(),
        name="trip-image-upload",
    ),
    path(
        "trips/<uuid:trip_id>/images/<uuid:image_id>",
        views.TripImageDetailView.as_view(),
        name="trip-image",
    ),
]
