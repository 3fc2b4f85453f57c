"""A bounded load run: uvicorn serving ``nomadcrew.asgi`` on 127.0.0.1, Locust (headless) sending
the app's mix of reads and writes as many different signed-in users, for a fixed time.

    .venv/bin/python bench/load.py [--users 30] [--duration 25] [--workers 2] [--modes connect,pool]

The server runs once per mode of database connections, one after the other on the same data:
a connect per request (as before psycopg's pool), then the pool ``nomadcrew/asgi.py`` uses.

Runs on the bench data (``bench/dataset.py`` first) with the bench settings (production's, with
throttles raised). The server is started in its own process group and always stopped at the
end, Ctrl-C and SIGTERM included; what the run wrote is deleted afterwards. Locust runs in a
separate process: it needs gevent's monkey-patching, which must not reach Django. Client,
server and PostgreSQL share this machine's cores, so the figures are a floor for the server.
Prints markdown; Locust's CSV files are kept in build/bench/.
"""

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset

ROOT = dataset.ROOT
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def identities(signer: dataset.Signer, count: int) -> list[dict]:
    """``count`` seeded users (not the two probe users) with a token and, per trip, a few todo
    ids and the open single-choice poll with its options."""
    from apps.polls.models import Poll, PollStatus
    from apps.todos.models import Todo
    from apps.trips.models import Membership, MembershipStatus
    from apps.users.models import User

    users = list(
        User.objects.filter(username__startswith="bench")
        .exclude(username__in=["bench0000", "bench0001"])
        .order_by("username")[:count]
    )
    trips_of: dict = {}
    for user_id, trip_id in Membership.objects.filter(
        user__in=users, status=MembershipStatus.ACTIVE
    ).values_list("user_id", "trip_id"):
        trips_of.setdefault(user_id, []).append(str(trip_id))
    trip_ids = {t for trips in trips_of.values() for t in trips}
    todos: dict = {}
    for todo_id, trip_id in (
        Todo.objects.alive().filter(trip_id__in=trip_ids).values_list("id", "trip_id")
    ):
        todos.setdefault(str(trip_id), []).append(str(todo_id))
    polls: dict = {}
    for poll in (
        Poll.objects.alive()
        .filter(trip_id__in=trip_ids, status=PollStatus.ACTIVE, allow_multiple_votes=False)
        .prefetch_related("options")
    ):
        polls.setdefault(str(poll.trip_id), (str(poll.pk), [str(o.pk) for o in poll.options.all()]))
    result = []
    for user in users:
        trips = [
            {
                "id": trip_id,
                "todos": todos.get(trip_id, [])[:3],
                "poll": polls.get(trip_id, (None, []))[0],
                "options": polls.get(trip_id, (None, []))[1],
            }
            for trip_id in trips_of.get(user.pk, [])
        ]
        if trips:
            result.append(
                {"token": signer.token(sub=user.cognito_sub, email=user.email), "trips": trips}
            )
    return result


