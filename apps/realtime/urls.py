from django.urls import path

from apps.realtime import views

# The socket itself is routed by nomadcrew/asgi.py (apps/realtime/routing.py) or, on Lambda,
# by API Gateway's WebSocket API; this is only the answer to a plain HTTP GET.
urlpatterns = [
    path("ws", views.WebSocketInfoView.as_view(), name="websocket-info"),
    path("asyncapi.json", views.AsyncApiView.as_view(), name="asyncapi"),
]
