"""The statement batch's few queries, fast on PostgreSQL.

Django's psycopg backend binds parameters on the client, quoting every value in Python: for
a batch of 1,000 statements that costs more than the database's work. On PostgreSQL these
queries use a server-side-binding psycopg cursor (one uuid[] parameter instead of 1,000
quoted literals) and COPY for the inserts, with the statements' seq values taken from the
table's sequence in one query; on SQLite they are ordinary ORM calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection

from tisheng.xapi.models import Activity, Statement, StatementRelation

STATEMENT_COLUMNS = ("seq", "institution_id", "statement_id", "stored", "actor_key", "object_agent_key",
                     "authority_key", "verb_key", "verb_id", "activity_key", "registration", "object_ref",
                     "voiding", "voided", "payload")


def _pg() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def _cursor() -> Iterator[psycopg.Cursor]:
    """A server-binding cursor on Django's connection, its errors wrapped as Django's own (a lost
    connection mid-batch is then an OperationalError: a 503 with Retry-After, not a 500)."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cur:
        yield cur


def lookup(institution_id: int, ids: list[uuid.UUID]) -> tuple[dict[uuid.UUID, str], set[uuid.UUID]]:
    """For a batch's ids: the payloads already stored under them, and which of them stored
    voiding statements already target (one query on PostgreSQL)."""
    if not _pg():
        existing = dict(Statement.objects.filter(institution_id=institution_id, statement_id__in=ids)
                        .values_list("statement_id", "payload"))
        voided = set(Statement.objects.filter(institution_id=institution_id, object_ref__in=ids, voiding=True)
                     .values_list("object_ref", flat=True))
        return existing, voided
    with _cursor() as cur:
        cur.execute("SELECT statement_id, payload FROM xapi_statement "
                    "WHERE institution_id = %s AND statement_id = ANY(%s) "
                    "UNION ALL SELECT object_ref, NULL FROM xapi_statement "
                    "WHERE institution_id = %s AND object_ref = ANY(%s) AND voiding",
                    [institution_id, ids, institution_id, ids])
        existing, voided = {}, set()
        for key, payload in cur.fetchall():
            if payload is None:
                voided.add(key)
            else:
                existing[key] = payload
        return existing, voided


def insert(rows: list[Statement], relations: list[list[tuple[int, uuid.UUID]]]) -> None:
    """Insert the statements (their seq set) and their relation rows."""
    if not _pg():
        Statement.objects.bulk_create(rows)
        StatementRelation.objects.bulk_create([
            StatementRelation(statement_id=row.seq, institution_id=row.institution_id, kind=kind, key=key)
            for row, rels in zip(rows, relations, strict=True) for kind, key in rels])
        return
    with _cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('xapi_statement', 'seq')) "
                    "FROM generate_series(1, %s)", [len(rows)])
        for row, (seq,) in zip(rows, cur.fetchall(), strict=True):
            row.seq = seq
        with cur.copy(f"COPY xapi_statement ({', '.join(STATEMENT_COLUMNS)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row((r.seq, r.institution_id, r.statement_id, r.stored, r.actor_key, r.object_agent_key,
                                r.authority_key, r.verb_key, r.verb_id, r.activity_key, r.registration, r.object_ref,
                                r.voiding, r.voided, r.payload))
        if any(relations):
            with cur.copy("COPY xapi_statementrelation (statement_id, institution_id, kind, key) FROM STDIN") as copy:
                for row, rels in zip(rows, relations, strict=True):
                    for kind, key in rels:
                        copy.write_row((row.seq, row.institution_id, int(kind), key))


def activity_definitions(institution_id: int, activity_keys: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
    if not _pg():
        return dict(Activity.objects.filter(institution_id=institution_id, key__in=activity_keys)
                    .values_list("key", "definition"))
    with _cursor() as cur:
        cur.execute("SELECT key, definition::text FROM xapi_activity WHERE institution_id = %s AND key = ANY(%s)",
                    [institution_id, activity_keys])
        return {key: json.loads(definition) for key, definition in cur.fetchall()}


def activities_upsert(institution_id: int, rows: list[tuple[uuid.UUID, str, dict]]) -> None:
    """Insert or replace the definitions of (key, activity id, definition) rows."""
    if not _pg():
        Activity.objects.bulk_create(
            [Activity(institution_id=institution_id, key=k, activity_id=i, definition=d) for k, i, d in rows],
            update_conflicts=True, unique_fields=["institution", "key"], update_fields=["definition"])
        return
    with _cursor() as cur:
        cur.execute(
            "INSERT INTO xapi_activity (institution_id, key, activity_id, definition) "
            "SELECT %s, k, i, d::jsonb FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS t(k, i, d) "
            "ON CONFLICT (institution_id, key) DO UPDATE SET definition = excluded.definition",
            [institution_id, [r[0] for r in rows], [r[1] for r in rows],
             [json.dumps(r[2], ensure_ascii=False) for r in rows]])
