"""Platform endpoints and cross-cutting behaviour: health, OpenAPI, admin, errors, headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_health_reports_database_up(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "UP"
    assert body["components"]["database"]["status"] == "UP"
    assert body["version"]
    assert body["timestamp"].endswith("Z")


def test_liveness_needs_nothing(client):
    response = client.get("/health/liveness")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.django_db
def test_readiness_up(client):
    assert client.get("/health/readiness").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readiness_is_503_and_liveness_200_when_the_database_is_down(client, settings):
    """Point the connection at a closed port, as when Aurora is paused or unreachable."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "9"
    connection.settings_dict["HOST"] = "127.0.0.1"
    try:
        ready = client.get("/health/readiness")
        health = client.get("/health")
        live = client.get("/health/liveness")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert ready.status_code == 503
    assert ready.json()["components"]["database"]["status"] == "DOWN"
    assert health.status_code == 200
    assert health.json()["status"] == "DOWN"
    assert live.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_api_answers_503_json_when_the_database_is_down(api_client, cognito):
    person = cognito.create_user()
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "9"
    try:
        response = api_client.get(
            "/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {person.access_token}"
        )
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["type"] == "UNAVAILABLE"
    assert response.json()["code"] == "database_unavailable"


@pytest.mark.django_db
def test_openapi_schema_declares_the_bearer_scheme(client):
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    scheme = schema["components"]["securitySchemes"]["cognitoBearer"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert "/v1/users/me" in schema["paths"]
    # camelCase on the wire, so in the schema too.
    profile = schema["components"]["schemas"]["UserProfile"]["properties"]
    assert "displayName" in profile
    assert "display_name" not in profile


@pytest.mark.django_db
def test_swagger_ui_serves_self_hosted_assets(client):
    response = client.get("/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html  # no CDN: works offline and on a private network


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


@pytest.mark.django_db
def test_admin_lists_and_searches_users_and_push_tokens(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    UserFactory(username="findme")
    client.force_login(staff)
    users = client.get("/admin/users/user/", {"q": "findme"})
    assert users.status_code == 200
    assert b"findme" in users.content
    assert client.get("/admin/users/pushtoken/", {"q": "x"}).status_code == 200


@pytest.mark.django_db
def test_browsable_api_accepts_the_admin_session(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get("/v1/users/me", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"NomadCrew" in response.content or b"Me" in response.content


def test_unknown_path_is_json_404(client):
    response = client.get("/v1/nope")
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "NOT_FOUND"
    assert body["requestId"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_malformed_json_is_400(user_client):
    response = user_client.generic(
        "PUT", "/v1/users/me/contact-email", b"{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


@pytest.mark.django_db
def test_wrong_method_is_405_json(user_client):
    response = user_client.patch("/v1/users/me")  # DELETE now deletes the account
    assert response.status_code == 405
    assert response.json()["type"] == "METHOD_NOT_ALLOWED"


def test_request_id_is_echoed_or_generated(client):
    echoed = client.get("/health/liveness", HTTP_X_REQUEST_ID="abc-123")
    assert echoed["X-Request-ID"] == "abc-123"
    generated = client.get("/health/liveness", HTTP_X_REQUEST_ID="bad id with spaces")
    assert generated["X-Request-ID"] != "bad id with spaces"
    assert len(generated["X-Request-ID"]) == 32


def test_security_headers(client):
    response = client.get("/health/liveness")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_cors_preflight_for_a_listed_origin(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.nomadcrew.uk"]
    response = client.options(
        "/v1/users/me",
        HTTP_ORIGIN="https://app.nomadcrew.uk",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response["Access-Control-Allow-Origin"] == "https://app.nomadcrew.uk"
    refused = client.options(
        "/v1/users/me", HTTP_ORIGIN="https://evil.test", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "Access-Control-Allow-Origin" not in refused


def _manage(args, env, static_root=None):
    """manage.py in a clean environment; static files collect to ``static_root`` (a temporary
    folder: a staticfiles/ left in the checkout would hide a missing collectstatic)."""
    if static_root is not None:
        env = {**env, "DJANGO_STATIC_ROOT": str(static_root)}
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT)), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "api.nomadcrew.uk",
    "DATABASE_URL": "postgres://nomadcrew@aurora.example.internal:5432/nomadcrew",
    "COGNITO_USER_POOL_ID": "eu-west-2_AbCdEfGhI",
    "COGNITO_APP_CLIENT_IDS": "1example23456789",
    "AWS_STORAGE_BUCKET_NAME": "nomadcrew-media",
    "WALLET_KMS_KEY_ID": "arn:aws:kms:eu-west-2:123456789012:key/wallet",
    "REDIS_URL": "redis://cache.example.internal:6379/0",
}


def test_check_deploy_is_clean_with_production_env(tmp_path):
    # What collectstatic leaves (tests/core/test_run_prod.py runs the real one).
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')

    result = _manage(
        ["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, static_root=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_missing_static_manifest_is_a_check_error_not_a_500_later(tmp_path):
    result = _manage(["check", "--deploy"], PRODUCTION_ENV, static_root=tmp_path)

    assert result.returncode != 0
    assert "nomadcrew.E003" in result.stderr
    assert f"No static files manifest at {tmp_path}/staticfiles.json" in result.stderr
    assert "collectstatic" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage(["check"], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_check_deploy_refuses_the_development_sign_in():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "COGNITO_USER_POOL_ID"}
    result = _manage(["check", "--deploy"], env)
    assert result.returncode != 0
    assert "nomadcrew.E001" in result.stderr
