"""URL configuration: health at the root, the API under /v1, the admin under /admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from apps.core import health
from apps.core.views import dev_jwks

urlpatterns = [
    path("health", health.health, name="health"),
    path("health/liveness", health.liveness, name="health-liveness"),
    path("health/readiness", health.readiness, name="health-readiness"),
    path("admin/", admin.site.urls),
    path("v1/openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("v1/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="docs"),
    path("v1/", include("apps.users.urls")),
    path("v1/", include("apps.trips.urls")),
    path("v1/", include("apps.invitations.urls")),
    path("v1/", include("apps.todos.urls")),
    path("v1/", include("apps.chat.urls")),
    path("v1/", include("apps.locations.urls")),
    path("v1/", include("apps.feedback.urls")),
    path("v1/", include("apps.polls.urls")),
    path("v1/", include("apps.notifications.urls")),
    path("v1/", include("apps.realtime.urls")),
    path("v1/", include("apps.wallet.urls")),
    path("dev/cognito/jwks.json", dev_jwks, name="dev-jwks"),
]

handler400 = "apps.core.errors.bad_request"
handler403 = "apps.core.errors.permission_denied"
handler404 = "apps.core.errors.page_not_found"
handler500 = "apps.core.errors.server_error"
