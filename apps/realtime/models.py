"""Open API Gateway WebSocket connections (the Lambda transport's only state).

Channels keeps its sockets in the ASGI server's memory; on Lambda nothing survives between
invocations, so each connection API Gateway holds open for us has a row here, written on
``$connect`` and deleted on ``$disconnect``, on a ``GoneException`` or by the hourly purge.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.core.models import BaseModel


class WebSocketConnection(BaseModel):
    """One socket API Gateway keeps open for a user; events for the user's trips go to it.

    Every live trip the user is an ACTIVE member of is delivered (resolved when an event is
    sent, so joining or leaving takes effect at once) except the trips listed in
    ``unsubscribed_trip_ids`` (the client's ``unsubscribe``).
    """

    connection_id = models.CharField(max_length=128, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="websocket_connections"
    )
    connected_at = models.DateTimeField()
    # API Gateway closes every connection after 2 hours; a row past this is a ghost.
    expires_at = models.DateTimeField()
    unsubscribed_trip_ids = models.JSONField(default=list, blank=True)
    # The token's ``exp``: fan-out skips the connection after it unless an ``auth`` frame moved
    # it on (null for rows written before tokens were tracked).
    token_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("connected_at")),
                name="websocket_connection_expires_after_connect",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "expires_at"], name="ws_connection_user_idx"),
            models.Index(fields=["expires_at"], name="ws_connection_expiry_idx"),
        ]

    def __str__(self):
        return f"{self.connection_id} ({self.user_id})"
