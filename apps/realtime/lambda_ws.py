"""``/v1/ws`` on Lambda: the routes of API Gateway's WebSocket API (``websocket_handler_module``).

Zappa's handler imports this module after the Django app (so settings and models are ready)
and calls these functions for ``$connect``, ``$default`` and ``$disconnect`` events. A connection
is a row (``WebSocketConnection``); frames go through ``protocol.handle_message``, the code the
Channels consumer runs, and replies are posted back through the management API.

API Gateway can't carry a close code on a refused handshake: a bad token is an HTTP 401 (the
Channels transport's 4401), a user who has not onboarded a 403, an unreachable key server 503.
"""

import base64
import logging
from typing import Any

from zappa.websocket import on_connect, on_disconnect, on_message

logger = logging.getLogger(__name__)

_STATUS_FOR_CLOSE_CODE = {4401: 401, 4403: 403, 1011: 503}


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def _guarded(func):
    """Django's request bookkeeping (there is no request here) and a 500 instead of a crash:
    Zappa retries a handler with fewer arguments on a TypeError."""

    def run(event, context=None):
        from apps.core.tasks import close_old_connections

        close_old_connections()
        try:
            return func(event, context)
        except Exception:
            logger.exception(
                "websocket %s failed", (event.get("requestContext") or {}).get("routeKey")
            )
            return {"statusCode": 500}
        finally:
            close_old_connections()

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


@on_connect
@_guarded
def connect(event, context=None):
    """Authenticate the handshake (``?token=`` or the subprotocol), store the connection and
    send the ``connected`` snapshot once API Gateway has opened it."""
    from apps.realtime import api_gateway, protocol, services, tasks

    request_context = event["requestContext"]
    query = event.get("queryStringParameters") or {}
    offered = protocol.split_subprotocol_header(_header(event, "Sec-WebSocket-Protocol"))
    subprotocol = protocol.token_from_subprotocols(offered)
    token = (query.get("token") or "").strip() or subprotocol
    handshake = protocol.authenticate_handshake(token)
    if not handshake.accepted:
        logger.info("websocket handshake refused: %s", handshake.reason)
        return {"statusCode": _STATUS_FOR_CLOSE_CODE.get(handshake.close_code, 401)}
    connection_id = request_context["connectionId"]
    services.connection_open(
        connection_id=connection_id,
        user=handshake.user,
        token_expires_at=handshake.token_expires_at,
    )
    endpoint = api_gateway.endpoint_for(request_context)
    try:
        tasks.send_connected(connection_id, endpoint)
    except Exception:
        logger.exception("could not schedule the connected snapshot for %s", connection_id)
    response: dict[str, Any] = {"statusCode": 200}
    if subprotocol:
        # Browsers abort a handshake whose offered subprotocol is not echoed.
        response["headers"] = {"Sec-WebSocket-Protocol": subprotocol}
    return response


@on_message
@_guarded
def message(event, context=None):
    """One client frame: answered by the transport-neutral protocol, replies posted back."""
    from apps.realtime import api_gateway, protocol, selectors, services

    request_context = event["requestContext"]
    connection_id = request_context["connectionId"]
    endpoint = api_gateway.endpoint_for(request_context)
    body = event.get("body")
    if body is not None and event.get("isBase64Encoded"):
        body = base64.b64decode(body)
    connection = selectors.connection_for_message(connection_id)
    if connection is None:
        # Purged, token expired, account disabled or never stored: the client must reconnect
        # (and authenticate); an expired token is told so first, as Channels' 4401 does.
        stale = selectors.connection_row(connection_id)
        expires_at = stale.token_expires_at if stale is not None else None
        if expires_at is not None and protocol.token_expired(expires_at.timestamp()):
            api_gateway.post(
                [connection_id],
                protocol.error_message("Token expired.", code="token_expired"),
                endpoint=endpoint,
            )
        _disconnect_client(endpoint, connection_id)
        if stale is not None:
            services.connection_close(connection_id=connection_id)
        return {"statusCode": 410}
    outcome = protocol.handle_message(user=connection.user, text=body)
    if outcome.token_expires_at is not None:
        services.connection_token_refresh(
            connection_id=connection_id, token_expires_at=outcome.token_expires_at
        )
    if outcome.subscribe:
        services.connection_subscription_set(
            connection_id=connection_id, trip_id=outcome.subscribe, subscribed=True
        )
    if outcome.unsubscribe:
        services.connection_subscription_set(
            connection_id=connection_id, trip_id=outcome.unsubscribe, subscribed=False
        )
    for reply in outcome.replies:
        api_gateway.post([connection_id], reply, endpoint=endpoint)
    return {"statusCode": 200}


@on_disconnect
@_guarded
def disconnect(event, context=None):
    from apps.realtime import services

    services.connection_close(connection_id=event["requestContext"]["connectionId"])
    return {"statusCode": 200}


def _disconnect_client(endpoint: str, connection_id: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    from apps.realtime import api_gateway

    if not endpoint:
        return
    try:
        api_gateway.management_client(endpoint).delete_connection(ConnectionId=connection_id)
    except (BotoCoreError, ClientError) as error:
        logger.info("could not close websocket %s: %s", connection_id, error)
