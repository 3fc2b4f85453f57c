"""What a newcomer meets in the first hour (issue 13 item 6): `/` leads to the API docs, the
browser's favicon request finds an icon, a wrong method on a collection says so, and
`make superuser` runs without prompts from DJANGO_SUPERUSER_* variables."""

import os
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from apps.users.models import User
from nomadcrew.urls import FAVICON
from tests.liveserver import live_database_url

ROOT = Path(__file__).resolve().parent.parent.parent


def test_root_redirects_to_the_api_docs(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/v1/docs/"
    assert client.get(response["Location"]).status_code == 200


def test_favicon_leads_to_a_shipped_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static(FAVICON)
    assert Path(finders.find(FAVICON)).read_bytes().startswith(b"\x89PNG")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("patch", "/v1/trips"), ("put", "/v1/notifications"), ("patch", "/v1/users/me")],
)
def test_a_wrong_method_is_405_method_not_allowed(user_client, method, path):
    response = getattr(user_client, method)(path, {}, format="json")

    assert response.status_code == 405
    body = response.json()
    assert body["type"] == "METHOD_NOT_ALLOWED"
    assert body["code"] == "method_not_allowed"
    assert method.upper() in body["message"]


@pytest.mark.django_db(transaction=True)
def test_make_superuser_asks_nothing_when_the_variables_are_set():
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"},  # as in a fresh shell
        "DATABASE_URL": live_database_url(),
        "DJANGO_SUPERUSER_USERNAME": "first-admin",
        "DJANGO_SUPERUSER_EMAIL": "first-admin@example.com",
        "DJANGO_SUPERUSER_PASSWORD": "Correct-Horse-9-Battery!",
    }
    result = subprocess.run(
        ["make", "-s", "-o", ".venv/.runtime", "superuser"],  # noqa: S607
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,  # a prompt would fail: there is no terminal
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    user = User.objects.get(username="first-admin")
    assert user.is_superuser
    assert user.is_staff
    assert user.email == "first-admin@example.com"
    assert user.check_password("Correct-Horse-9-Battery!")
