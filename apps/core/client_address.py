"""The caller's network address, as the edge that accepted the connection reports it.

On Lambda, Zappa's WSGI bridge puts API Gateway's event in the environ (``lambda.event``) and
fills ``REMOTE_ADDR`` from ``X-Forwarded-For``, whose leading entries the client writes itself.
API Gateway's ``requestContext`` (``identity.sourceIp`` for REST APIs, ``http.sourceIp`` for
HTTP APIs) is the address of the TCP connection, which no header can forge: anonymous rate
limits and the access log key on it.
"""


def api_gateway_source_ip(meta) -> str | None:
    """The source address API Gateway saw, or None off Lambda (or for a non-HTTP event)."""
    event = meta.get("lambda.event")
    context = event.get("requestContext") if isinstance(event, dict) else None
    if not isinstance(context, dict):
        return None
    for section in ("identity", "http"):
        source_ip = (context.get(section) or {}).get("sourceIp")
        if isinstance(source_ip, str) and source_ip:
            return source_ip
    return None


def client_address(request) -> str:
    """API Gateway's source address on Lambda; elsewhere the socket's peer (``REMOTE_ADDR``)."""
    return api_gateway_source_ip(request.META) or request.META.get("REMOTE_ADDR", "")
