"""Getting many rows into the database fast, for the roster import.

Plain tuples instead of model instances, ids taken up front, COPY on PostgreSQL, one
executemany on SQLite, UPDATE … FROM (VALUES …) for updates. Building and compiling
hundreds of thousands of model instances was most of a 100,000-row import; other
databases fall back to Django's bulk_create / bulk_update.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import JSONField, Model
from psycopg.types.json import Jsonb

RAW_VENDORS = ("postgresql", "sqlite")


def allocate_ids(model: type[Model], n: int) -> list[int]:
    """n primary keys for rows about to be inserted, in one round trip: from the identity
    sequence on PostgreSQL; on SQLite past both the largest id and the AUTOINCREMENT
    counter, which is safe because the import's transaction holds the write lock
    (transaction_mode IMMEDIATE)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n])
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX({quote(pk)}) FROM {quote(table)}), 0), "
            "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + n))


def bulk_update(model: type[Model], objs: list[Model], fields: Sequence[str]) -> None:
    """Write `fields` of `objs`: one UPDATE … FROM (VALUES …) per 2,000 rows, a join on the
    primary key. Django's bulk_update builds a CASE per field whose evaluation grows with
    the batch, which made 100,000 updated rows take minutes."""
    if connection.vendor not in RAW_VENDORS:
        model._default_manager.bulk_update(objs, fields, batch_size=1000)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.pk] + [meta.get_field(f) for f in fields]

    def cast(field) -> str:  # VALUES columns arrive untyped on PostgreSQL
        return f"::{field.cast_db_type(connection)}" if connection.vendor == "postgresql" else ""

    names = ", ".join(f"c{i}" for i in range(len(columns)))
    assignments = ", ".join(f"{quote(f.column)} = v.c{i}{cast(f)}" for i, f in enumerate(columns) if i)
    table = quote(meta.db_table)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(objs), 2000):
        batch = objs[start:start + 2000]
        params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in batch for f in columns]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v({names}) AS (VALUES {', '.join([row] * len(batch))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{quote(meta.pk.column)} = v.c0{cast(meta.pk)}",
                params,
            )


def _copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[tuple]) -> None:
    """COPY rows into the model's table (PostgreSQL). Columns not named get their field
    default, as Django would write it; the primary key, unless named, its identity."""
    meta = model._meta
    named = set(fields)
    extra = [f for f in meta.concrete_fields if f.attname not in named and not f.primary_key]
    defaults = tuple(f.get_default() for f in extra)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(a).column) for a in fields) + "".join(", " + quote(f.column) for f in extra)
    json_at = [i for i, a in enumerate(fields) if isinstance(meta.get_field(a), JSONField)]
    # The raw cursor's COPY escapes Django's error wrapping: without it a duplicate key is
    # psycopg's UniqueViolation, not the IntegrityError callers catch.
    with connection.wrap_database_errors, connection.cursor() as cursor, \
            cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            if json_at:
                row = tuple(Jsonb(v) if i in json_at else v for i, v in enumerate(row))
            copy.write_row(row + defaults)


def insert_rows(model: type[Model], fields: Sequence[str], rows: list[tuple]) -> None:
    """Insert plain rows (values in the order of `fields`; other columns get their field
    default): COPY on PostgreSQL, one executemany on SQLite, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy_rows(model, fields, rows)
    elif connection.vendor == "sqlite":
        _executemany_rows(model, fields, rows)
    else:
        model._default_manager.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows],
                                           batch_size=2000)


def _executemany_rows(model: type[Model], fields: Sequence[str], rows: list[tuple]) -> None:
    meta = model._meta
    named = set(fields)
    extra = [f for f in meta.concrete_fields if f.attname not in named and not f.primary_key]
    columns = [meta.get_field(a) for a in fields] + extra
    defaults = tuple(f.get_default() for f in extra)
    prepare = [f.get_db_prep_save for f in columns]  # what Django itself sends for each value
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [
            tuple(p(v, connection) for p, v in zip(prepare, row + defaults, strict=True)) for row in rows
        ])
