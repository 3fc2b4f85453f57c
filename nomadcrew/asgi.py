"""ASGI entry point for servers (uvicorn locally): the API over HTTP, events over WebSockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nomadcrew.settings")

application = get_asgi_application()
