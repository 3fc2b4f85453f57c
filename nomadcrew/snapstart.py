"""SnapStart runtime hooks: what must not be shared by every copy restored from one snapshot.

With SnapStart (prod) Lambda initialises the function once per published version, snapshots the
process and restores that snapshot in every new execution environment. Sockets in the snapshot
are dead after a restore (database and cache connections, the Cognito client's pool), and the
state of ``random`` would repeat in every copy. ``snapshot_restore_py`` ships with Lambda's Python
runtimes only, so elsewhere ``register`` does nothing.
"""

import logging
import random

logger = logging.getLogger(__name__)


def _close_connections() -> None:
    from django.core.cache import caches
    from django.db import connections

    connections.close_all()
    caches.close_all()


def before_snapshot() -> None:
    """Nothing open goes into the snapshot."""
    _close_connections()


def after_restore() -> None:
    """Fresh randomness, fresh sockets and clients: each copy opens its own on first use."""
    random.seed()  # from os.urandom, which differs per execution environment
    _close_connections()
    from apps.core.cognito import _cognito_client

    _cognito_client.cache_clear()


def register() -> bool:
    """Register the hooks with the Lambda runtime; False where there is no runtime to call them."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    logger.debug("SnapStart runtime hooks registered")
    return True
