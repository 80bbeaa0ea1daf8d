"""A confirmed statement is final: the database refuses UPDATE and DELETE of it and of its
lines, whatever code (or a person at a SQL prompt) tries; drafts stay editable. Like the
ledger's append-only triggers (tisheng/core/append_only.py), but conditional on the state."""

from django.db import migrations

MESSAGE = "confirmed settlement statement: UPDATE and DELETE are refused"
CHILDREN = ("funding_statementline", "funding_statementteacher")


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        sql = [f"""CREATE OR REPLACE FUNCTION funding_statement_final() RETURNS trigger AS $$
            BEGIN
              IF TG_TABLE_NAME = 'funding_statement' THEN
                IF OLD.state = 'confirmed' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
              ELSIF EXISTS (SELECT 1 FROM funding_statement s WHERE s.id = OLD.statement_id
                            AND s.state = 'confirmed') THEN
                RAISE EXCEPTION '{MESSAGE}';
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""",
               """CREATE TRIGGER funding_statement_final BEFORE UPDATE OR DELETE ON funding_statement
               FOR EACH ROW EXECUTE FUNCTION funding_statement_final()"""]
        sql += [f"""CREATE TRIGGER {t}_final BEFORE UPDATE OR DELETE ON {t}
                FOR EACH ROW EXECUTE FUNCTION funding_statement_final()""" for t in CHILDREN]
        sql += [f"""CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
                FOR EACH STATEMENT EXECUTE FUNCTION ledger_ledgerentry_append_only()"""
                for t in ("funding_statement", *CHILDREN)]
        return sql
    if vendor == "sqlite":
        sql = []
        for op in ("UPDATE", "DELETE"):
            sql.append(f"""CREATE TRIGGER funding_statement_final_{op.lower()} BEFORE {op} ON funding_statement
                WHEN OLD.state = 'confirmed' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
            sql += [f"""CREATE TRIGGER {t}_final_{op.lower()} BEFORE {op} ON {t}
                WHEN (SELECT state FROM funding_statement WHERE id = OLD.statement_id) = 'confirmed'
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""" for t in CHILDREN]
        return sql
    raise RuntimeError(f"no statement triggers for the {vendor} backend")


def _drop(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [*(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}" for t in ("funding_statement", *CHILDREN)),
                *(f"DROP TRIGGER IF EXISTS {t}_final ON {t}" for t in CHILDREN),
                "DROP TRIGGER IF EXISTS funding_statement_final ON funding_statement",
                "DROP FUNCTION IF EXISTS funding_statement_final()"]
    return [f"DROP TRIGGER IF EXISTS {t}_final_{op}" for op in ("update", "delete")
            for t in ("funding_statement", *CHILDREN)]


def forward(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    for sql in _drop(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_funding_rates_budgets_statements"), ("ledger", "0003_ledger_append_only")]

    operations = [migrations.RunPython(forward, backward)]
