"""CloudWatch metrics without API calls: Embedded Metric Format lines on stdout, which Lambda
hands to CloudWatch Logs and CloudWatch turns into metrics (namespace ``NomadCrew``, dimension
``service`` = the function's name, so each stage has its own). Written by AWS Lambda Powertools'
``EphemeralMetrics`` (no state shared between requests or threads), imported on the first metric
only: about 8 ms after Django, and nothing at all where ``METRICS_ENABLED`` is off (local runs and
tests; zappa_settings.json turns it on in the stages).

``count("ChatMessagesSent")`` for a business event; ``RequestMetricsMiddleware`` emits one line per
request with its count, latency and error by route group; the first request of a process also
counts a cold start. The dashboard (infrastructure/monitoring.yaml) shows every name below.
"""

import logging
import time

from django.conf import settings

logger = logging.getLogger(__name__)

NAMESPACE = "NomadCrew"
BUSINESS_METRICS = (
    "ChatMessagesSent",
    "InvitationsSent",
    "InvitationsAccepted",
    "PushFailures",
    "EmailFailures",
    "EventsFannedOut",
    "EventsDropped",
    "TaskFailures",
    "ColdStarts",
)
_cold = True


def _emit(values: dict[str, tuple[float, str]], dimensions: dict[str, str] | None = None) -> None:
    """One EMF line holding ``values`` (name -> (value, unit)); never raises into the caller."""
    try:
        from aws_lambda_powertools.metrics import EphemeralMetrics

        line = EphemeralMetrics(namespace=NAMESPACE, service=settings.METRICS_SERVICE)
        for name, value in (dimensions or {}).items():
            line.add_dimension(name=name, value=value)
        for name, (value, unit) in values.items():
            line.add_metric(name=name, unit=unit, value=value)
        line.flush_metrics()
    except Exception:  # a metric must never fail a request or a task
        logger.exception("metrics: could not emit %s", sorted(values))


def count(name: str, value: int = 1) -> None:
    """A business event happened ``value`` times (a name from BUSINESS_METRICS)."""
    if settings.METRICS_ENABLED and value:
        _emit({name: (value, "Count")})


def route_group(request) -> str:
    """The app a request was routed to (``trips``, ``chat``, ``admin``...), or ``unmatched``:
    few enough values to be a dimension, unlike paths with ids in them."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    module = getattr(match.func, "__module__", "") or ""
    parts = module.split(".")
    if parts[0] == "apps" and len(parts) > 1:
        return parts[1]
    if module.startswith("django.contrib.admin") or match.app_name == "admin":
        return "admin"
    return match.url_name or parts[0] or "other"


class RequestMetricsMiddleware:
    """Requests, RequestLatency (ms) and RequestErrors (5xx) by RouteGroup; ColdStarts once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.METRICS_ENABLED:
            return self.get_response(request)
        global _cold
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        _emit(
            {
                "Requests": (1, "Count"),
                "RequestLatency": (round(elapsed_ms, 2), "Milliseconds"),
                "RequestErrors": (int(response.status_code >= 500), "Count"),
            },
            {"RouteGroup": route_group(request)},
        )
        if _cold:
            _cold = False
            count("ColdStarts")
        return response
