"""Request correlation: every request gets an id, echoed in ``X-Request-ID`` and error bodies."""

import re
import uuid

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_for(request) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if _SAFE_REQUEST_ID.match(incoming):
        return incoming
    lambda_context = request.META.get("lambda.context")  # set by Zappa's WSGI bridge
    aws_request_id = getattr(lambda_context, "aws_request_id", None)
    return aws_request_id or uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
