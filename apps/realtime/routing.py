"""WebSocket routes of the ASGI application (``nomadcrew/asgi.py``)."""

from django.urls import path

from apps.realtime.consumers import EventsConsumer

websocket_urlpatterns = [
    path("v1/ws", EventsConsumer.as_asgi()),
]
