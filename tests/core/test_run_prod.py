"""`make run-prod` (scripts/run-prod): the production configuration on a laptop serves the
admin and Swagger UI styled over plain HTTP on 127.0.0.1, and a server started without
collected static files stops at start-up instead of answering 500 (issue 13 item 2)."""

import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.liveserver import ROOT, start_server

pytestmark = pytest.mark.django_db(transaction=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, *, follow: bool = True):
    opener = urllib.request.build_opener(*([] if follow else [NoRedirect()]))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("latin-1")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("latin-1")


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link[^>]+href="([^"]+\.css)"', html)


def test_run_prod_serves_the_admin_and_swagger_ui_styled_over_http(tmp_path):
    server = start_server(
        tmp_path,
        lambda port: [str(ROOT / "scripts" / "run-prod")],
        env={"DJANGO_STATIC_ROOT": str(tmp_path / "static"), "DJANGO_DEBUG": "true"},
    )
    try:
        status, headers, _ = fetch(f"{server.url}/", follow=False)
        assert status == 302
        assert headers["Location"] == "/v1/docs/"  # not https://127.0.0.1/...

        for page, sheet in (("/admin/login/", "admin/css/base."), ("/v1/docs/", "swagger-ui.")):
            status, _, html = fetch(f"{server.url}{page}")
            assert status == 200, (page, html[:500])
            hashed = [href for href in stylesheets(html) if sheet in href]
            assert hashed, (page, stylesheets(html))
            assert re.search(r"\.[0-9a-f]{12}\.css$", hashed[0])  # the manifest's hashed name
            status, headers, css = fetch(f"{server.url}{hashed[0]}")
            assert status == 200
            assert headers["Content-Type"].startswith("text/css")
            assert len(css) > 1000

        status, _, icon = fetch(f"{server.url}/favicon.ico")
        assert status == 200
        assert icon.startswith("\x89PNG")
    finally:
        output = server.stop()
    assert "DEBUG" not in output  # the script's settings won over the caller's DJANGO_DEBUG
    assert not (ROOT / "staticfiles").exists()


def test_a_server_without_collected_static_files_stops_at_start_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "nomadcrew.asgi:application", "--port", "1"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "test-only-" + "x" * 50,
            "DJANGO_STATIC_ROOT": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"No static files manifest at {tmp_path}/staticfiles.json" in result.stderr
    assert "collectstatic" in result.stderr
