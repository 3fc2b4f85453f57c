"""The shared cache (Redis in deployments) is an optimisation, never a dependency of a request.

When it is unreachable, rate limits fail open and cached values are fetched afresh: callers
catch ``UNAVAILABLE`` or use ``get_quietly``/``set_quietly``, which log one warning per call
(the error's class only: a Redis URL can carry a password).
"""

import logging
from typing import Any

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What the Redis backend raises when the server is down or slow; OSError for socket errors
# a client library lets through.
UNAVAILABLE = (RedisError, OSError)


def log_unavailable(action: str, error: Exception) -> None:
    logger.warning("cache unavailable (%s): %s", action, error.__class__.__name__)


def get_quietly(key: str, default: Any = None) -> Any:
    try:
        return cache.get(key, default)
    except UNAVAILABLE as error:
        log_unavailable("get", error)
        return default


def set_quietly(key: str, value: Any, timeout: float | None) -> None:
    try:
        cache.set(key, value, timeout)
    except UNAVAILABLE as error:
        log_unavailable("set", error)
