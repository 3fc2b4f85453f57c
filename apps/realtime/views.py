"""HTTP side of /v1/ws: a plain GET (no upgrade) learns where the socket is; the socket's
AsyncAPI document."""

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apps.core.errors import ApplicationError
from apps.realtime import asyncapi


@extend_schema(exclude=True)
class WebSocketInfoView(APIView):
    """A request that reached Django over HTTP did not upgrade: say so instead of a 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise ApplicationError(
            "This is a WebSocket endpoint: connect with an Upgrade request and ?token=<jwt> "
            "or the token as the Sec-WebSocket-Protocol.",
            code="upgrade_required",
            status_code=426,
        )


@extend_schema(exclude=True)
class AsyncApiView(APIView):
    """``/v1/asyncapi.json``: public, like ``/v1/openapi.json``."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return JsonResponse(asyncapi.document(), json_dumps_params={"ensure_ascii": False})
