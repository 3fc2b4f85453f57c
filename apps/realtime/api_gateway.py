"""The API Gateway transport's sending side: events to connections through the management API.

Any Lambda invocation can publish (a REST request, a WebSocket frame, a task): ``deliver`` looks
up the event's connections in PostgreSQL and posts to each with ``post_to_connection`` on
``WEBSOCKET_API_ENDPOINT``; ``deliver_many`` serves a batch of people-addressed events (a
notification per member) with one lookup and one pool of posts. A ``GoneException`` means
API Gateway closed the socket: its row is deleted. Any other failure is logged and never
reaches the request that published. More than ``WEBSOCKET_INLINE_FANOUT_MAX`` connections are
served by an async task instead, so a request never waits on a large fan-out. An endpoint that
can't be reached (timeouts, refused connections) is skipped for ``UNREACHABLE_PAUSE_SECONDS``:
a request publishes several events, and waiting out the timeouts for each would hold it past
API Gateway's 29 s.
"""

import dataclasses
import json
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable
from django.conf import settings

from apps.core import event_catalogue as catalogue
from apps.core import metrics
from apps.core.events import Event
from apps.realtime import selectors, services

logger = logging.getLogger(__name__)

_REGION_IN_ENDPOINT = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")
# A post is a few bytes that API Gateway answers in milliseconds; one retry for a blip.
_CLIENT_CONFIG = {
    "connect_timeout": 2,
    "read_timeout": 2,
    "retries": {"total_max_attempts": 2, "mode": "standard"},
}
UNREACHABLE_PAUSE_SECONDS = 30.0
_unreachable_until: dict[str, float] = {}

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def endpoint_for(request_context: dict[str, Any] | None = None) -> str:
    """The setting; inside a WebSocket invocation, the API that invoked us if it is unset."""
    if settings.WEBSOCKET_API_ENDPOINT:
        return settings.WEBSOCKET_API_ENDPOINT
    if request_context and request_context.get("domainName"):
        stage = request_context.get("stage")
        return f"https://{request_context['domainName']}" + (f"/{stage}" if stage else "")
    return ""


def management_client(endpoint: str):
    """One client per endpoint and process (boto3 clients are thread-safe and slow to make)."""
    with _clients_lock:
        client = _clients.get(endpoint)
        if client is None:
            match = _REGION_IN_ENDPOINT.search(endpoint)
            region = (match and match.group(1)) or settings.WEBSOCKET_API_REGION or None
            client = boto3.client(
                "apigatewaymanagementapi",
                endpoint_url=endpoint,
                region_name=region,
                config=Config(
                    **_CLIENT_CONFIG,
                    max_pool_connections=max(10, settings.WEBSOCKET_POST_CONCURRENCY),
                ),
            )
            _clients[endpoint] = client
        return client


@dataclass
class PostResult:
    sent: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _is_gone(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "GoneException"


def _encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()


def post(connection_ids: list[str], message: dict[str, Any], *, endpoint: str) -> PostResult:
    """Post one message to each connection; rows of connections that are gone are deleted."""
    data = _encode(message)
    return post_each([(connection_id, data) for connection_id in connection_ids], endpoint=endpoint)


def post_each(posts: list[tuple[str, bytes]], *, endpoint: str) -> PostResult:
    """Post each ``(connection id, encoded message)``, concurrently; gone rows are deleted."""
    result = PostResult()
    if not posts or not endpoint:
        return result
    if time.monotonic() < _unreachable_until.get(endpoint, 0.0):
        logger.warning("websocket API unreachable: %d posts skipped", len(posts))
        result.failed.extend(connection_id for connection_id, _ in posts)
        metrics.count("EventsDropped", len(posts))
        return result
    client = management_client(endpoint)

    def post_one(item: tuple[str, bytes]) -> None:
        connection_id, data = item
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as error:
            if _is_gone(error):
                result.gone.append(connection_id)
                return
            result.failed.append(connection_id)
            logger.warning("post_to_connection %s failed: %s", connection_id, error)
        except (EndpointUnreachable, HTTPClientError) as error:
            _unreachable_until[endpoint] = time.monotonic() + UNREACHABLE_PAUSE_SECONDS
            result.failed.append(connection_id)
            logger.warning("post_to_connection %s failed: %s", connection_id, error)
        except BotoCoreError as error:
            result.failed.append(connection_id)
            logger.warning("post_to_connection %s failed: %s", connection_id, error)
        else:
            result.sent.append(connection_id)

    workers = min(settings.WEBSOCKET_POST_CONCURRENCY, len(posts))
    if workers <= 1:
        for item in posts:
            post_one(item)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(post_one, posts))
    if result.gone:
        services.connections_delete(connection_ids=sorted(set(result.gone)))
    metrics.count("EventsFannedOut", len(result.sent))
    metrics.count("EventsDropped", len(result.failed))
    return result


