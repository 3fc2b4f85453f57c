"""Fan-out benchmark of /v1/ws: events delivered per second to N sockets over channels-redis.

A real uvicorn process serves ``nomadcrew.asgi:application`` with the Redis pub/sub channel layer;
N real WebSocket clients (the ``websockets`` library) sign in with locally signed tokens and join
one trip. The benchmark then publishes events through the app's own Channels transport
(``apps.realtime.channel_layer.deliver``, as a request thread does after commit) as fast as it
can and counts how long the clients take to receive every event. Each event carries its send
time, so the per-message latency is measured too.

    .venv/bin/python bench/realtime_fanout.py [--clients 100] [--events 200]

Needs Redis (``--redis-url``, default redis://127.0.0.1:6379/0). The database defaults to a
temporary SQLite file; ``--database-url`` must name a database the benchmark may fill.
The clients and the publisher share one Python process, so on a small machine they are part of
what is measured: the figure is a floor for the server, not a ceiling.
"""

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="events per second (0: as fast as possible)"
    )
    parser.add_argument("--timeout", type=float, default=120.0)
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"uvicorn did not listen on port {port}")


def configure(args: argparse.Namespace, workdir: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nomadcrew.settings",
        "DJANGO_DEBUG": "true",  # the local token signer, no AWS needed
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir}/bench.sqlite3",
        "REDIS_URL": args.redis_url,
        "CHANNEL_LAYER_PREFIX": f"bench{uuid.uuid4().hex[:8]}",
        "REALTIME_TRANSPORTS": "channels",
        "REALTIME_PING_INTERVAL": "3600",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    return env


def seed(clients: int) -> tuple[list[str], str, str]:
    """N users in one trip, with a token each; returns (tokens, trip id, owner id)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.core.devtokens import issue_dev_token
    from apps.trips.models import Membership, Trip
    from apps.users.models import User

    run = uuid.uuid4().hex[:8]
    users = [
        User(
            username=f"bench-{run}-{n}",
            email=f"bench-{run}-{n}@example.com",
            cognito_sub=str(uuid.uuid4()),
        )
        for n in range(clients)
    ]
    User.objects.bulk_create(users)
    trip = Trip.objects.create(
        name=f"Bench {run}",
        start_date=date(2030, 1, 1),
        end_date=date(2030, 1, 8),
        created_by=users[0],
    )
    Membership.objects.bulk_create(
        [
            Membership(trip=trip, user=user, role="OWNER" if n == 0 else "MEMBER")
            for n, user in enumerate(users)
        ]
    )
    tokens = [issue_dev_token(email=user.email, sub=user.cognito_sub) for user in users]
    return tokens, str(trip.pk), str(users[0].pk)


async def measure(port, tokens, trip_id, owner_id, *, events: int, rate: float, timeout: float):
    from asgiref.sync import sync_to_async
    from websockets.asyncio.client import connect

    from apps.core.events import Event, new_event_id
    from apps.realtime.channel_layer import deliver

    sockets = []
    for token in tokens:
        ws = await connect(f"ws://127.0.0.1:{port}/v1/ws?token={token}", max_queue=None)
        hello = json.loads(await ws.recv())
        assert hello["type"] == "connected", hello
        assert hello["payload"]["trips"] == [trip_id], hello
        sockets.append(ws)

    latencies: list[float] = []
    last_receipt = [0.0]

    async def read(ws) -> None:
        seen = 0
        while seen < events:
            message = json.loads(await ws.recv())
            if message["type"] != "event":
                continue
            now = time.perf_counter()
            latencies.append(now - message["payload"]["payload"]["sentAt"])
            last_receipt[0] = max(last_receipt[0], now)
            seen += 1

    def publish_all() -> None:
        # A request thread's view of the world: async_to_sync onto the server loop's layer.
        began = time.perf_counter()
        for n in range(events):
            if rate:
                time.sleep(max(0.0, began + n / rate - time.perf_counter()))
            now = datetime.now(UTC)
            deliver(
                Event(
                    id=new_event_id(now),
                    type="BENCH_EVENT",
                    trip_id=trip_id,
                    user_id=owner_id,
                    timestamp=now.isoformat().replace("+00:00", "Z"),
                    payload={"n": n, "sentAt": time.perf_counter()},
                )
            )

    readers = [asyncio.create_task(read(ws)) for ws in sockets]
    start = time.perf_counter()
    await sync_to_async(publish_all, thread_sensitive=False)()
    published = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*readers), timeout)
    for ws in sockets:
        await ws.close()
    return {
        "elapsed": last_receipt[0] - start,
        "publish": published - start,
        "latencies": sorted(latencies),
    }


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="nomadcrew-bench-") as workdir:
        env = configure(args, workdir)
        import django

        django.setup()
        tokens, trip_id, owner_id = seed(args.clients)
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "uvicorn",
                "nomadcrew.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_for_port(port)
            result = asyncio.run(
                measure(
                    port,
                    tokens,
                    trip_id,
                    owner_id,
                    events=args.events,
                    rate=args.rate,
                    timeout=args.timeout,
                )
            )
        finally:
            server.terminate()
            server.wait(timeout=10)

    delivered = args.clients * args.events
    latencies = result["latencies"]
    rate = delivered / result["elapsed"]
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    pace = f"{args.rate:g} events/s" if args.rate else "as fast as possible"
    print(
        f"{args.clients} clients x {args.events} events ({pace}) = {delivered} messages in "
        f"{result['elapsed']:.2f} s (published in {result['publish']:.2f} s)"
    )
    print(f"delivered: {rate:,.0f} messages/s; latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(
        f"machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}; one uvicorn worker, Redis pub/sub layer"
    )


if __name__ == "__main__":
    main()
