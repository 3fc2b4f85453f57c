"""ASGI entry point for servers (uvicorn locally): the API over HTTP, events over WebSockets.

Lambda serves HTTP through WSGI (``lambda_app.py``) and WebSockets through API Gateway
(``apps/realtime/lambda_ws.py``); this module is for every other deployment.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nomadcrew.settings")

# Django is set up before anything imports models (the consumers do).
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from apps.realtime.routing import websocket_urlpatterns  # noqa: E402

# No origin check on sockets: they authenticate with a bearer token, never a cookie, so a
# foreign page has nothing to ride on (native apps send no Origin at all).
application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
