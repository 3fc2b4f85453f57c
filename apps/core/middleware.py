"""Per-request context: a request id (echoed in ``X-Request-ID`` and error bodies), one JSON
access-log line, and the rate-limit headers of throttled route groups."""

import logging
import re
import time
import uuid

from django.utils.functional import SimpleLazyObject, empty

from apps.core.client_address import client_address
from apps.core.logging import current_request_id

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("nomadcrew.access")


def request_id_for(request) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if _SAFE_REQUEST_ID.match(incoming):
        return incoming
    lambda_context = request.META.get("lambda.context")  # set by Zappa's WSGI bridge
    aws_request_id = getattr(lambda_context, "aws_request_id", None)
    return aws_request_id or uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request)
        context_token = current_request_id.set(request.request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            rate_limit = getattr(request, "rate_limit", None)
            if rate_limit is not None:
                for name, value in rate_limit.headers().items():
                    response[name] = value
            self._log(request, response, started)
            return response
        finally:
            current_request_id.reset(context_token)

    @staticmethod
    def _log(request, response, started):
        match = getattr(request, "resolver_match", None)
        # Only a user already loaded: resolving a lazy session user here would query the
        # database after the response was decided (and fail again if the database is down).
        user = request.__dict__.get("user")
        if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
            user = None
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "route": match.route if match else "",
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "user_id": str(user.pk) if getattr(user, "pk", None) else "",
                "client_ip": client_address(request),
            },
        )
