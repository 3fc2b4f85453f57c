from django.urls import path

from apps.invitations import views

urlpatterns = [
    path(
        "trips/<uuid:trip_id>/invitations",
        views.TripInvitationListView.as_view(),
        name="trip-invitations",
    ),
    path(
        "trips/<uuid:trip_id>/invitations/<uuid:invitation_id>",
        views.TripInvitationDetailView.as_view(),
        name="trip-invitation",
    ),
    # Literal segments before <uuid:invitation_id> (contract §16's route-order note).
    path("invitations/join", views.InvitationJoinView.as_view(), name="invitation-join"),
    path(
        "invitations/details",
        views.InvitationDetailsByTokenView.as_view(),
        name="invitation-details",
    ),
    path("invitations/accept", views.InvitationTokenAcceptView.as_view(), name="invitation-accept"),
    path(
        "invitations/decline",
        views.InvitationTokenDeclineView.as_view(),
        name="invitation-decline",
    ),
    path(
        "invitations/<uuid:invitation_id>",
        views.InvitationDetailView.as_view(),
        name="invitation-detail",
    ),
    path(
        "invitations/<uuid:invitation_id>/accept",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept-by-id",
    ),
    path(
        "invitations/<uuid:invitation_id>/decline",
        views.InvitationDeclineView.as_view(),
        name="invitation-decline-by-id",
    ),
]
