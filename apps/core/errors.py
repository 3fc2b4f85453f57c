"""The one error type services raise and the DRF exception handler that renders every error.

Every error leaves the API in the contract's shape (Part 1 §2):
``{"type", "code", "message", "details"?, "requestId"}``, with the HTTP status matching the type.
Views and services raise; nothing builds error JSON by hand.
"""

import logging
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from djangorestframework_camel_case.util import camelize
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

logger = logging.getLogger(__name__)


class ErrorType(StrEnum):
    VALIDATION = "VALIDATION"
    AUTHENTICATION = "AUTHENTICATION"
    AUTHORIZATION = "AUTHORIZATION"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    CONFLICT = "CONFLICT"
    RATE_LIMIT = "RATE_LIMIT"
    SERVER = "SERVER"
    UNAVAILABLE = "UNAVAILABLE"


_TYPE_BY_STATUS = {
    400: ErrorType.VALIDATION,
    401: ErrorType.AUTHENTICATION,
    403: ErrorType.AUTHORIZATION,
    404: ErrorType.NOT_FOUND,
    405: ErrorType.METHOD_NOT_ALLOWED,
    409: ErrorType.CONFLICT,
    429: ErrorType.RATE_LIMIT,
    502: ErrorType.UNAVAILABLE,
    503: ErrorType.UNAVAILABLE,
    504: ErrorType.UNAVAILABLE,
}


def error_type_for(status_code: int) -> ErrorType:
    if status_code in _TYPE_BY_STATUS:
        return _TYPE_BY_STATUS[status_code]
    return ErrorType.SERVER if status_code >= 500 else ErrorType.VALIDATION


class ApplicationError(Exception):
    """A failure the client can act on: a machine code, a human message and an HTTP status."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        if status_code is not None:
            self.status_code = status_code
        self.details = details


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"


class Forbidden(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ServiceUnavailable(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"


def error_body(
    request, status_code: int, code: str, message: str, details: dict | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": error_type_for(status_code).value,
        "code": code,
        "message": message,
    }
    if details:
        body["details"] = details
    request_id = getattr(request, "request_id", None)
    if request_id:
        body["requestId"] = request_id
    return body


def _field_errors(detail: Any) -> dict[str, list[str]]:
    """Normalise DRF's nested error structure into ``{field: [messages]}``."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for field, errors in detail.items():
            if isinstance(errors, dict):
                for sub_field, messages in _field_errors(errors).items():
                    flat[f"{field}.{sub_field}"] = messages
            elif isinstance(errors, list) and errors and isinstance(errors[0], dict):
                for index, item in enumerate(errors):
                    for sub_field, messages in _field_errors(item).items():
                        flat[f"{field}[{index}].{sub_field}"] = messages
            else:
                flat[field] = [str(e) for e in (errors if isinstance(errors, list) else [errors])]
        return flat
    if isinstance(detail, list):
        return {"non_field_errors": [str(e) for e in detail]}
    return {"non_field_errors": [str(detail)]}


def client_field_name(field: str) -> str:
    """A field as the client spelled it: the renderer camelizes ``details`` keys
    (``start_date`` -> ``startDate``, ``items[0].due_date`` -> ``items[0].dueDate``), and a
    message must name the same field."""
    return next(iter(camelize({field: None})))


def _first_message(details: dict[str, list[str]]) -> str:
    for field, messages in details.items():
        if messages:
            if field == "non_field_errors":
                return messages[0]
            return f"{client_field_name(field)}: {messages[0]}"
    return "Invalid input."


def _drf_code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


_CODE_ALIASES = {
    "not_authenticated": "token_missing",
    "authentication_failed": "invalid_token",
    "throttled": "rate_limited",
}


def exception_handler(exc: Exception, context: dict) -> Response:
    request = context.get("request")
    headers: dict[str, str] = {}

    if isinstance(exc, ApplicationError):
        status_code, code, message, details = exc.status_code, exc.code, exc.message, exc.details
    elif isinstance(exc, exceptions.ValidationError | DjangoValidationError):
        detail = exc.detail if isinstance(exc, exceptions.ValidationError) else None
        details = _field_errors(detail if detail is not None else as_serializer_error(exc))
        status_code, code, message = 400, "validation_error", _first_message(details)
    elif isinstance(exc, Http404):
        status_code, code, message, details = 404, "not_found", "Not found.", None
    elif isinstance(exc, DjangoPermissionDenied):
        status_code, code, message, details = 403, "permission_denied", "Permission denied.", None
    elif isinstance(exc, exceptions.APIException):
        status_code, details = exc.status_code, None
        code = _CODE_ALIASES.get(_drf_code(exc), _drf_code(exc))
        message = str(exc.detail) if not isinstance(exc.detail, list | dict) else exc.default_detail
        if isinstance(exc, exceptions.NotAuthenticated) and code == "token_missing":
            message = "Authorization header missing or token not found."
        if isinstance(exc, exceptions.ParseError):
            code = "malformed_request"
        if isinstance(exc, exceptions.Throttled):
            message = "Too many requests. Please try again later."
            headers["Retry-After"] = str(max(int(exc.wait or 1), 1))
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
    elif isinstance(exc, RequestDataTooBig):
        # Raised when a parser reads a body over DATA_UPLOAD_MAX_MEMORY_SIZE (files excluded).
        status_code, code, details = 413, "request_too_large", None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"The request body is larger than the {limit} bytes allowed."
    elif isinstance(exc, SuspiciousOperation):
        # Too many form fields or files, and the like: Django's own answer is a 400 too.
        logger.warning("suspicious request: %s", exc.__class__.__name__)
        status_code, code, message, details = 400, "bad_request", "Bad request.", None
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", exc.__class__.__name__)
        status_code, code, details = 503, "database_unavailable", None
        message = "The database is unavailable; try again shortly."
        headers["Retry-After"] = "5"
    else:
        if isinstance(exc, DatabaseError):
            logger.exception("database error")
        else:
            logger.exception("unhandled error")
        status_code, code, details = 500, "internal_error", None
        message = "An unexpected error occurred."

    response = Response(
        error_body(request, status_code, code, message, details), status=status_code
    )
    for name, value in headers.items():
        response[name] = value
    if status_code >= 500:
        response._has_been_logged = True  # logged above with its traceback; once is enough
    return response


def _json_error_view(status_code: int, code: str, message: str):
    def view(request, exception=None):
        return JsonResponse(error_body(request, status_code, code, message), status=status_code)

    return view


page_not_found = _json_error_view(404, "not_found", "The requested resource was not found.")
server_error = _json_error_view(500, "internal_error", "An unexpected error occurred.")
bad_request = _json_error_view(400, "bad_request", "Bad request.")
permission_denied = _json_error_view(403, "permission_denied", "Permission denied.")
