from django.urls import path

from apps.polls import views

# Poll and option ids are matched as strings: a malformed one gets the contract's 400.
urlpatterns = [
    path("trips/<uuid:trip_id>/polls", views.PollListCreateView.as_view(), name="poll-list"),
    path(
        "trips/<uuid:trip_id>/polls/<str:poll_id>",
        views.PollDetailView.as_view(),
        name="poll-detail",
    ),
    path(
        "trips/<uuid:trip_id>/polls/<str:poll_id>/vote",
        views.PollVoteView.as_view(),
        name="poll-vote",
    ),
    path(
        "trips/<uuid:trip_id>/polls/<str:poll_id>/vote/<str:option_id>",
        views.PollVoteDeleteView.as_view(),
        name="poll-vote-remove",
    ),
    path(
        "trips/<uuid:trip_id>/polls/<str:poll_id>/close",
        views.PollCloseView.as_view(),
        name="poll-close",
    ),
]
