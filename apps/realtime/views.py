"""HTTP side of /v1/ws: a plain GET (no upgrade) learns where the socket is."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apps.core.errors import ApplicationError


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
