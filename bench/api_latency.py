"""In-process latency and SQL queries per request of the main API endpoints, on the bench data.

    .venv/bin/python bench/api_latency.py [--requests 200] [--warmup 20]

Each request goes through the whole WSGI stack (Django's test ``Client``: middleware, Cognito
token verification, DRF, the database) in this process, so the figures are the app's own cost
without a network or a server in front. Reads rotate over the 25 big trips of ``bench0001``
(20 members, 200 messages each); writes rotate the same way. Every endpoint gets warm-up
requests, whose SQL is captured (queries per request), then timed ones (not captured, so the
capture costs nothing). List endpoints are also called on small data (the probe trip, or
``bench0000`` with one trip and one notification) to show whether their query count grows
with the rows. What the writes add is deleted at the end (everything seeded is older).

Needs the data set (``bench/dataset.py``, which ``make bench`` runs first). Prints markdown.
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset

P95_TARGET_MS = 50.0
SECURE = {"secure": True}  # as behind TLS: production redirects plain HTTP


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    token: str
    body: dict | None = None


@dataclass
class Endpoint:
    """One row of the table: ``call(i)`` is the i-th request; ``small`` the same request on
    small data (lists only)."""

    label: str
    call: Callable[[int], Call]
    small: Callable[[], Call] | None = None
    write: bool = False


@dataclass
class Result:
    label: str
    write: bool
    timings_ms: list[float]
    cpu_ms: list[float]
    queries: list[int]
    statuses: list[int]
    rows: int | None
    small_queries: int | None = None
    small_rows: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        return percentile(self.timings_ms, 95)

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def max(self) -> float:
        return max(self.timings_ms)

    @property
    def query_count(self) -> int:
        return round(statistics.median(self.queries))

    @property
    def ok(self) -> bool:
        return all(200 <= status < 300 for status in self.statuses)

    @property
    def grows(self) -> bool | None:
        if self.small_queries is None:
            return None
        return self.query_count > self.small_queries


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank: the smallest value with ``pct`` percent of them at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


@dataclass
class Scenario:
    """Who calls what: ids and tokens taken from the seeded data."""

    heavy_token: str
    light_token: str
    big_trips: list[str]
    probe_trip: str
    todos: dict[str, list[list]]  # trip -> [[todo id, status], ...]
    polls: dict[str, tuple[str, list[str]]]  # trip -> (open single-choice poll, option ids)
    page: int = 50  # chat page size: the app's default, less if the trips are too small to page
    cursors: dict[str, str] = field(default_factory=dict)
    run: str = field(default_factory=lambda: f"{time.time_ns():x}")


def scenario(signer: dataset.Signer) -> Scenario:
    from django.db.models import Count

    from apps.chat.models import ChatMessage
    from apps.polls.models import Poll, PollStatus
    from apps.todos.models import Todo
    from apps.trips.models import Membership, MembershipStatus

    light, heavy = dataset.bench_users()
    (probe,) = Membership.objects.filter(user=light, status=MembershipStatus.ACTIVE).values_list(
        "trip_id", flat=True
    )
    big = [
        str(trip_id)
        for trip_id in Membership.objects.filter(user=heavy, status=MembershipStatus.ACTIVE)
        .exclude(trip_id=probe)
        .order_by("trip__name")
        .values_list("trip_id", flat=True)
    ]
    todos: dict[str, list[list]] = {trip: [] for trip in big}
    for todo_id, trip_id, status in (
        Todo.objects.alive()
        .filter(trip_id__in=big)
        .order_by("created_at")
        .values_list("id", "trip_id", "status")
    ):
        todos[str(trip_id)].append([str(todo_id), status])
    polls = {}
    for poll in (
        Poll.objects.alive()
        .filter(trip_id__in=big, status=PollStatus.ACTIVE, allow_multiple_votes=False)
        .prefetch_related("options")
    ):
        options = [str(o.pk) for o in sorted(poll.options.all(), key=lambda o: o.position)]
        polls.setdefault(str(poll.trip_id), (str(poll.pk), options))
    fewest = min(
        row["n"]
        for row in ChatMessage.objects.filter(trip_id__in=big)
        .values("trip_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Scenario(
        page=min(50, max(1, fewest // 2)),
        heavy_token=signer.token(sub=heavy.cognito_sub, email=heavy.email),
        light_token=signer.token(sub=light.cognito_sub, email=light.email),
        big_trips=big,
        probe_trip=str(probe),
        todos=todos,
        polls=polls,
    )


def endpoints(s: Scenario) -> list[Endpoint]:
    heavy, light = s.heavy_token, s.light_token
    n_trips = len(s.big_trips)

    def trip(i: int) -> str:
        return s.big_trips[i % n_trips]

    def todo_toggle(i: int) -> Call:
        trip_id = trip(i)
        item = s.todos[trip_id][(i // n_trips) % len(s.todos[trip_id])]
        item[1] = "INCOMPLETE" if item[1] == "COMPLETE" else "COMPLETE"
        return Call("PUT", f"/v1/trips/{trip_id}/todos/{item[0]}", heavy, {"status": item[1]})

    def vote(i: int) -> Call:
        poll_id, options = s.polls[trip(i)]
        option = options[(i // n_trips) % len(options)]
        return Call(
            "POST", f"/v1/trips/{trip(i)}/polls/{poll_id}/vote", heavy, {"optionId": option}
        )

    sent = iter(range(10**9))

    def message(trip_id: str) -> Call:
        """A new message each time: a repeated clientMessageId is an idempotent retry."""
        n = next(sent)
        body = {
            "content": f"Bench message {n}: see you at the station",
            "clientMessageId": f"bench-{s.run}-{n}",
        }
        return Call("POST", f"/v1/trips/{trip_id}/chat/messages", heavy, body)

    def new_trip(i: int) -> Call:
        start = date.today() + timedelta(days=30 + i % 200)
        body = {
            "name": f"Bench write trip {i}",
            "description": "Created by bench/api_latency.py",
            "startDate": start.isoformat(),
            "endDate": (start + timedelta(days=7)).isoformat(),
            "destinationName": "Lisbon",
            "destinationAddress": "Lisbon, Portugal",
            "destinationLatitude": 38.72,
            "destinationLongitude": -9.14,
        }
        return Call("POST", "/v1/trips", heavy, body)

    probe = s.probe_trip
    return [
        Endpoint("GET /v1/users/me", lambda i: Call("GET", "/v1/users/me", heavy)),
        Endpoint(
            "GET /v1/trips",
            lambda i: Call("GET", "/v1/trips", heavy),
            small=lambda: Call("GET", "/v1/trips", light),
        ),
        Endpoint("GET /v1/trips/:id", lambda i: Call("GET", f"/v1/trips/{trip(i)}", heavy)),
        Endpoint(
            "GET /v1/trips/:id/members",
            lambda i: Call("GET", f"/v1/trips/{trip(i)}/members", heavy),
            small=lambda: Call("GET", f"/v1/trips/{probe}/members", heavy),
        ),
        Endpoint(
            "GET …/chat/messages (first page)",
            lambda i: Call("GET", f"/v1/trips/{trip(i)}/chat/messages?limit={s.page}", heavy),
            small=lambda: Call("GET", f"/v1/trips/{probe}/chat/messages?limit={s.page}", heavy),
        ),
        Endpoint(
            "GET …/chat/messages?cursor= (next page)",
            lambda i: Call(
                "GET",
                f"/v1/trips/{trip(i)}/chat/messages?limit={s.page}&cursor={s.cursors[trip(i)]}",
                heavy,
            ),
            small=lambda: Call(
                "GET", f"/v1/trips/{probe}/chat/messages?limit=2&cursor={s.cursors[probe]}", heavy
            ),
        ),
        Endpoint(
            "GET …/todos",
            lambda i: Call("GET", f"/v1/trips/{trip(i)}/todos", heavy),
            small=lambda: Call("GET", f"/v1/trips/{probe}/todos", heavy),
        ),
        Endpoint(
            "GET …/polls",
            lambda i: Call("GET", f"/v1/trips/{trip(i)}/polls", heavy),
            small=lambda: Call("GET", f"/v1/trips/{probe}/polls", heavy),
        ),
        Endpoint(
            "GET …/locations",
            lambda i: Call("GET", f"/v1/trips/{trip(i)}/locations", heavy),
            small=lambda: Call("GET", f"/v1/trips/{probe}/locations", heavy),
        ),
        Endpoint(
            "GET /v1/notifications",
            lambda i: Call("GET", "/v1/notifications", heavy),
            small=lambda: Call("GET", "/v1/notifications", light),
        ),
        Endpoint(
            "POST …/chat/messages",
            lambda i: message(trip(i)),
            small=lambda: message(probe),
            write=True,
        ),
        Endpoint(
            "POST …/todos",
            lambda i: Call(
                "POST", f"/v1/trips/{trip(i)}/todos", heavy, {"text": f"Bench todo {i}"}
            ),
            write=True,
        ),
        Endpoint("PUT …/todos/:id (status)", todo_toggle, write=True),
        Endpoint("POST …/polls/:id/vote", vote, write=True),
        Endpoint(
            "PUT …/locations",
            lambda i: Call(
                "PUT",
                f"/v1/trips/{trip(i)}/locations",
                heavy,
                {"latitude": 38.7 + i % 100 / 1000, "longitude": -9.1, "accuracy": 12.5},
            ),
            write=True,
        ),
        Endpoint("POST /v1/trips", new_trip, write=True),
    ]


def send(client, call: Call):
    kwargs = {"headers": {"authorization": f"Bearer {call.token}", "accept": "application/json"}}
    if call.body is not None:
        kwargs.update(data=json.dumps(call.body), content_type="application/json")
    return client.generic(call.method, call.path, **kwargs, **SECURE)


def rows_in(response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, list):
        return len(body)
    for key in ("data", "messages", "locations"):
        if isinstance(body, dict) and isinstance(body.get(key), list):
            return len(body[key])
    return None


def counted(client, call: Call) -> tuple[object, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = send(client, call)
    return response, len(captured.captured_queries)


def prepare_cursors(client, s: Scenario) -> None:
    """The nextCursor of each trip's first page (the probe's with limit=2: it has 3 rows)."""
    for trip_id in [*s.big_trips, s.probe_trip]:
        limit = 2 if trip_id == s.probe_trip else s.page
        path = f"/v1/trips/{trip_id}/chat/messages?limit={limit}"
        body = send(client, Call("GET", path, s.heavy_token))
        s.cursors[trip_id] = body.json()["pagination"]["nextCursor"]


def measure(
    endpoint: Endpoint, *, client, requests: int, warmup: int, log=lambda *_: None
) -> Result:
    result = Result(endpoint.label, endpoint.write, [], [], [], [], None)

    def note(response) -> None:
        result.statuses.append(response.status_code)
        if not 200 <= response.status_code < 300 and len(result.errors) < 3:
            result.errors.append(f"{response.status_code} {response.content[:200]!r}")

    for i in range(warmup):
        response, queries = counted(client, endpoint.call(i))
        result.queries.append(queries)
        note(response)
        result.rows = rows_in(response)
    for i in range(warmup, warmup + requests):
        call = endpoint.call(i)
        started, cpu = time.perf_counter(), time.process_time()
        response = send(client, call)
        result.timings_ms.append((time.perf_counter() - started) * 1000)
        result.cpu_ms.append((time.process_time() - cpu) * 1000)
        note(response)
    if endpoint.small is not None:
        for _ in range(3):  # the last, warm, count is the one kept
            response, result.small_queries = counted(client, endpoint.small())
            note(response)
        result.small_rows = rows_in(response)
    log(f"{endpoint.label}: p95 {result.p95:.1f} ms, {result.query_count} queries")
    return result


def run(
    s: Scenario,
    *,
    requests: int,
    warmup: int,
    strict: bool = False,
    only: str = "",
    log=lambda *_: None,
) -> list[Result]:
    """Every endpoint, reads first, then writes; what the writes added is removed after."""
    from django.test import Client
    from django.utils import timezone

    client = Client(raise_request_exception=strict)
    started = timezone.now()
    prepare_cursors(client, s)
    try:
        return [
            measure(endpoint, client=client, requests=requests, warmup=warmup, log=log)
            for endpoint in endpoints(s)
            if only in endpoint.label
        ]
    finally:
        dataset.forget_writes_since(started)


def table(results: list[Result]) -> str:
    lines = [
        "| endpoint | rows | p50 ms | p95 ms | max ms | app CPU p50 ms | SQL queries "
        f"| same on small data | p95 < {P95_TARGET_MS:.0f} ms |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        spread = f" ({min(r.queries)}-{max(r.queries)})" if min(r.queries) != max(r.queries) else ""
        if r.grows is None:
            small = "—"
        else:
            verdict = "**grows**" if r.grows else "flat"
            small = f"{r.small_queries} at {r.small_rows} rows: {verdict}"
            if r.small_rows is None:
                small = f"{r.small_queries} with 2 members: {verdict}"
        target = "met" if r.p95 < P95_TARGET_MS else "**missed**"
        if not r.ok:
            target += f", **{sum(not 200 <= s < 300 for s in r.statuses)} non-2xx**"
        rows = "" if r.rows is None else str(r.rows)
        lines.append(
            f"| `{r.label}` | {rows} | {r.p50:.1f} | {r.p95:.1f} | {r.max:.1f} | {r.cpu_p50:.1f} | "
            f"{r.query_count}{spread} | {small} | {target} |"
        )
    return "\n".join(lines)


def summary(results: list[Result]) -> str:
    met = sum(r.p95 < P95_TARGET_MS for r in results)
    lists = [r for r in results if r.grows is not None]
    flat = sum(not r.grows for r in lists)
    failed = [r.label for r in results if not r.ok]
    text = (
        f"p95 under {P95_TARGET_MS:.0f} ms: {met} of {len(results)} endpoints. "
        f"Query count independent of the data: {flat} of {len(lists)} checked endpoints."
    )
    if failed:
        text += f" Non-2xx answers: {', '.join(failed)}."
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="untimed (SQL-counted) ones")
    parser.add_argument(
        "--only", default="", help="endpoints whose label contains this text (e.g. chat)"
    )
    args = parser.parse_args()

    _, signer = dataset.configure()
    dataset.setup_django()
    if dataset.seeded_marker() is None:
        sys.exit("The bench database has no data set: run bench/dataset.py (make bench does).")
    s = scenario(signer)
    results = run(
        s,
        requests=args.requests,
        warmup=args.warmup,
        only=args.only,
        log=lambda text: print(text, file=sys.stderr, flush=True),
    )
    print("## In-process latency (WSGI, test client)\n")
    print(
        f"{args.requests} timed requests per endpoint after {args.warmup} warm-up ones whose SQL "
        "is counted; one process, one database connection, sequential. Reads and writes rotate "
        "over the 25 big trips of `bench0001` (20 members, 200 messages, 10 todos, 3 polls "
        "each; 26 trips, 50 notifications). *Small data*: the probe trip (2 members, 3 messages, "
        "1 todo, 1 poll) or `bench0000` (1 trip, 1 notification). Load average "
        f"{os.getloadavg()[0]:.1f} at the end.\n"
    )
    print(table(results))
    print("\n" + summary(results) + "\n")


if __name__ == "__main__":
    main()
