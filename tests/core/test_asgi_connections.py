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
        # Not inherited: an earlier test importing nomadcrew.asgi in this process set the pool on.
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_CONN_MAX_AGE", "DATABASE_POOL"}
        },
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
        ("nomadcrew.asgi", {"DATABASE_POOL": "false", "DATABASE_CONN_MAX_AGE": "30"}, "30"),
    ],
    ids=["asgi-closes-per-request", "wsgi-reuses", "asgi-explicit-setting-wins"],
)
def test_connection_lifetime_suits_the_entry_point(module, env, expected, tmp_path):
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    assert conn_max_age(module, tmp_path, **env) == expected


POOL_PROBE = """
import asyncio, sys
import {module}
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

def request():
    # What a request does with the database under Django's ASGI handler: a query in a thread
    # of its own, then request_finished closes the connection (CONN_MAX_AGE=0).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    connection.close()
    return pid

async def main():
    pids = set()
    for _ in range(4):
        pids |= set(await asyncio.gather(
            *(sync_to_async(request, thread_sensitive=False)() for _ in range(5))
        ))
    print("pool" in settings.DATABASES["default"]["OPTIONS"], len(pids))

asyncio.run(main())
"""


def backends_for_twenty_requests(module: str, static_root: Path, database_url: str) -> str:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")},
        "DATABASE_URL": database_url,
        "DJANGO_STATIC_ROOT": str(static_root),
    }
    result = subprocess.run(  # noqa: S603 - our interpreter, our modules
        [sys.executable, "-c", POOL_PROBE.format(module=module)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("module", "expected"),
    [("nomadcrew.asgi", "True"), ("nomadcrew.wsgi", "False")],
    ids=["asgi-pools", "wsgi-does-not"],
)
def test_asgi_requests_reuse_pooled_connections(module, expected, tmp_path, db):
    """20 requests in 4 waves of 5 threads: through the pool they share at most its
    10 connections; without it (Lambda's WSGI settings) each closes and reconnects."""
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    pooled, backends = backends_for_twenty_requests(module, tmp_path, url).split()
    assert pooled == expected
    if module == "nomadcrew.asgi":
        assert int(backends) <= 10
    else:
        assert int(backends) == 20
