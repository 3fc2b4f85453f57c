"""scripts/smoke.py against a live uvicorn of this checkout: every check passes on a healthy
server (WebSocket ping and signed-in profile included), and a broken one fails with a line per
check and a non-zero exit. The same script runs against the Lambda package in tests/package."""

import os
import subprocess
import sys

import pytest
import requests

from tests.conftest import free_port
from tests.liveserver import ROOT, start_uvicorn

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "https://app.nomadcrew.test"
SMOKE = [sys.executable, str(ROOT / "scripts" / "smoke.py")]


def dev_token(email: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "COGNITO_"))}
    return subprocess.run(  # noqa: S603 - our own management command
        [sys.executable, "manage.py", "dev_token", email],
        cwd=ROOT,
        env={**env, "DJANGO_DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()


def smoke(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [*SMOKE, *args],
        env={**os.environ, "SMOKE_TOKEN": "", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )


def test_smoke_passes_every_check_against_a_live_server(tmp_path):
    server = start_uvicorn(tmp_path, env={"CORS_ALLOWED_ORIGINS": ORIGIN})
    try:
        token = dev_token("smoke@example.com")
        onboarded = requests.post(
            f"{server.url}/v1/users/onboard",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert onboarded.status_code in (200, 201), onboarded.text

        result = smoke(server.url, "--origin", ORIGIN, "--ws-url", server.ws_url, SMOKE_TOKEN=token)
        # A wrong answer, not just a dead server: an origin the stage does not allow.
        refused = smoke(server.url, "--origin", "https://elsewhere.example")
    finally:
        log = server.stop()

    assert result.returncode == 0, result.stdout + result.stderr + log[-3000:]
    lines = result.stdout.splitlines()
    for check in (
        "health",
        "openapi schema",
        "401 error shape",
        "admin login + static",
        "cors preflight",
        "authenticated /v1/users/me",
        "websocket ping",
    ):
        assert any(line.startswith(f"PASS {check}:") for line in lines), (check, lines)
    assert token not in result.stdout + log  # the token went as a subprotocol, never in a URL

    assert refused.returncode == 1
    assert "PASS health:" in refused.stdout
    assert "FAIL cors preflight: Access-Control-Allow-Origin None" in refused.stdout


def test_smoke_fails_with_a_line_per_check_when_nothing_answers():
    port = free_port()
    result = smoke(f"http://127.0.0.1:{port}", "--origin", ORIGIN)

    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL ")]
    assert len(failed) == 5, result.stdout  # the five checks that need no token
    assert "ConnectionError" in failed[0]
    assert "SKIP authenticated /v1/users/me: no SMOKE_TOKEN" in result.stdout
    assert result.stdout.rstrip().endswith("5 check(s) FAILED")
