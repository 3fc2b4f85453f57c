"""The old database for the import tests: created once per session, emptied per test."""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.legacy.olddb import OldDb, create_database, drop_database, load_schema


def _server_of_the_suite() -> str:
    """The ``postgres`` database on the server the suite runs on (``DATABASE_URL``, which
    scripts/with-test-database sets: 127.0.0.1:5432 or a throwaway cluster on another port)."""
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nomadcrew"))
    return urlunsplit(url._replace(path="/postgres"))


ADMIN_URL = os.environ.get("LEGACY_TEST_ADMIN_URL") or _server_of_the_suite()


@pytest.fixture(scope="session")
def old_database_url():
    name = f"nc_legacy_src_test_{os.getpid()}"
    create_database(ADMIN_URL, name)
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    load_schema(url)
    yield url
    drop_database(ADMIN_URL, name)


@pytest.fixture
def old_db(old_database_url, db, settings):
    settings.LEGACY_DATABASE_URL = old_database_url
    seeded = OldDb(old_database_url)
    seeded.truncate()
    yield seeded
    seeded.close()
