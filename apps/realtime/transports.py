"""The ``apps.core.events`` subscribers: one per transport, each gated by REALTIME_TRANSPORTS."""

from django.conf import settings

from apps.core.events import Event


def via_channels(event: Event) -> None:
    if "channels" in settings.REALTIME_TRANSPORTS:
        from apps.realtime import channel_layer

        channel_layer.deliver(event)


def via_channels_many(events: list[Event]) -> None:
    """A fan-out's events in one channel-layer round trip (``events.publish_many``)."""
    if "channels" in settings.REALTIME_TRANSPORTS:
        from apps.realtime import channel_layer

        channel_layer.deliver_many(events)


def via_apigateway(event: Event) -> None:
    if "apigateway" in settings.REALTIME_TRANSPORTS:
        from apps.realtime import api_gateway

        api_gateway.deliver(event)


def via_apigateway_many(events: list[Event]) -> None:
    """A fan-out's events with one connection lookup (``events.publish_many``)."""
    if "apigateway" in settings.REALTIME_TRANSPORTS:
        from apps.realtime import api_gateway

        api_gateway.deliver_many(events)
