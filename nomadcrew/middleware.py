"""A database outage outside DRF views (admin, plain Django views) answers like DRF views do.

DRF's exception handler already turns OperationalError into a 503 ``database_unavailable``;
without this a non-DRF view would fall through to handler500 and report a 500
``internal_error`` for what is a transient outage (a paused Aurora, a full connection table).
"""

import logging

from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from apps.core.errors import error_body

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s", exception.__class__.__name__)
        # The user is unknown now; without this the access log, resolving the lazy user after
        # the response, would query the dead database again and turn this into a 500.
        request.user = AnonymousUser()
        body = error_body(
            request, 503, "database_unavailable", "The database is unavailable; try again shortly."
        )
        response = JsonResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
