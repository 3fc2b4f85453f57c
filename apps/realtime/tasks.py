"""Entry points Zappa calls for the API Gateway transport: async tasks and schedules.

``@task`` turns a call into an asynchronous invocation of the same Lambda function (off Lambda
it runs inline). Scheduled functions are listed under ``events`` in zappa_settings.json. None of
them is a request, so each closes stale database connections itself; all are safe to run twice.
"""

import logging
import time

from zappa.asynchronous import task

from apps.core.tasks import fresh_connections
from apps.realtime import api_gateway, protocol, selectors, services

logger = logging.getLogger(__name__)

# How long the connected snapshot waits for API Gateway to finish a handshake, in total.
CONNECTED_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)


@task
@fresh_connections
def fan_out_event(event: dict) -> int:
    """Post one event to all its connections (resolved now). Returns how many got it."""
    try:
        endpoint = api_gateway.endpoint_for()
        result = api_gateway.deliver_now(api_gateway.event_from_dict(event), endpoint=endpoint)
    except Exception:
        logger.exception("fan-out of event %s failed", event.get("id"))
        return 0
    logger.info(
        "fan-out %s %s: %d sent, %d gone, %d failed",
        event.get("type"),
        event.get("id"),
        len(result.sent),
        len(result.gone),
        len(result.failed),
    )
    return len(result.sent)


@task
@fresh_connections
def send_connected(connection_id: str, endpoint: str) -> bool:
    """The ``connected`` snapshot for a new API Gateway connection.

    API Gateway refuses posts until ``$connect`` has returned, so this runs as its own
    invocation and retries a GoneException for a moment before giving the socket up.
    """
    connection = selectors.live_connections().filter(connection_id=connection_id).first()
    if connection is None:
        return False
    from apps.trips.selectors import trip_ids_for_user

    muted = set(connection.unsubscribed_trip_ids or [])
    trip_ids = [t for t in trip_ids_for_user(user_id=connection.user_id) if t not in muted]
    message = protocol.connected_message(user_id=connection.user_id, trip_ids=trip_ids)
    client = api_gateway.management_client(endpoint)
    data = protocol.encode(message).encode()
    for delay in (*CONNECTED_RETRY_DELAYS, None):
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
            return True
        except client.exceptions.GoneException:
            if delay is None:
                services.connection_close(connection_id=connection_id)
                return False
            time.sleep(delay)
        except Exception:
            logger.exception("could not send the connected snapshot to %s", connection_id)
            return False
    return False


@fresh_connections
def purge_stale_connections(event=None, context=None) -> int:
    """Hourly: delete rows of connections older than API Gateway's 2-hour limit (their
    ``$disconnect`` may never have come). Returns how many it deleted."""
    count = services.connections_purge_stale()
    logger.info("purged %d stale websocket connections", count)
    return count


@fresh_connections
def ping_connections(event=None, context=None, *, rounds: int | None = None) -> int:
    """Every minute: ``{"type":"ping"}`` to every open connection, twice (now and after
    REALTIME_PING_INTERVAL, or as late as the invocation allows), so no socket stays silent
    for the app's 60 s: a schedule can't run more often than once a minute. Returns how many
    posts went out; gone connections are deleted on the way."""
    from django.conf import settings

    rounds = rounds if rounds is not None else 2
    endpoint = api_gateway.endpoint_for()
    if not endpoint:
        return 0
    sent = 0
    for number in range(rounds):
        if number:
            # Within the function's timeout (29 s): a shorter pause beats a skipped round.
            pause = settings.REALTIME_PING_INTERVAL_SECONDS
            if context is not None:
                pause = min(pause, context.get_remaining_time_in_millis() / 1000 - 3)
            if pause < 1:
                break
            time.sleep(pause)
        result = api_gateway.post(selectors.live_connection_ids(), protocol.PING, endpoint=endpoint)
        sent += len(result.sent)
    return sent
