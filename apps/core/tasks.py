"""What every Zappa entry point (schedule or async task) shares.

Such an invocation is not a request: nothing closes its database connection, so a connection
that died while the container was frozen would fail the task. Each entry point is wrapped in
``fresh_connections``, which does what Django does around a request.
"""

from functools import wraps

from django.db import connections

from apps.core import metrics


class UnsentMessages(Exception):
    """A task or schedule could not send everything it had to; raised so Lambda counts the
    invocation as failed (and retries or dead-letters it). What stayed unsent is released."""


def close_old_connections() -> None:
    """Django's close_old_connections, sparing a connection inside a transaction (a caller's)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def fresh_connections(func):
    @wraps(func)
    def run(*args, **kwargs):
        close_old_connections()
        try:
            return func(*args, **kwargs)
        except Exception:
            metrics.count("TaskFailures")
            raise
        finally:
            close_old_connections()

    return run


@fresh_connections
def purge_rate_limit_counters(event=None, context=None) -> int:
    """Daily (zappa_settings.json): the ended rate-limit windows go."""
    from apps.core.throttling import rate_limit_counters_purge

    return rate_limit_counters_purge()
