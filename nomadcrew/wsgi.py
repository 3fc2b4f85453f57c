"""WSGI entry point: what Zappa's Lambda handler calls."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nomadcrew.settings")

application = get_wsgi_application()
