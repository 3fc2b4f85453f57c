"""Helpers for races on real PostgreSQL connections, synchronised by barriers and by the
database's own lock table, never by sleeping: a test fails if a thread never ran."""

import threading
import time

from django.db import connection, connections

_NOT_RUN = object()


def race(*calls, timeout: float = 30) -> list:
    """Run each call in its own thread (its own connection), released together by a barrier.
    Returns each call's value or exception, in order; fails if any thread did not finish."""
    barrier = threading.Barrier(len(calls))
    results: list = [_NOT_RUN] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # collected and asserted on in the test thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing call never finished"
    assert _NOT_RUN not in results, "a racing call never ran"
    return results


def wait_until_blocked_on_a_lock(timeout: float = 10) -> None:
    """Return once some other connection waits for a row lock (PostgreSQL's ``pg_locks``);
    fail after ``timeout``. Proves a thread reached the lock rather than hoping it did."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE NOT l.granted AND a.datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.01)  # poll the lock table; the condition, not a guess
    raise AssertionError(f"no connection waited for a lock within {timeout}s")
