"""Health endpoints for load balancers and uptime checks (contract §1).

Liveness says the process answers; readiness and ``/health`` also check the database (and Redis
when configured). Readiness answers 503 when a dependency is down so traffic moves elsewhere.
"""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

_STARTED = time.monotonic()


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver failure means "down"; the detail is not the caller's business
        return {"status": "DOWN", "details": "Database connection failed"}
    return {"status": "UP"}


def _redis_status() -> dict:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
    except RedisError:
        return {"status": "DOWN", "details": "Redis connection failed"}
    return {"status": "UP"}


def _uptime() -> str:
    seconds = time.monotonic() - _STARTED
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{int(hours)}h{int(minutes)}m{seconds:.1f}s"


def health_report() -> dict:
    components = {"database": _database_status()}
    if settings.REDIS_URL:
        components["redis"] = _redis_status()
    down = any(c["status"] == "DOWN" for c in components.values())
    return {
        "status": "DOWN" if down else "UP",
        "components": components,
        "version": settings.APP_VERSION,
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "uptime": _uptime(),
    }


@require_GET
def health(request):
    return JsonResponse(health_report())


@require_GET
def liveness(request):
    return HttpResponse(status=200)


@require_GET
def readiness(request):
    report = health_report()
    return JsonResponse(report, status=503 if report["status"] == "DOWN" else 200)
