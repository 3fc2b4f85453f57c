"""The shared cache (Redis in deployments) is an optimisation, never a dependency of a request.

When it is unreachable, rate limits fail open and cached values are fetched afresh: callers
catch ``UNAVAILABLE`` or use ``get_quietly``/``set_quietly``, which log one warning per call
(the error's class only: a Redis URL can carry a password).
"""

import logging
import sys
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)


def unavailable_errors() -> tuple[type[Exception], ...]:
    """What the Redis backend raises when the server is down or slow, and OSError for socket
    errors a client library lets through. Looked up when an ``except`` clause runs, so a
    deployment without Redis (Lambda: the database cache) never imports the redis package
    (a cold-start cost): without it loaded, no Redis error can be raised."""
    redis_exceptions = sys.modules.get("redis.exceptions")
    return (redis_exceptions.RedisError, OSError) if redis_exceptions else (OSError,)


def __getattr__(name: str):
    # ``UNAVAILABLE`` for callers' ``except shared_cache.UNAVAILABLE`` clauses (PEP 562).
    if name == "UNAVAILABLE":
        return unavailable_errors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def log_unavailable(action: str, error: Exception) -> None:
    logger.warning("cache unavailable (%s): %s", action, error.__class__.__name__)


def get_quietly(key: str, default: Any = None) -> Any:
    try:
        return cache.get(key, default)
    except unavailable_errors() as error:
        log_unavailable("get", error)
        return default


def set_quietly(key: str, value: Any, timeout: float | None) -> None:
    try:
        cache.set(key, value, timeout)
    except unavailable_errors() as error:
        log_unavailable("set", error)
