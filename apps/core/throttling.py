"""Rate limits per user (per IP when anonymous) and per route group (contract Part 1 §13).

Views name their group with ``throttle_scope`` (a string, or ``{"POST": "trip_create"}`` to
limit only some methods); rates live in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``. Counters
sit in the default cache, which is shared (Redis, or the database) because Lambda containers
don't share memory. When that cache is unreachable the limits fail open: a rate limit is
not worth failing the request over (``apps.core.cache``).
"""

import math
from dataclasses import dataclass

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from apps.core import cache as shared_cache
from apps.core.client_address import api_gateway_source_ip


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


class RouteGroupThrottle(ScopedRateThrottle):
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
        try:
            allowed = SimpleRateThrottle.allow_request(self, request, view)
        except shared_cache.UNAVAILABLE as error:
            shared_cache.log_unavailable(f"rate limit {self.scope} not applied", error)
            return True
        oldest = self.history[-1] if self.history else self.now
        request._request.rate_limit = RateLimitState(
            limit=self.num_requests,
            remaining=max(self.num_requests - len(self.history), 0),
            reset_at=math.ceil(oldest + self.duration),
        )
        return allowed

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
        """Seconds until the oldest counted request leaves the window (a whole number)."""
        if not self.history:
            return self.duration
        return max(math.ceil(self.duration - (self.now - self.history[-1])), 1)


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
    try:
        allowed = SimpleRateThrottle.allow_request(throttle, None, None)
    except shared_cache.UNAVAILABLE as error:
        shared_cache.log_unavailable(f"rate limit {scope} not applied", error)
        return None
    return None if allowed else throttle.wait()
