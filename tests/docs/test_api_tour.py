"""docs/api-tour.md runs: every shell block of the tour, in order, as one script against a live
server (uvicorn in debug mode on the test database, development sign-in on for that server
only), so the tour fails the build when the API changes (issue 13 item 3)."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.liveserver import ROOT, start_uvicorn

pytestmark = pytest.mark.django_db(transaction=True)

TOUR = ROOT / "docs" / "api-tour.md"
# `make` without its dependency checks: the suite already runs in the built virtualenv, and a
# requirements file newer than its stamp must not start a pip install from a test.
PREAMBLE = 'set -euo pipefail\nmake() { command make -o .venv/.runtime "$@"; }\n'


def tour_blocks() -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", TOUR.read_text(), flags=re.MULTILINE | re.DOTALL)


def test_the_tour_covers_the_main_flows():
    script = "\n".join(tour_blocks())

    for step in (
        "make -s token",
        "/v1/users/onboard",
        "/v1/trips",
        "/invitations",
        "/v1/invitations/accept",
        "/chat/messages",
        "/todos",
        "/polls",
        "/locations",
        "/v1/notifications",
        "/v1/ws",
    ):
        assert step in script, step


def test_every_command_of_the_tour_runs_against_a_live_server(tmp_path: Path):
    server = start_uvicorn(tmp_path)
    try:
        result = subprocess.run(  # noqa: S603 - the tour, our own document
            ["bash", "-c", PREAMBLE + "\n".join(tour_blocks())],  # noqa: S607
            cwd=ROOT,
            # A fresh shell's environment: the suite's DJANGO_DEBUG=false would refuse tokens.
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
                "API": server.url,
            },
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        log = server.stop()

    assert result.returncode == 0, (
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{log[-3000:]}"
    )
    assert '"type": "CHAT_MESSAGE_SENT"' in result.stdout  # the socket heard Bob's message
    assert '"status":"COMPLETE"' in result.stdout
    assert '"markedAsReadCount"' in result.stdout
