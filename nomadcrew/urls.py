"""URL configuration: health at the root, the API under /v1, the admin under /admin; `/`
leads to the API docs (the admin's "View site" link goes there)."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from apps.core import health
from apps.core.views import dev_jwks


class DocsRedirectView(RedirectView):
    """`/` is the API docs, where the admin's "View site" link and a newcomer's browser land."""

    pattern_name = "docs"
    permanent = False
    http_method_names = ["get", "head"]


FAVICON = "drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png"


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on every page; the icon is Swagger UI's, already shipped
    with the static files (a hashed URL in production, hence not permanent)."""

    permanent = False
    http_method_names = ["get", "head"]

    def get_redirect_url(self, *args, **kwargs):
        return static(FAVICON)


urlpatterns = [
    path("", DocsRedirectView.as_view(), name="root"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
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
