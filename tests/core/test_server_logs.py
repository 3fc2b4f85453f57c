"""What a `make run` server writes (uvicorn in a subprocess, as the Makefile starts it): one
access-log line per request, the WebSocket handshake once, no warnings, and no token from a
query string (issue 12 item 6, issue 13 item 4)."""

import re
import secrets
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.liveserver import start_uvicorn
from tests.logcapture import assert_no_secrets_logged

pytestmark = pytest.mark.django_db(transaction=True)

LARGE_STATIC_FILE = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local server
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def access_lines(output: str, path: str) -> list[str]:
    """Lines that log a request for ``path``, in any logger's words."""
    pattern = re.compile(rf"(?<![\w/]){re.escape(path)}(\?| |$)")
    return [line for line in output.splitlines() if pattern.search(line)]


@pytest.fixture
def server(tmp_path):
    server = start_uvicorn(tmp_path)
    yield server
    server.stop()


def test_a_run_logs_one_line_per_request_no_warnings_and_no_tokens(server, all_logs):
    invitation_token = secrets.token_urlsafe(24)
    socket_token = "eyJ" + secrets.token_urlsafe(40)

    assert 400 <= get(f"{server.url}/v1/invitations/details?token={invitation_token}") < 500
    assert get(f"{server.url}/health") == 200
    assert get(f"{server.url}{LARGE_STATIC_FILE}") == 200
    with (
        connect(f"{server.ws_url}/v1/ws?token={socket_token}", open_timeout=10) as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=10)
    assert closed.value.rcvd.code == 4401  # accepted, then closed: the token is not valid
    output = server.stop()

    assert_no_secrets_logged(all_logs, invitation_token, socket_token, server_output=output)
    # One access line per HTTP request, the app's (uvicorn's own access log is off).
    for path in ("/v1/invitations/details", "/health", LARGE_STATIC_FILE):
        lines = access_lines(output, path)
        assert len(lines) == 1, (path, lines)
        assert "nomadcrew.access" in lines[0]
    assert 'HTTP/1.1"' not in output  # uvicorn's access-log format
    # The handshake once, its token redacted.
    handshake = access_lines(output, "/v1/ws")
    assert len(handshake) == 1, handshake
    assert "token=[redacted]" in handshake[0]
    # No warnings on a normal run.
    assert "StreamingHttpResponse" not in output
    assert "lifespan" not in output
    assert "Warning" not in output, output
    assert "WARNING" not in output, output
