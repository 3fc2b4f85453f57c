"""Development-only endpoints."""

from django.conf import settings
from django.http import Http404, JsonResponse

from apps.core.devtokens import dev_jwks as load_dev_jwks


def dev_jwks(request):
    """The public key of ``manage.py dev_token``; exists only while DJANGO_DEBUG is on."""
    if not settings.DEBUG or settings.COGNITO_USER_POOL_ID != settings.COGNITO_DEV_POOL_ID:
        raise Http404
    return JsonResponse(load_dev_jwks())
