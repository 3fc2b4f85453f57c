"""ASGI entry point for servers (uvicorn locally): the API over HTTP, events over WebSockets.

Lambda serves HTTP through WSGI (``lambda_app.py``) and WebSockets through API Gateway
(``apps/realtime/lambda_ws.py``); this module is for every other deployment.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nomadcrew.settings")
# Django's ASGI handler runs every request in a thread of its own, so a persistent connection
# is never reused: each request left one open, and under load they reached PostgreSQL's
# max_connections (503s in bench/load.py). Here each request borrows a connection from
# psycopg's pool and gives it back (DATABASE_POOL=false: a connect per request, as Django's
# docs advise for ASGI without a pool); Lambda (WSGI) keeps reusing its one connection.
os.environ.setdefault("DATABASE_POOL", "true")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")

# Django is set up before anything imports models (the consumers do).
django_application = get_asgi_application()


def _refuse_to_start_without_static_files() -> None:
    """A server that would answer 500 on the admin and the API docs stops at start-up instead;
    ASGI servers run no system checks themselves (``apps/core/checks.py``)."""
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured

    from apps.core.checks import STATIC_MANIFEST_TAG

    found = checks.run_checks(tags=[STATIC_MANIFEST_TAG], include_deployment_checks=True)
    errors = [e for e in found if e.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.msg} {e.hint or ''}".strip() for e in errors))


_refuse_to_start_without_static_files()


async def lifespan(scope, receive, send):
    """Nothing to set up or tear down, said explicitly: without it uvicorn reports "ASGI
    'lifespan' protocol appears unsupported" at every start."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from apps.realtime.routing import websocket_urlpatterns  # noqa: E402

# No origin check on sockets: they authenticate with a bearer token, never a cookie, so a
# foreign page has nothing to ride on (native apps send no Origin at all).
application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": URLRouter(websocket_urlpatterns),
        "lifespan": lifespan,
    }
)
