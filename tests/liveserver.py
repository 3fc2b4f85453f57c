"""The ASGI app served by uvicorn in a subprocess on a free port, against the test database,
as `make run` serves it: for tests that need a real server (its own log lines, WebSockets,
the API tour). Each test gets its server in a second or two."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def live_database_url() -> str:
    """The database pytest-django made, so the server sees what the test committed."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    _log: object = field(repr=False)

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def output(self) -> str:
        """Everything the server wrote so far (stdout and stderr: the log lines)."""
        self._log.flush()
        return self.log_path.read_text()

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        return self.log_path.read_text()


def start_uvicorn(tmp_path: Path, *, env: dict[str, str] | None = None) -> LiveServer:
    """The app as `make run` serves it (debug on), without the reloader."""
    return start_server(
        tmp_path,
        lambda port: [
            sys.executable,
            "-m",
            "uvicorn",
            "nomadcrew.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={"DJANGO_DEBUG": "true", **(env or {})},
    )


def start_server(tmp_path: Path, command, *, env: dict[str, str] | None = None) -> LiveServer:
    """``command(port)`` started in the checkout, answering /health/liveness within a minute."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": live_database_url(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "PORT": str(port),
        **(env or {}),
    }
    log_path = tmp_path / f"server-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603 - our interpreter, app and scripts
        command(port), cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path, log)
    deadline = time.monotonic() + 180  # collectstatic first, for scripts/run-prod
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.stop()}")
        try:
            with urllib.request.urlopen(f"{server.url}/health/liveness", timeout=2):  # noqa: S310
                return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer:\n{server.stop()}")