def wait_until_ready(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health/liveness", timeout=1) as response:  # noqa: S310 - our server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"uvicorn did not answer on {url} within {timeout:.0f} s")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (workers included), SIGKILL if it lingers."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    except ProcessLookupError:
        pass


def read_stats(prefix: Path) -> tuple[list[dict], list[dict]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        stats = list(csv.DictReader(handle))
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", newline="") as handle:
            failures = list(csv.DictReader(handle))
    return stats, failures


def report(
    args, mode: str, stats: list[dict], failures: list[dict], elapsed: float, server_log: str
) -> float:
    """Markdown for one run; its requests/s."""
    total = next(row for row in stats if row["Name"] == "Aggregated")
    requests, failed = int(total["Request Count"]), int(total["Failure Count"])
    rate = failed / requests if requests else 0.0
    print(f"## Load run (uvicorn + Locust, 127.0.0.1): {MODE_LABELS[mode]}\n")
    print(
        f"{args.users} simulated users (each a different seeded user and token), spawned at "
        f"{args.spawn_rate}/s, each sending its next request {args.wait_min}-{args.wait_max} s "
        f"after the last answer, for {args.duration} s. That closed loop saturates the server: "
        "requests/s is its capacity for this mix, and the latencies are mostly time spent "
        f"waiting in line. uvicorn with {args.workers} worker(s) serving `nomadcrew.asgi` "
        f"(Django's ASGI handler, realtime over Channels); Locust {locust_version()} "
        f"(FastHttpUser) in its own process. Load average {os.getloadavg()[0]:.1f} at the end. "
        f"Run took {elapsed:.0f} s in all.\n"
    )
    print(
        f"**{float(total['Requests/s']):.1f} requests/s**, {requests:,} requests, "
        f"**{failed} errors ({rate:.2%})**, p50 {total['50%']} ms, p95 {total['95%']} ms, "
        f"max {float(total['Max Response Time']):.0f} ms.\n"
    )
    print("| request | count | errors | req/s | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in sorted(
        (r for r in stats if r["Name"] != "Aggregated"), key=lambda r: -int(r["Request Count"])
    ):
        print(
            f"| `{row['Name']}` | {int(row['Request Count']):,} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | "
            f"{float(row['Max Response Time']):.0f} |"
        )
    if failures:
        print("\nErrors:\n")
        for row in failures[:10]:
            error, times = row["Error"][:200], row["Occurrences"]
            print(f"- {row['Method']} {row['Name']}: {error} ({times} times)")
    if server_log.strip():
        print("\nServer log (last lines):\n\n```\n" + server_log.strip()[-2000:] + "\n```")
    print()
    return float(total["Requests/s"])


def locust_version() -> str:
    from importlib.metadata import version

    return version("locust")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--duration", type=int, default=25, help="seconds of load")
    parser.add_argument(
        "--workers", type=int, default=2, help="uvicorn processes (one per core by default)"
    )
    parser.add_argument("--wait-min", type=float, default=0.05)
    parser.add_argument("--wait-max", type=float, default=0.2)
    parser.add_argument(
        "--modes",
        default="connect,pool",
        help="database connections to compare, in order: connect (per request), pool",
    )
    args = parser.parse_args()

    env, signer = dataset.configure()
    dataset.setup_django()
    from django.utils import timezone

    if dataset.seeded_marker() is None:
        sys.exit("The bench database has no data set: run bench/dataset.py (make bench does).")
    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C, so the server is always stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    dataset.BUILD.mkdir(parents=True, exist_ok=True)
    modes = [m for m in args.modes.split(",") if m]
    with tempfile.TemporaryDirectory(prefix="nomadcrew-load-") as work:
        data = Path(work) / "load.json"
        data.write_text(
            json.dumps({"run": f"load-{time.time_ns():x}", "identities": identities(signer, 300)})
        )
        rates = {}
        for mode in modes:
            began = time.perf_counter()
            prefix = dataset.BUILD / f"locust-{mode}"
            server_log = Path(work) / f"uvicorn-{mode}.log"
            started_at = timezone.now()
            try:
                serve_and_load(args, {**env, **MODES[mode]}, data, prefix, server_log)
            finally:
                removed = dataset.forget_writes_since(started_at)
                print(f"removed what the run wrote: {removed}", file=sys.stderr)
            stats, failures = read_stats(prefix)
            rates[mode] = report(
                args, mode, stats, failures, time.perf_counter() - began, server_log.read_text()
            )
        if len(rates) > 1:
            print("| database connections | requests/s |\n|---|---:|")
            for mode, rate in rates.items():
                print(f"| {MODE_LABELS[mode]} | {rate:.1f} |")
            print()


# The ASGI server's database connections: psycopg's pool (nomadcrew/asgi.py's default), or a
# connect per request (what it did before the pool), measured one after the other.
MODES = {
    "connect": {"DATABASE_POOL": "false", "DATABASE_CONN_MAX_AGE": "0"},
    "pool": {"DATABASE_POOL": "true"},
}
MODE_LABELS = {"connect": "a connect per request", "pool": "psycopg pool"}


def serve_and_load(args, env: dict, data: Path, prefix: Path, server_log: Path) -> None:
    """uvicorn in its own process group, Locust against it; the server is always stopped."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(server_log, "w") as log:
        server = subprocess.Popen(  # noqa: S603 - our interpreter, our module
            [
                sys.executable,
                "-m",
                "uvicorn",
                "nomadcrew.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            # WhiteNoise's "no static directory" note: the API serves no static file.
            env={**os.environ, **env, "PYTHONWARNINGS": "ignore:No directory at"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_ready(url, server)
        locust = subprocess.run(  # noqa: S603 - our interpreter, Locust
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.duration}s",
                "--stop-timeout",
                "5",
                "--host",
                url,
                "--csv",
                str(prefix),
                "--only-summary",
                "--exit-code-on-error",
                "0",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "BENCH_LOAD_DATA": str(data),
                "BENCH_WAIT_MIN": str(args.wait_min),
                "BENCH_WAIT_MAX": str(args.wait_max),
            },
            capture_output=True,
            text=True,
            timeout=args.duration + 120,
            check=False,
        )
        if locust.returncode != 0:
            sys.exit(f"Locust failed ({locust.returncode}):\n{locust.stderr[-3000:]}")
    finally:
        stop(server)


if __name__ == "__main__":
    main()
