from django.urls import path

from apps.users import views

# Literal segments before <uuid:user_id> (contract §16's route-order note).
urlpatterns = [
    path("users", views.UserListView.as_view(), name="user-list"),
    path("users/onboard", views.OnboardView.as_view(), name="user-onboard"),
    path("users/sync", views.SyncView.as_view(), name="user-sync"),
    path("users/me", views.MeView.as_view(), name="user-me"),
    path("users/me/contact-email", views.ContactEmailView.as_view(), name="user-contact-email"),
    path("users/me/avatar", views.AvatarView.as_view(), name="user-avatar"),
    path("users/me/avatar/upload-url", views.AvatarUploadUrlView.as_view(), name="avatar-upload"),
    path("users/me/avatar/confirm", views.AvatarConfirmView.as_view(), name="avatar-confirm"),
    path("users/search", views.UserSearchView.as_view(), name="user-search"),
    path("users/push-token", views.PushTokenView.as_view(), name="user-push-token"),
    path("users/push-tokens", views.PushTokensView.as_view(), name="user-push-tokens"),
    path("users/<uuid:user_id>", views.UserDetailView.as_view(), name="user-detail"),
    path(
        "users/<uuid:user_id>/preferences",
        views.UserPreferencesView.as_view(),
        name="user-preferences",
    ),
]
