"""`make smoke` against the Lambda package: the zip's handler served over HTTP on 127.0.0.1 by a
small bridge that turns each request into the REST API event API Gateway would send (stage in the
path, API host) and the handler's answer back into an HTTP response. So the smoke script is
tested against what `zappa update` ships, and the package against the smoke script's checks.
(The WebSocket check needs API Gateway's socket side, which has no local stand-in: it runs
against uvicorn in tests/ops/test_smoke.py.)"""

import base64
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.package.conftest import ROOT, STAGE, LambdaFunction, lambda_environment
from tests.package.events import rest_event

ORIGIN = "https://app.nomadcrew.test"


class ApiGatewayBridge(ThreadingHTTPServer):
    """HTTP on a local port in front of one function: /<stage>/... as the REST API serves it."""

    def __init__(self, function: LambdaFunction):
        self.function = function
        self.lock = threading.Lock()  # one execution environment answers one event at a time
        super().__init__(("127.0.0.1", 0), _BridgeHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{STAGE}"


class _BridgeHandler(BaseHTTPRequestHandler):
    def _forward(self):
        parts = urlsplit(self.path)
        if not parts.path.startswith(f"/{STAGE}/"):
            self.send_error(403, "Missing Authentication Token")  # API Gateway's answer
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        event = rest_event(
            self.command,
            parts.path.removeprefix(f"/{STAGE}"),
            headers=headers,
            query=dict(parse_qsl(parts.query)) or None,
            body=body,
        )
        with self.server.lock:
            answer = self.server.function.invoke(event)
        payload = answer.get("body") or ""
        data = base64.b64decode(payload) if answer.get("isBase64Encoded") else payload.encode()
        self.send_response(answer["statusCode"])
        multi = answer.get("multiValueHeaders") or {
            k: [v] for k, v in (answer.get("headers") or {}).items()
        }
        for name, values in multi.items():
            if name.lower() not in ("content-length", "connection"):
                for value in values:
                    self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_OPTIONS = do_HEAD = _forward

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served_package(
    lambda_package,
    runtime_sdk,
    lambda_function,
    throwaway_database,
    moto_endpoint,
    cognito,
    secrets_manager,
):
    """The dev package with one allowed CORS origin (the stage names none) on the database the
    session's function migrated."""
    app_secret = secrets_manager.create_secret(
        Name=f"nomadcrew-dev-smoke-{uuid.uuid4().hex[:8]}",
        SecretString='{"DJANGO_SECRET_KEY": "lambda-test-smoke-0123456789abcdef0123456789"}',
    )["ARN"]
    env = lambda_environment(
        moto_endpoint=moto_endpoint,
        cognito=cognito,
        APP_SECRETS_ARN=app_secret,
        DATABASE_URL=throwaway_database.url,
        CORS_ALLOWED_ORIGINS=ORIGIN,
    )
    function = LambdaFunction(lambda_package, [runtime_sdk], env)
    bridge = ApiGatewayBridge(function)
    yield bridge
    bridge.shutdown()
    bridge.server_close()
    function.close()


def _smoke(url: str, *args: str, token: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "scripts" / "smoke.py"), url, *args],
        env={"PATH": "/usr/bin:/bin", "SMOKE_TOKEN": token},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_smoke_passes_against_the_served_package(served_package, cognito):
    person = cognito.create_user()
    onboarded = served_package.function.invoke(
        rest_event(
            "POST", "/v1/users/onboard", headers={"Authorization": f"Bearer {person.access_token}"}
        )
    )
    assert onboarded["statusCode"] == 200, onboarded

    result = _smoke(served_package.url, "--origin", ORIGIN, token=person.access_token)

    assert result.returncode == 0, result.stdout + result.stderr
    passed = [line.split(":")[0] for line in result.stdout.splitlines() if line.startswith("PASS")]
    assert passed == [
        "PASS health",
        "PASS openapi schema",
        "PASS 401 error shape",
        "PASS admin login + static",
        "PASS cors preflight",
        "PASS authenticated /v1/users/me",
    ]
    assert f"/{STAGE}/static/admin/css/" in result.stdout  # the stylesheet under the stage prefix


def test_smoke_fails_on_the_package_with_a_bad_token(served_package):
    result = _smoke(served_package.url, token="not-a-token")

    assert result.returncode == 1
    assert "FAIL authenticated /v1/users/me: HTTP 401" in result.stdout
    assert "PASS health:" in result.stdout
