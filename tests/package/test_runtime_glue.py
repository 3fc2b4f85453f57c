"""The Lambda-only pieces inside the app: secrets loading, SnapStart hooks, static URLs under a
script prefix, database outages outside DRF."""

import json
import random
import sys
import types
from urllib.parse import unquote, urlsplit

import boto3
import environ
import pytest
from django.db import DatabaseError, OperationalError, connection
from django.test import RequestFactory
from django.urls import set_script_prefix

from nomadcrew import snapstart
from nomadcrew.lambda_app import database_url, load_secrets
from nomadcrew.middleware import DatabaseUnavailableMiddleware
from nomadcrew.staticfiles import ScriptPrefixedStaticFilesStorage

# --- Secrets -------------------------------------------------------------------------------------

DB_SECRET = {
    "engine": "postgres",
    "host": "cluster.example.internal",
    "port": 5432,
    "username": "nomadcrew",
    "password": "p@ss:w/rd?#%",
    "dbname": "nomadcrew",
}


def test_database_url_escapes_the_password_so_settings_read_it_back():
    url = database_url(DB_SECRET)
    parsed = environ.Env.db_url_config(url)
    assert parsed["PASSWORD"] == DB_SECRET["password"]
    assert parsed["HOST"] == "cluster.example.internal"
    assert parsed["NAME"] == "nomadcrew"
    assert parsed["ENGINE"] == "django.db.backends.postgresql"


def test_database_host_override_points_at_a_proxy():
    url = database_url(DB_SECRET, host="proxy.example.internal")
    assert urlsplit(url).hostname == "proxy.example.internal"
    assert unquote(urlsplit(url).password) == DB_SECRET["password"]


@pytest.fixture
def secrets(moto_endpoint):
    return boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=moto_endpoint)


def test_secrets_become_environment_variables(secrets):
    app_arn = secrets.create_secret(
        Name="glue-app-secrets",
        SecretString=json.dumps(
            {"DJANGO_SECRET_KEY": "from-secrets-manager", "EXPO_ACCESS_TOKEN": 7}
        ),
    )["ARN"]
    db_arn = secrets.create_secret(Name="glue-db", SecretString=json.dumps(DB_SECRET))["ARN"]
    env = {"APP_SECRETS_ARN": app_arn, "DATABASE_SECRET_ARN": db_arn, "AWS_REGION": "us-east-1"}

    load_secrets(env)

    assert env["DJANGO_SECRET_KEY"] == "from-secrets-manager"
    assert env["EXPO_ACCESS_TOKEN"] == "7"
    assert env["DATABASE_URL"] == database_url(DB_SECRET)


def test_variables_already_set_win_over_secrets(secrets):
    app_arn = secrets.create_secret(
        Name="glue-app-secrets-2", SecretString=json.dumps({"DJANGO_SECRET_KEY": "secret"})
    )["ARN"]
    env = {
        "APP_SECRETS_ARN": app_arn,
        "DATABASE_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:never-read",
        "DATABASE_URL": "postgres://local@127.0.0.1/dev",
        "DJANGO_SECRET_KEY": "local",
        "AWS_REGION": "us-east-1",
    }
    load_secrets(env)
    assert env["DJANGO_SECRET_KEY"] == "local"
    assert env["DATABASE_URL"] == "postgres://local@127.0.0.1/dev"


def test_nothing_is_fetched_without_secret_arns():
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # nothing listens: a call would fail
    load_secrets(env)
    assert set(env) == {"AWS_ENDPOINT_URL"}


# --- SnapStart -----------------------------------------------------------------------------------


def test_hooks_register_with_the_runtime_library(monkeypatch):
    registered = {}
    library = types.ModuleType("snapshot_restore_py")
    library.register_before_snapshot = lambda f: registered.setdefault("before", f)
    library.register_after_restore = lambda f: registered.setdefault("after", f)
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", library)

    assert snapstart.register() is True
    assert registered == {"before": snapstart.before_snapshot, "after": snapstart.after_restore}


def test_without_the_runtime_library_registering_does_nothing(monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    assert snapstart.register() is False


def test_restored_copies_do_not_share_random_state():
    random.seed(1234)
    expected_if_shared = random.Random(1234).random()
    snapstart.after_restore()
    assert random.random() != expected_if_shared


@pytest.mark.django_db(transaction=True)
def test_no_database_connection_goes_into_the_snapshot():
    connection.ensure_connection()
    assert connection.connection is not None
    snapstart.before_snapshot()
    assert connection.connection is None
    with connection.cursor() as cursor:  # and the app reconnects on its next query
        cursor.execute("SELECT 1")


# --- Static files under API Gateway's stage path ------------------------------------------------


@pytest.fixture
def storage(settings, tmp_path):
    settings.DEBUG = True  # URLs without the manifest; the prefix logic is the same
    return ScriptPrefixedStaticFilesStorage(location=str(tmp_path), base_url="/static/")


def test_static_urls_carry_the_stage_prefix_of_the_request(storage):
    set_script_prefix("/dev/")
    try:
        assert storage.url("admin/css/base.css") == "/dev/static/admin/css/base.css"
    finally:
        set_script_prefix("/")


def test_static_urls_on_a_custom_domain_have_no_prefix(storage):
    set_script_prefix("/")
    assert storage.url("admin/css/base.css") == "/static/admin/css/base.css"


def test_static_url_setting_is_an_absolute_path():
    # The module itself: tests/conftest.py swaps the storage for one without a manifest.
    from nomadcrew import settings as project_settings

    assert project_settings.STATIC_URL.startswith("/")
    storage = project_settings.STORAGES["staticfiles"]["BACKEND"]
    assert storage == "nomadcrew.staticfiles.ScriptPrefixedStaticFilesStorage"


# --- Database outages outside DRF ----------------------------------------------------------------


def _middleware():
    return DatabaseUnavailableMiddleware(lambda request: None)


def test_database_outage_in_a_plain_view_is_a_503_in_the_error_shape():
    request = RequestFactory().get("/admin/")
    request.request_id = "req-1"
    response = _middleware().process_exception(request, OperationalError("connection refused"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content) == {
        "type": "UNAVAILABLE",
        "code": "database_unavailable",
        "message": "The database is unavailable; try again shortly.",
        "requestId": "req-1",
    }
    assert request.user.is_anonymous  # nothing after this asks the dead database for the user


def test_other_errors_are_left_to_the_500_handler():
    request = RequestFactory().get("/admin/")
    assert _middleware().process_exception(request, ValueError("bug")) is None
    assert _middleware().process_exception(request, DatabaseError("bad SQL")) is None
