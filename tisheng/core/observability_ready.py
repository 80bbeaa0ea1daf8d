"""/readyz: can this node serve requests right now? The load balancer's check (issue 20).

/healthz says the process is up and touches nothing; /readyz says the node can reach a database
it may write to. HAProxy or nginx takes a node out of rotation on a 503 here (the database is
unreachable from this node, or answers too slowly, or is a replica left behind by a failover)
and back in once it answers 200 again.

The probe opens a connection of its own with the node's own connection parameters (the pooler
or the multi-host string with `target_session_attrs=read-write` included) and runs one
`SELECT pg_is_in_recovery()`, bounded by READY_TIMEOUT_SECONDS on the client side: libpq's
connect_timeout does not cover a pooler that accepts the connection and then waits for a
server that is gone (PgBouncer's query_wait_timeout is two minutes), and a request thread
stuck there would tie up the node's threads one probe at a time. So the query runs on
psycopg's asyncio connection under `asyncio.wait_for`, which gives up at the deadline and drops
the connection. It reads no session, sets no cookie, writes nothing; one connection and one
round trip per probe (a few milliseconds, through PgBouncer well under one).

SQLite (the embedded default) is probed by opening the file read-write, without creating it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# What the answer says (machine words for the load balancer's log, never shown to a user).
READY = "ok"
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
READ_ONLY = "read-only"

# libpq parameters Django adds that are not part of a connection string.
_NOT_LIBPQ = ("cursor_factory", "context", "prepare_threshold")

_last_state: dict[str, str] = {}  # alias -> last state, so a failing node logs once, not every probe


@dataclass(frozen=True)
class Readiness:
    state: str
    milliseconds: float

    @property
    def ok(self) -> bool:
        return self.state == READY


def _timeout() -> float:
    return float(getattr(settings, "READY_TIMEOUT_SECONDS", 2.0))


async def _probe_postgresql(params: dict, timeout: float) -> str:
    import psycopg

    params = {k: v for k, v in params.items() if k not in _NOT_LIBPQ}
    # libpq rounds connect_timeout up to 2 s; the overall deadline below is what holds.
    params["connect_timeout"] = max(2, int(timeout + 0.999))

    async def run() -> bool:
        conn = await psycopg.AsyncConnection.connect(autocommit=True, prepare_threshold=None, **params)
        try:
            cur = await conn.execute("SELECT pg_is_in_recovery()")
            row = await cur.fetchone()
            return bool(row and row[0])
        finally:
            await conn.close()

    try:
        in_recovery = await asyncio.wait_for(run(), timeout)
    except TimeoutError:
        return TIMEOUT
    except (psycopg.Error, OSError) as exc:
        logger.debug("readiness probe failed: %s", exc)
        return UNREACHABLE
    return READ_ONLY if in_recovery else READY


def _probe_sqlite(name: str, timeout: float) -> str:
    # mode=rw: a missing file is an error, not a new empty database.
    uri = name if str(name).startswith("file:") else f"file:{name}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout)
    except sqlite3.Error:
        return UNREACHABLE
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError as exc:
        return TIMEOUT if "locked" in str(exc) else UNREACHABLE
    except sqlite3.Error:
        return UNREACHABLE
    finally:
        conn.close()
    return READY


def database_readiness(alias: str = "default", timeout: float | None = None) -> Readiness:
    """Probe the database behind `alias` on a connection of its own, within `timeout` seconds."""
    timeout = _timeout() if timeout is None else timeout
    connection = connections[alias]
    started = time.monotonic()
    if connection.vendor == "postgresql":
        state = asyncio.run(_probe_postgresql(connection.get_connection_params(), timeout))
    elif connection.vendor == "sqlite":
        state = _probe_sqlite(connection.settings_dict["NAME"], timeout)
    else:  # another backend: Django's own connection, without the client-side deadline
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            state = READY
        except Exception:  # noqa: BLE001 - any failure means not ready
            state = UNREACHABLE
    readiness = Readiness(state, round((time.monotonic() - started) * 1000, 1))
    if _last_state.get(alias) != state:
        _last_state[alias] = state
        log = logger.info if readiness.ok else logger.warning
        log("readiness of database %r: %s (%.1f ms)", alias, state, readiness.milliseconds)
    return readiness


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 {"ok": true, ...} when the database answers in time, 503 otherwise."""
    readiness = database_readiness()
    return JsonResponse({"ok": readiness.ok, "database": readiness.state, "ms": readiness.milliseconds},
                        status=200 if readiness.ok else 503)


readyz.idle_timeout_exempt = True  # never loads the session, even when a cookie is sent
