"""The zip `zappa package dev` builds, exercised through Zappa's handler as Lambda would call it.

Every request here goes through ``handler.lambda_handler`` in a fresh interpreter that sees only
the unzipped package and the runtime's SDK (tests/package/conftest.py), with moto standing in for
Cognito and Secrets Manager and a throwaway PostgreSQL database built by the ``manage`` event.
"""

import gzip
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from zappa.core import Zappa

from tests.package.conftest import (
    MAX_UNZIPPED_BYTES,
    MAX_ZIPPED_BYTES,
    ROOT,
    LambdaFunction,
    lambda_environment,
    stage_settings,
)
from tests.package.events import (
    API_HOST,
    async_task_event,
    body_bytes,
    cognito_migration_event,
    header,
    http_event,
    json_body,
    rest_event,
    scheduled_event,
    ws_event,
)

CUSTOM_DOMAIN = "api-dev.nomadcrew.uk"
STYLESHEET = re.compile(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"')
SCRIPT = re.compile(r'<script[^>]+src="([^"]+)"')


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- The package itself -------------------------------------------------------------------------


def test_package_fits_lambda_limits(lambda_package):
    zipped, unzipped = lambda_package.zipped_bytes, lambda_package.unzipped_bytes
    print(f"\nLambda package: {zipped / 2**20:.1f} MiB zipped, {unzipped / 2**20:.1f} MiB unzipped")
    assert zipped < MAX_ZIPPED_BYTES
    assert unzipped < MAX_UNZIPPED_BYTES
    # Our own budget (issue 16): what Lambda never imports stays out (zappa_settings.json).
    assert zipped <= 25 * 2**20


def test_metrics_library_keeps_what_it_imports_in_the_package(lambda_package):
    """Powertools' utilities and event handler are left out; metrics must still import."""
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from aws_lambda_powertools.metrics import EphemeralMetrics; print('ok')"
    )
    result = subprocess.run(  # noqa: S603 - our interpreter, the unpacked package
        # -I -S: the package's own copy, not the virtualenv's
        [sys.executable, "-I", "-S", "-c", probe, str(lambda_package.task_root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "ok", result.stderr
    assert not (lambda_package.task_root / "aws_lambda_powertools/event_handler").exists()


def test_package_holds_the_app_and_runtime_requirements_only(lambda_package):
    root = lambda_package.task_root
    for needed in [
        "handler.py",
        "zappa_settings.py",
        "nomadcrew/settings.py",
        "apps/users/tasks.py",
        "django",
        "rest_framework",
        "psycopg_binary",
        "staticfiles/staticfiles.json",
    ]:
        assert (root / needed).exists(), needed
    for left_out in [
        "tests",
        "bench",
        "docs",
        "infrastructure",
        "scripts",
        "build",
        ".venv",
        ".local",
        "db.sqlite3",
        "pytest",
        "_pytest",
        "moto",
        "ruff",
        "factory",
        "boto3",  # the runtime ships the SDK
        "botocore",
        "s3transfer",
        "setuptools",
        "troposphere",
    ]:
        assert not (root / left_out).exists(), left_out
    assert not list(root.rglob("*.sqlite3"))
    assert not list((root / "staticfiles").rglob("*.map"))


def test_the_build_leaves_no_staticfiles_in_the_checkout(lambda_package):
    """A stale staticfiles/ would hide a missing collectstatic from `make run-prod`."""
    if not lambda_package.build_log:
        pytest.skip("a prebuilt LAMBDA_PACKAGE_ZIP: nothing was built here")
    assert (lambda_package.task_root / "staticfiles" / "staticfiles.json").exists()
    assert not (ROOT / "staticfiles").exists()


def test_package_ships_bytecode_lambda_can_use(lambda_package):
    """/var/task is read-only and Zappa zips with 1980 timestamps: only unchecked-hash .pyc
    files spare each cold start from compiling every module again."""
    root = lambda_package.task_root
    pyc = root / "apps" / "users" / "__pycache__" / "tasks.cpython-312.pyc"
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    assert flags == 0b01  # hash-based, not checked against the source
    sources = [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]
    compiled = list(root.rglob("__pycache__/*.cpython-312.pyc"))
    assert len(compiled) >= 0.99 * len(sources)
    assert not list(root.rglob("__pycache__/__pycache__"))


def test_package_needs_no_aws_credentials(lambda_package):
    if not lambda_package.build_log:
        pytest.skip("LAMBDA_PACKAGE_ZIP: testing a zip built elsewhere")
    # The fixture built it with every AWS_* variable removed and no AWS config files.
    assert "Package created" in lambda_package.build_log


# --- Management commands, schedules, async tasks -------------------------------------------------


def test_manage_event_migrates_the_database(lambda_function, throwaway_database):
    # The fixture sent {"manage": "migrate --noinput"}; every app's migrations are applied.
    applied = {app for (app,) in throwaway_database.query("SELECT app FROM django_migrations")}
    assert {"users", "trips", "admin", "sessions", "auth"} <= applied
    tables = {name for (name,) in throwaway_database.query("SELECT tablename FROM pg_tables")}
    assert {"users_user", "users_pushtoken", "trips_trip"} <= tables


@pytest.fixture(scope="module")
def signed_up(lambda_function, cognito) -> dict[str, str]:
    """Authorization headers of a user who onboarded through the handler."""
    person = cognito.create_user()
    auth = bearer(person.access_token)
    onboarded = lambda_function.invoke(rest_event("POST", "/v1/users/onboard", headers=auth))
    assert onboarded["statusCode"] == 200, onboarded
    return auth


def _push_token(function, auth, database, *, age_days: int, last_used_days: int | None) -> str:
    """Register a device through the API, then age it in the database."""
    token = f"ExponentPushToken[{uuid.uuid4().hex}]"
    registered = function.invoke(
        rest_event(
            "POST", "/v1/users/push-token", headers=auth, body={"token": token, "deviceType": "ios"}
        )
    )
    assert registered["statusCode"] == 200, registered
    now = datetime.now(UTC)
    database.query(
        "UPDATE users_pushtoken SET created_at = %s, last_used_at = %s WHERE token = %s",
        (
            now - timedelta(days=age_days),
            None if last_used_days is None else now - timedelta(days=last_used_days),
            token,
        ),
    )
    return token


def _is_active(database, token: str) -> bool:
    return database.query("SELECT is_active FROM users_pushtoken WHERE token = %s", (token,))[0][0]


def _rule_name(function: str) -> str:
    """The EventBridge rule `zappa schedule dev` creates; the handler finds the function by it."""
    zappa = Zappa(load_credentials=False, aws_region="us-east-1")
    return zappa.get_scheduled_event_name({"function": function}, function, "nomadcrew-dev")


def test_weekly_schedule_deactivates_stale_push_tokens_through_the_handler(
    lambda_function, signed_up, throwaway_database
):
    db = throwaway_database
    unused_old = _push_token(lambda_function, signed_up, db, age_days=120, last_used_days=None)
    used_long_ago = _push_token(lambda_function, signed_up, db, age_days=400, last_used_days=91)
    used_lately = _push_token(lambda_function, signed_up, db, age_days=400, last_used_days=10)
    new_unused = _push_token(lambda_function, signed_up, db, age_days=5, last_used_days=None)
    event = scheduled_event(_rule_name("apps.users.tasks.deactivate_stale_push_tokens"))

    assert lambda_function.invoke(event) == 2
    assert not _is_active(db, unused_old)
    assert not _is_active(db, used_long_ago)
    assert _is_active(db, used_lately)
    assert _is_active(db, new_unused)
    assert lambda_function.invoke(event) == 0  # safe to run twice


@pytest.mark.parametrize(
    "function",
    sorted({e["function"] for e in stage_settings("dev")["events"] if "expression" in e}),
)
def test_every_scheduled_function_runs_through_the_handler(lambda_function, function):
    """Whatever the lead adds under ``events`` is invoked as EventBridge would invoke it."""
    answer = lambda_function.invoke_raw(scheduled_event(_rule_name(function)))
    assert "error" not in answer, answer.get("traceback")


def test_async_task_event_runs_the_task(lambda_function, signed_up, throwaway_database):
    """The payload zappa.asynchronous sends when a @task is called on Lambda."""
    token = _push_token(
        lambda_function, signed_up, throwaway_database, age_days=400, last_used_days=45
    )
    event = async_task_event("apps.users.tasks.deactivate_stale_push_tokens", days=30)

    assert lambda_function.invoke(event) == 1
    assert not _is_active(throwaway_database, token)


def test_websocket_routes_through_the_handler(lambda_function, signed_up, throwaway_database):
    """$connect stores the connection, $default answers, $disconnect removes it; a bad token
    is refused at the handshake (zappa_settings.json: websocket_handler_module)."""
    token = signed_up["Authorization"].removeprefix("Bearer ")
    connection_id = f"pkg{uuid.uuid4().hex[:12]}="

    def stored() -> bool:
        rows = throwaway_database.query(
            "SELECT 1 FROM realtime_websocketconnection WHERE connection_id = %s", (connection_id,)
        )
        return bool(rows)

    refused = lambda_function.invoke(ws_event("$connect", "pkgrefused=", query={"token": "x"}))
    assert refused["statusCode"] == 401

    connected = lambda_function.invoke(ws_event("$connect", connection_id, query={"token": token}))
    assert connected["statusCode"] == 200
    assert stored()

    answered = lambda_function.invoke(ws_event("$default", connection_id, body={"type": "ping"}))
    assert answered["statusCode"] == 200

    closed = lambda_function.invoke(ws_event("$disconnect", connection_id))
    assert closed["statusCode"] == 200
    assert not stored()


# --- HTTP: REST API (v1) and HTTP API (v2) payloads --------------------------------------------


def test_health_answers_on_the_rest_api_payload(lambda_function):
    response = lambda_function.invoke(rest_event("GET", "/health"))
    assert response["statusCode"] == 200
    body = json_body(response)
    assert body["status"] == "UP"
    assert body["components"]["database"] == {"status": "UP"}
    assert header(response, "X-Request-ID")


def test_health_answers_on_the_http_api_payload(lambda_function):
    response = lambda_function.invoke(http_event("GET", "/dev/health"))
    assert response["statusCode"] == 200
    assert json_body(response)["status"] == "UP"


def test_signed_in_user_onboards_reads_profile_and_creates_a_trip(
    lambda_function, cognito, throwaway_database
):
    person = cognito.create_user(email=f"lambda-{uuid.uuid4().hex[:8]}@example.com")
    auth = bearer(person.access_token)

    before = lambda_function.invoke(rest_event("GET", "/v1/users/me", headers=auth))
    assert before["statusCode"] == 404
    assert json_body(before)["code"] == "user_not_onboarded"

    onboarded = lambda_function.invoke(
        rest_event("POST", "/v1/users/onboard", headers=auth, body={})
    )
    assert onboarded["statusCode"] == 200, onboarded
    assert json_body(onboarded)["email"] == person.email

    me = lambda_function.invoke(rest_event("GET", "/v1/users/me", headers=auth))
    assert me["statusCode"] == 200
    profile = json_body(me)
    assert profile["email"] == person.email
    assert profile["lastSeenAt"]  # camelCase on the wire
    rows = throwaway_database.query(
        "SELECT email FROM users_user WHERE cognito_sub = %s", (person.sub,)
    )
    assert rows == [(person.email,)]

    # POST /v1/trips (apps/trips): the first write of a domain app through the handler.
    trip = lambda_function.invoke(
        rest_event(
            "POST",
            "/v1/trips",
            headers=auth,
            body={
                "name": "Lisbon in spring",
                "startDate": "2027-04-10",
                "endDate": "2027-04-17",
                "destinationName": "Lisbon",
            },
        )
    )
    assert trip["statusCode"] == 201, trip
    created = json_body(trip)
    assert created["name"] == "Lisbon in spring"
    assert created["members"][0]["role"] == "OWNER"
    assert throwaway_database.query(
        "SELECT name FROM trips_trip WHERE id = %s", (created["id"],)
    ) == [("Lisbon in spring",)]


# --- Static files under the stage prefix and on a custom domain --------------------------------


def _get(function: LambdaFunction, path: str, *, host: str = API_HOST, **headers: str) -> dict:
    """GET a URL path as the browser would after following a link in a page."""
    if host == API_HOST:
        assert path.startswith("/dev/"), path  # the stage is part of the URL on the API host
        path = path.removeprefix("/dev")  # and API Gateway hands the function the rest
    return function.invoke(rest_event("GET", path, host=host, headers=headers))


@pytest.mark.parametrize(
    ("host", "page", "static_prefix"),
    [
        (API_HOST, "/dev/admin/login/", "/dev/static/"),
        (CUSTOM_DOMAIN, "/admin/login/", "/static/"),
    ],
)
def test_admin_login_page_styles_load_through_the_handler(
    lambda_function, host, page, static_prefix
):
    response = _get(lambda_function, page, host=host)
    assert response["statusCode"] == 200
    assert header(response, "Content-Type").startswith("text/html")
    html = body_bytes(response).decode()
    stylesheets = STYLESHEET.findall(html)
    assert stylesheets, html[:500]

    for href in stylesheets:
        assert href.startswith(static_prefix), href
        css = _get(lambda_function, href, host=host)
        assert css["statusCode"] == 200, href
        assert header(css, "Content-Type").startswith("text/css")
        assert b"{" in body_bytes(css)
        assert "immutable" in header(css, "Cache-Control")  # hashed names are cached forever


def test_static_files_go_out_gzipped_when_the_browser_accepts_it(lambda_function):
    html = body_bytes(_get(lambda_function, "/dev/admin/login/")).decode()
    href = STYLESHEET.findall(html)[0]
    css = _get(lambda_function, href, **{"Accept-Encoding": "gzip"})
    assert css["statusCode"] == 200
    assert css["isBase64Encoded"] is True  # binary_support: API Gateway decodes it
    assert header(css, "Content-Encoding") == "gzip"
    assert b"{" in gzip.decompress(body_bytes(css))


def test_swagger_ui_loads_its_assets_under_the_stage(lambda_function):
    response = _get(lambda_function, "/dev/v1/docs/")
    assert response["statusCode"] == 200
    html = body_bytes(response).decode()
    assets = [*SCRIPT.findall(html), *STYLESHEET.findall(html)]
    assert any("swagger-ui-bundle" in a for a in assets), html[:800]
    for src in assets:
        if not src.startswith("/"):
            continue  # inline or absolute: not ours
        asset = _get(lambda_function, src)
        assert asset["statusCode"] == 200, src
        assert header(asset, "Content-Type").split(";")[0] in {
            "text/javascript",
            "application/javascript",
            "text/css",
        }


def test_browsable_api_loads_its_styles_under_the_stage(lambda_function):
    response = _get(lambda_function, "/dev/v1/users/me", Accept="text/html")
    assert response["statusCode"] in {401, 403}
    html = body_bytes(response).decode()
    stylesheets = STYLESHEET.findall(html)
    assert any("rest_framework" in href for href in stylesheets), html[:500]
    for href in stylesheets:
        assert _get(lambda_function, href)["statusCode"] == 200, href


# --- The database down ---------------------------------------------------------------------------


class SilentServer:
    """Accepts TCP connections and never says a word: a database that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(connection)

    def close(self):
        self._stop.set()
        for connection in self.held:
            connection.close()
        self.sock.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once this socket closes


@pytest.fixture(scope="module")
def app_secret(secrets_manager):
    return secrets_manager.create_secret(
        Name=f"nomadcrew-dev-app-{uuid.uuid4().hex[:8]}",
        SecretString='{"DJANGO_SECRET_KEY": "lambda-test-database-down-0123456789abcdef"}',
    )["ARN"]


@pytest.fixture(
    scope="module",
    params=["closed-port", "silent-server"],
)
def function_without_database(
    request, lambda_package, runtime_sdk, moto_endpoint, cognito, app_secret
):
    server = SilentServer() if request.param == "silent-server" else None
    port = server.port if server else _closed_port()
    env = lambda_environment(
        moto_endpoint=moto_endpoint,
        cognito=cognito,
        APP_SECRETS_ARN=app_secret,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/nomadcrew",
    )
    function = LambdaFunction(lambda_package, [runtime_sdk], env)
    yield function
    function.close()
    if server:
        server.close()


def test_api_answers_503_json_when_the_database_is_down(function_without_database, cognito):
    person = cognito.create_user()
    started = time.monotonic()
    response = function_without_database.invoke(
        rest_event("GET", "/v1/users/me", headers=bearer(person.access_token)), timeout=40
    )
    elapsed = time.monotonic() - started

    assert response["statusCode"] == 503
    assert header(response, "Content-Type") == "application/json"
    assert header(response, "Retry-After")
    body = json_body(response)
    assert body["type"] == "UNAVAILABLE"
    assert body["code"] == "database_unavailable"
    # DATABASE_CONNECT_TIMEOUT (5 s in the stage) bounds it, well inside API Gateway's 29 s.
    assert elapsed < 15


def test_admin_answers_503_json_not_a_trace_when_the_database_is_down(function_without_database):
    response = function_without_database.invoke(
        rest_event("GET", "/admin/", headers={"Cookie": f"sessionid={'x' * 32}"}), timeout=40
    )
    assert response["statusCode"] == 503
    assert header(response, "Content-Type") == "application/json"
    body = json_body(response)
    assert body["code"] == "database_unavailable"
    assert "Traceback" not in response["body"]


def test_admin_login_form_renders_without_the_database(function_without_database):
    """Nothing on the sign-in page needs a query until the form is posted."""
    response = function_without_database.invoke(rest_event("GET", "/admin/login/"), timeout=40)
    assert response["statusCode"] == 200


# --- Wallet schedules (apps/wallet/tasks.py) ------------------------------------------------------


def _wallet_document(database, user_id, *, expires_in_days=None, deleted_days_ago=None) -> str:
    now = datetime.now(UTC)
    document_id = str(uuid.uuid4())
    expires = (now + timedelta(days=expires_in_days)).date() if expires_in_days else None
    database.query(
        "INSERT INTO wallet_walletdocument (id, created_at, updated_at, user_id, wallet_type,"
        " document_type, name, description, storage_key, file_size, mime_type, metadata,"
        " expires_on, deleted_at) VALUES (%s, %s, %s, %s, 'personal', 'passport', 'Passport',"
        " '', %s, 100, 'application/pdf', '{}', %s, %s)",
        (
            document_id,
            now,
            now,
            user_id,
            f"wallet/personal/{user_id}/{document_id}.pdf",
            expires,
            now - timedelta(days=deleted_days_ago) if deleted_days_ago else None,
        ),
    )
    return document_id


def test_wallet_schedules_purge_and_remind_through_the_handler(
    lambda_function, signed_up, throwaway_database
):
    db = throwaway_database
    # signed_up's user, who is in no trip (the newest user may own one: a passport warning too).
    user_id = json_body(
        lambda_function.invoke(rest_event("GET", "/v1/users/me", headers=signed_up))
    )["id"]
    deleted_long_ago = _wallet_document(db, user_id, deleted_days_ago=31)
    deleted_lately = _wallet_document(db, user_id, deleted_days_ago=3)
    expiring = _wallet_document(db, user_id, expires_in_days=7)
    purge = scheduled_event(_rule_name("apps.wallet.tasks.purge_deleted_documents"))
    remind = scheduled_event(_rule_name("apps.wallet.tasks.send_expiry_reminders"))

    assert lambda_function.invoke(purge) == 1
    assert lambda_function.invoke(purge) == 0
    left = {str(i) for (i,) in db.query("SELECT id FROM wallet_walletdocument")}
    assert deleted_long_ago not in left
    assert {deleted_lately, expiring} <= left

    assert lambda_function.invoke(remind) == 1
    assert lambda_function.invoke(remind) == 0  # each reminder once
    [(metadata,)] = db.query(
        "SELECT metadata FROM notifications_notification"
        " WHERE user_id = %s AND type = 'WALLET_DOCUMENT_EXPIRING'",
        (user_id,),
    )
    assert metadata["documentID"] == expiring
    assert metadata["daysLeft"] == 7


# --- Cognito User Migration trigger (apps/legacy/triggers.py, `cognito` in zappa_settings) ----

OLD_PASSWORD = "Old-Supabase-Passw0rd!"


@pytest.fixture(scope="module")
def imported_person(lambda_function, cognito, throwaway_database) -> str:
    """A profile with an old Supabase password hash, as import_legacy leaves it; the profile is
    made through the API so the test doesn't depend on the users table's columns."""
    import bcrypt

    person = cognito.create_user()
    onboarded = lambda_function.invoke(
        rest_event("POST", "/v1/users/onboard", headers=bearer(person.access_token))
    )
    assert onboarded["statusCode"] == 200, onboarded
    old_email = f"old-{uuid.uuid4().hex[:8]}@example.com"
    hashed = bcrypt.hashpw(OLD_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    throwaway_database.query(
        "INSERT INTO legacy_legacycredential (user_id, email, encrypted_password,"
        " email_confirmed_at) VALUES (%s, %s, %s, now())",
        (json_body(onboarded)["id"], old_email, hashed.replace("$2b$", "$2a$")),
    )
    return old_email


def test_user_migration_trigger_checks_the_old_password_through_the_handler(
    lambda_function, imported_person
):
    event = cognito_migration_event(
        "UserMigration_Authentication", imported_person.upper(), OLD_PASSWORD
    )

    answer = lambda_function.invoke(event)

    assert answer["response"] == {
        "userAttributes": {"email": imported_person, "email_verified": "true"},
        "finalUserStatus": "CONFIRMED",
        "messageAction": "SUPPRESS",
    }


@pytest.mark.parametrize(
    ("who", "password"),
    [("person", "Wrong-Password-1"), ("stranger", OLD_PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
def test_user_migration_trigger_refuses_through_the_handler_alike(
    lambda_function, imported_person, who, password
):
    username = imported_person if who == "person" else "nobody@example.com"
    answer = lambda_function.invoke_raw(
        cognito_migration_event("UserMigration_Authentication", username, password)
    )
    assert answer["error"] == "MigrationRefused('Incorrect username or password.')"
    assert password not in lambda_function.stderr()


def test_user_migration_forgot_password_through_the_handler(lambda_function, imported_person):
    answer = lambda_function.invoke(
        cognito_migration_event("UserMigration_ForgotPassword", imported_person)
    )
    assert answer["response"] == {
        "userAttributes": {"email": imported_person, "email_verified": "true"},
        "messageAction": "SUPPRESS",
    }
    unknown = lambda_function.invoke_raw(
        cognito_migration_event("UserMigration_ForgotPassword", "nobody@example.com")
    )
    assert "MigrationRefused" in unknown["error"]
