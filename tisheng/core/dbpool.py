"""PostgreSQL behind PgBouncer in transaction mode (issue 20, item 5): what Django needs, one switch.

In transaction mode PgBouncer lends a server connection for one transaction and then gives it to
another client. Whatever outlives a transaction on the server is therefore lost or, worse, seen by
someone else. What that asks of tisheng, and where each is settled:

- Server-side cursors: Django's `.iterator()` on PostgreSQL declares a named cursor, which outside a
  transaction lives across statements of the session: DISABLE_SERVER_SIDE_CURSORS (set here when
  TISHENG_DB_POOLER=pgbouncer; the exports, enrolment and indexing jobs read with `.iterator()`).
- Prepared statements: Django (psycopg 3) prepares none unless OPTIONS sets prepare_threshold; the
  check below refuses one under PgBouncer, as it does `assume_role` (a SET ROLE for the session).
- Session settings: Django sets the time zone once per connection; PgBouncer tracks TimeZone (with
  client_encoding, DateStyle, standard_conforming_strings, application_name) and sets it again on
  whichever server connection it lends, so that one is safe. tisheng issues no other session SET.
- Temporary tables (funding's settlement, the resources ranking) are created, used and dropped
  inside one `transaction.atomic`, so one server connection holds them from start to end.
- Locks: the job queue claims with SELECT … FOR UPDATE SKIP LOCKED inside a transaction, the
  periodic lease is a row (jobs/lease.py), the heartbeat group commit is one transaction per batch;
  tisheng takes no session-level advisory lock (which would stay with a server connection).
- Connections: CONN_MAX_AGE keeps a client's connection to PgBouncer (cheap to keep, and PgBouncer
  multiplexes them onto few server connections); CONN_HEALTH_CHECKS stays on, so after a failover
  the next request reconnects. connect_timeout bounds a connect attempt (TISHENG_DB_CONNECT_TIMEOUT)
  so a request does not hang on a host that is gone.

This module is imported by settings.py, so it imports nothing of Django at module level but the
checks framework inside `check_pooler`.
"""

from __future__ import annotations

POOLER_NONE = ""
POOLER_PGBOUNCER = "pgbouncer"
POOLERS = (POOLER_NONE, POOLER_PGBOUNCER)
UNKNOWN_POOLER = "TISHENG_DB_POOLER must be empty or 'pgbouncer', not {value!r}."


def apply_database_settings(database: dict, *, pooler: str, connect_timeout: int) -> dict:
    """Adjust one DATABASES entry for the pooler in front of it (PostgreSQL only); returns it."""
    if pooler not in POOLERS:
        raise ValueError(UNKNOWN_POOLER.format(value=pooler))
    if database.get("ENGINE") != "django.db.backends.postgresql":
        return database
    options = database.setdefault("OPTIONS", {})
    if connect_timeout > 0:
        options.setdefault("connect_timeout", connect_timeout)
    if pooler == POOLER_PGBOUNCER:
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    return database


def pooler_problems(database: dict, pooler: str) -> list[str]:
    """What in a DATABASES entry would break under the pooler (empty when nothing does)."""
    if pooler != POOLER_PGBOUNCER or database.get("ENGINE") != "django.db.backends.postgresql":
        return []
    options = database.get("OPTIONS", {})
    problems = []
    if not database.get("DISABLE_SERVER_SIDE_CURSORS"):
        problems.append("DISABLE_SERVER_SIDE_CURSORS is off: .iterator() would declare cursors that outlive "
                        "their transaction.")
    if options.get("prepare_threshold") is not None:
        problems.append("OPTIONS sets prepare_threshold: prepared statements stay with one server connection.")
    if options.get("assume_role"):
        problems.append("OPTIONS sets assume_role: SET ROLE is session state a pooled connection does not keep.")
    if options.get("pool"):
        problems.append("OPTIONS sets pool: psycopg's own pool in front of PgBouncer pools twice.")
    return problems


POOLER_CHECK_ID = "tisheng.E020"


def check_pooler(app_configs, **kwargs):
    from django.conf import settings
    from django.core.checks import Error

    pooler = getattr(settings, "DB_POOLER", POOLER_NONE)
    return [Error(problem, hint="Remove it from the database settings when TISHENG_DB_POOLER=pgbouncer.",
                  id=POOLER_CHECK_ID)
            for alias, database in settings.DATABASES.items()
            for problem in pooler_problems(database, pooler)
            if alias]


def register_checks() -> None:
    from django.core.checks import register

    register(check_pooler)  # every `check`, `migrate` and `serve`: a wrong pooler setup fails early