def close_user_connections(user_id) -> None:
    """Close every connection of a user (account disabled) and forget them."""
    connection_ids = selectors.connection_ids_of_user(user_id)
    endpoint = endpoint_for()
    if endpoint:
        client = management_client(endpoint)
        for connection_id in connection_ids:
            try:
                client.delete_connection(ConnectionId=connection_id)
            except (BotoCoreError, ClientError) as error:
                logger.info("could not close websocket %s: %s", connection_id, error)
    services.connections_delete(connection_ids=connection_ids)


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-safe form of the event for an async task's arguments."""
    data = dataclasses.asdict(event)
    data["recipient_user_ids"] = list(event.recipient_user_ids)
    return data


def event_from_dict(data: dict[str, Any]) -> Event:
    return Event(**{**data, "recipient_user_ids": tuple(data.get("recipient_user_ids") or ())})


def deliver_now(event: Event, *, endpoint: str) -> PostResult:
    """Post the event to every connection it is for, from this invocation."""
    connection_ids = selectors.connection_ids_for_event(event)
    return post(connection_ids, event.envelope(), endpoint=endpoint)


def deliver(event: Event) -> None:
    """An ``apps.core.events`` subscriber (after commit)."""
    endpoint = endpoint_for()
    if not endpoint:
        logger.warning("WEBSOCKET_API_ENDPOINT is not set: %s %s not sent", event.type, event.id)
        return
    if event.type == catalogue.MEMBER_ADDED.name and event.trip_id and event.user_id:
        services.connections_resubscribe(user_id=event.user_id, trip_id=event.trip_id)
    connection_ids = selectors.connection_ids_for_event(event)
    if len(connection_ids) > settings.WEBSOCKET_INLINE_FANOUT_MAX:
        from apps.realtime.tasks import fan_out_event

        try:
            fan_out_event(event_to_dict(event))
            return
        except Exception:
            logger.exception("could not hand %s %s to a task; sending inline", event.type, event.id)
    post(connection_ids, event.envelope(), endpoint=endpoint)


def deliver_many(events: list[Event]) -> None:
    """A batch from ``events.publish_many`` (a notification per member of a trip): the
    people-addressed events' connections in one query and their posts in one pool, where
    ``deliver`` would query once per event. Anything else goes through ``deliver``."""
    addressed = [event for event in events if event.recipient_user_ids]
    for event in events:
        if not event.recipient_user_ids:
            deliver(event)
    endpoint = endpoint_for()
    if not addressed or not endpoint:
        if addressed:
            logger.warning("WEBSOCKET_API_ENDPOINT is not set: %d events not sent", len(addressed))
        return
    by_user = selectors.connection_ids_by_user(
        {user_id for event in addressed for user_id in event.recipient_user_ids}
    )
    posts = [
        (connection_id, _encode(event.envelope()))
        for event in addressed
        for user_id in event.recipient_user_ids
        for connection_id in by_user.get(user_id, ())
    ]
    if len(posts) > settings.WEBSOCKET_INLINE_FANOUT_MAX:
        for event in addressed:  # ``deliver`` hands large fan-outs to a task
            deliver(event)
        return
    post_each(posts, endpoint=endpoint)
