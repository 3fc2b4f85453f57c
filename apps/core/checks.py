"""System checks that stop a production deploy with a development-only sign-in setup."""

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
