"""System checks that stop a production deploy with a development-only sign-in setup, and a
server start without collected static files."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def cognito_configured(app_configs, **kwargs):
    errors = []
    if settings.COGNITO_USER_POOL_ID == settings.COGNITO_DEV_POOL_ID:
        errors.append(
            Error(
                "COGNITO_USER_POOL_ID is not set: only locally signed development tokens work.",
                hint="Set COGNITO_USER_POOL_ID and COGNITO_APP_CLIENT_IDS from the Cognito pool.",
                id="nomadcrew.E001",
            )
        )
    if settings.DEBUG:
        errors.append(Error("DJANGO_DEBUG must be off in production.", id="nomadcrew.E002"))
    return errors


# Not Tags.staticfiles: collectstatic runs those checks first and must not be refused for
# lacking the manifest it is about to write. A deployment check, so management commands that
# serve no pages (migrate, createsuperuser) still run; servers run it at start-up.
STATIC_MANIFEST_TAG = "static_manifest"


@register(STATIC_MANIFEST_TAG, deploy=True)
def static_manifest_present(app_configs, **kwargs):
    """Without collectstatic a hashed storage has no manifest, and every page that links a static
    file (the admin, Swagger UI) answers 500 "Missing staticfiles manifest entry". Debug mode
    serves files from the apps and needs none. ``nomadcrew/asgi.py`` runs this at start-up."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if settings.DEBUG or not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    if staticfiles_storage.exists(staticfiles_storage.manifest_name):
        return []
    manifest = staticfiles_storage.path(staticfiles_storage.manifest_name)
    return [
        Error(
            f"No static files manifest at {manifest}: the admin and /v1/docs/ would answer 500.",
            hint="Run `manage.py collectstatic --noinput` (`make run-prod` does), "
            "or set DJANGO_DEBUG=true to serve static files from the apps.",
            id="nomadcrew.E003",
        )
    ]
