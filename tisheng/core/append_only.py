"""Database triggers that make a table append-only, on PostgreSQL and SQLite.

Used by the audit log here and by the hours ledger later: the guarantee must hold even for
code (or a person with a SQL prompt) that bypasses the ORM.
"""

from django.db.migrations.operations.special import RunPython

MESSAGE = "append-only table: UPDATE and DELETE are refused"


def _statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()""",
        ]
    if vendor == "sqlite":
        return [
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        ]
    raise RuntimeError(f"no append-only triggers for the {vendor} backend")


def _drop_statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
                f"DROP FUNCTION IF EXISTS {table}_append_only()"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def make_append_only(table: str) -> RunPython:
    """A migration operation installing the triggers for `table` on the current vendor."""

    def forward(apps, schema_editor):
        for sql in _statements(schema_editor.connection.vendor, table):
            schema_editor.execute(sql)

    def backward(apps, schema_editor):
        for sql in _drop_statements(schema_editor.connection.vendor, table):
            schema_editor.execute(sql)

    return RunPython(forward, backward)
