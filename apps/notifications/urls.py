from django.urls import path

from apps.notifications import views

# Literal segments before the id (contract §16's route-order note). The id is matched as a
# string so a malformed one gets the contract's 400 invalid_notification_id, not a 404.
urlpatterns = [
    path("notifications", views.NotificationListView.as_view(), name="notification-list"),
    path(
        "notifications/unread-count",
        views.UnreadCountView.as_view(),
        name="notification-unread-count",
    ),
    path("notifications/read-all", views.ReadAllView.as_view(), name="notification-read-all"),
    path(
        "notifications/<str:notification_id>/read",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path(
        "notifications/<str:notification_id>",
        views.NotificationDetailView.as_view(),
        name="notification-detail",
    ),
]
