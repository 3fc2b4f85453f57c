"""Sockets of a disabled account close at once, however the account was disabled.

A ``post_save`` receiver rather than a call in a users service: staff disable accounts in the
admin and in scripts too, and a socket must not outlive any of them. After commit, Channels
sockets get ``realtime.close`` (4401 ``account_disabled``) through the user's group; API Gateway
connections are closed through the management API and their rows deleted (fan-out already skips
inactive users, so nothing leaks in between).
"""

import logging
from functools import partial

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

CLOSE_ACCOUNT_DISABLED = ("account_disabled", 4401)


def user_saved(sender, instance, created=False, **kwargs) -> None:
    if created or instance.is_active:
        return
    transaction.on_commit(partial(close_user_sockets, str(instance.pk)), robust=True)


def close_user_sockets(user_id: str, reason: str = "account_disabled") -> None:
    from apps.realtime import protocol

    if "channels" in settings.REALTIME_TRANSPORTS:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        from apps.realtime.channel_layer import user_group

        layer = get_channel_layer()
        if layer is not None:
            message = {
                "type": "realtime.close",
                "code": protocol.CLOSE_UNAUTHENTICATED,
                "reason": reason,
            }
            try:
                async_to_sync(layer.group_send)(user_group(user_id), message)
            except Exception:
                logger.exception("could not close the sockets of user %s", user_id)
    if "apigateway" in settings.REALTIME_TRANSPORTS:
        from apps.realtime import api_gateway

        api_gateway.close_user_connections(user_id)
