"""Database connections per entry point: Django's ASGI handler runs each request in a new
thread, so a persistent connection there is never reused and piles up (bench/load.py saw
PostgreSQL's max_connections reached and 503s); Lambda's WSGI keeps one across invocations."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PROBE = (
    "import {module}; from django.conf import settings; "
    "print(settings.DATABASES['default']['CONN_MAX_AGE'])"
)


def conn_max_age(module: str, static_root: Path, **env: str) -> str:
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_CONN_MAX_AGE"},
        "DATABASE_URL": "postgres://nobody@127.0.0.1:5432/unused",  # not connected to
        "DJANGO_STATIC_ROOT": str(static_root),  # the ASGI entry point wants a manifest
        **env,
    }
    result = subprocess.run(  # noqa: S603 - our interpreter, our modules
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("module", "env", "expected"),
    [
        ("nomadcrew.asgi", {}, "0"),
        ("nomadcrew.wsgi", {}, "60"),
        ("nomadcrew.asgi", {"DATABASE_CONN_MAX_AGE": "30"}, "30"),
    ],
    ids=["asgi-closes-per-request", "wsgi-reuses", "asgi-explicit-setting-wins"],
)
def test_connection_lifetime_suits_the_entry_point(module, env, expected, tmp_path):
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    assert conn_max_age(module, tmp_path, **env) == expected
