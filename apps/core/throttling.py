"""Rate limits per user (per IP when anonymous) and per route group (contract Part 1 §13).

Views name their group with ``throttle_scope`` (a string, or ``{"POST": "trip_create"}`` to
limit only some methods); rates live in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``. Counters
are shared (Redis, or the database) because Lambda containers don't share memory, and each
request costs one round trip to them: a fixed window per key, counted and read in one atomic
step (an upsert in PostgreSQL, one MULTI in Redis). When Redis is unreachable the limits fail
open: a rate limit is not worth failing the request over (``apps.core.cache``).
"""

import math
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from apps.core import cache as shared_cache
from apps.core.client_address import api_gateway_source_ip
from apps.core.models import RateLimitCounter


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_at: int  # unix seconds

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


# Count one hit in the key's window, or start a new window if the stored one has ended; the
# SET expressions all read the row as it was, so the two CASEs agree.
_UPSERT = (
    "INSERT INTO {table} (key, window_start, hits) VALUES (%s, %s, 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    "hits = CASE WHEN {table}.window_start <= %s THEN 1 ELSE {table}.hits + 1 END, "
    "window_start = CASE WHEN {table}.window_start <= %s "
    "THEN EXCLUDED.window_start ELSE {table}.window_start END "
    "RETURNING hits, window_start"
)


def count_hit(key: str, duration: int, now: float) -> tuple[int, float]:
    """Add one hit to ``key``'s current window of ``duration`` seconds; return the hits in
    that window and the time it ends. One round trip to the shared store."""
    backend = caches["default"]  # ``cache`` is a proxy: isinstance needs the backend itself
    if isinstance(backend, RedisCache):
        return _count_in_redis(backend, key, duration, now)
    if isinstance(backend, DatabaseCache):
        alias = router.db_for_write(RateLimitCounter)
        if connections[alias].vendor in ("postgresql", "sqlite"):
            return _count_in_database(alias, key, duration, now)
    return _count_in_cache(key, duration, now)


def _count_in_database(alias: str, key: str, duration: int, now: float) -> tuple[int, float]:
    table = connections[alias].ops.quote_name(RateLimitCounter._meta.db_table)
    ended = now - duration
    with connections[alias].cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [key, now, ended, ended])
        hits, window_start = cursor.fetchone()
    return hits, window_start + duration


def _count_in_redis(backend, key: str, duration: int, now: float) -> tuple[int, float]:
    """SET NX EX opens the window with its expiry, INCR counts, PTTL says when it ends; one
    MULTI/EXEC, so one round trip and no window left without an expiry."""
    redis_key = backend.make_and_validate_key(key)
    client = backend._cache.get_client(redis_key, write=True)
    pipe = client.pipeline(transaction=True)
    pipe.set(redis_key, 0, ex=duration, nx=True)
    pipe.incr(redis_key)
    pipe.pttl(redis_key)
    _, hits, ttl_ms = pipe.execute()
    return hits, now + (ttl_ms / 1000 if ttl_ms > 0 else duration)


def _count_in_cache(key: str, duration: int, now: float) -> tuple[int, float]:
    """Any other cache (local memory in development): the same window, not atomic across
    processes, which a single development process doesn't need."""
    window_start, hits = cache.get(key) or (now, 0)
    if window_start <= now - duration:
        window_start, hits = now, 0
    hits += 1
    cache.set(key, (window_start, hits), math.ceil(window_start + duration - now))
    return hits, window_start + duration


class RouteGroupThrottle(ScopedRateThrottle):
    """DRF's scoped throttle with a fixed window counted in one round trip (DRF's own keeps a
    list of timestamps: a read and a write, several statements in the database cache)."""

    timer = time.time

    def get_rate(self):
        # Read at call time (not import time) so deployments and tests can change rates.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        scope = getattr(view, self.scope_attr, None)
        if isinstance(scope, dict):
            scope = scope.get(request.method)
        if not scope:
            return True
        self.scope = scope
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        state = self.count(request, view)
        if state is None:
            return True
        request._request.rate_limit = state
        return self.hits <= self.num_requests

    def count(self, request, view) -> RateLimitState | None:
        """Count this request; None when the shared store is unreachable (fail open)."""
        self.now = self.timer()
        try:
            self.hits, self.window_end = count_hit(
                self.get_cache_key(request, view), self.duration, self.now
            )
        except shared_cache.UNAVAILABLE as error:
            shared_cache.log_unavailable(f"rate limit {self.scope} not applied", error)
            return None
        return RateLimitState(
            limit=self.num_requests,
            remaining=max(self.num_requests - self.hits, 0),
            reset_at=math.ceil(self.window_end),
        )

    def get_cache_key(self, request, view):
        """Keyed by the Cognito identity, so onboarding and later calls share one counter."""
        claims = getattr(request.auth, "claims", None)
        if claims:
            ident = f"sub:{claims['sub']}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_ident(self, request):
        """Anonymous callers are keyed on API Gateway's source address on Lambda, never on a
        client-written ``X-Forwarded-For`` entry; off Lambda, DRF's reading (NUM_PROXIES)."""
        return api_gateway_source_ip(request.META) or super().get_ident(request)

    def wait(self):
        """Seconds until the window ends (a whole number, at least 1)."""
        return max(math.ceil(self.window_end - self.now), 1)


class _UserThrottle(RouteGroupThrottle):
    """The same counter as a REST request of ``user`` in ``scope`` (a WebSocket frame has no
    request: its key is built from the user, as ``get_cache_key`` builds it from the token)."""

    def __init__(self, scope: str, user):
        super().__init__()
        self.scope = scope
        sub = getattr(user, "cognito_sub", None)
        ident = f"sub:{sub}" if sub else f"user:{user.pk}"
        self._key = self.cache_format % {"scope": scope, "ident": ident}

    def get_cache_key(self, request, view):
        return self._key


def user_retry_after(*, scope: str, user) -> int | None:
    """Count one action of ``user`` against the REST group ``scope``; None if allowed, else
    the seconds to wait. Fails open when the cache is down, like the REST throttle."""
    throttle = _UserThrottle(scope, user)
    throttle.rate = throttle.get_rate()
    if throttle.rate is None:
        return None
    throttle.num_requests, throttle.duration = throttle.parse_rate(throttle.rate)
    if throttle.count(None, None) is None:
        return None
    return None if throttle.hits <= throttle.num_requests else throttle.wait()


# DRF's longest rate unit is a day: a window that started two days ago has ended whatever its rate.
COUNTER_RETENTION_SECONDS = 2 * 24 * 3600


def rate_limit_counters_purge() -> int:
    """Delete the database's rate-limit windows that have ended, which would otherwise stay, one
    per caller and group; how many. Idempotent (the daily schedule in ``apps.core.tasks``)."""
    cutoff = time.time() - COUNTER_RETENTION_SECONDS
    deleted, _ = RateLimitCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted
