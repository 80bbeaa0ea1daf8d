"""A statement's teacher rows without database foreign-key checks (see StatementTeacher: the
rows are written by one INSERT … SELECT from the statements and teachers themselves; the
per-row key checks cost as much as the settlement). SQLite rebuilds the table to alter it and
drops its triggers with the old table: the confirmed-is-final triggers of 0002 are made again."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

TABLE = "funding_statementteacher"


def triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL alters the constraint in place; its triggers stay
    final = importlib.import_module("tisheng.funding.migrations.0002_confirmed_statements_are_immutable")
    for sql in final._statements("sqlite"):
        if f" ON {TABLE}" in sql:
            schema_editor.execute(sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))


class Migration(migrations.Migration):

    dependencies = [
        ('funding', '0002_confirmed_statements_are_immutable'),
        ('people', '0002_roster_import_file_expired_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='statementteacher',
            name='statement',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='teacher_rows', to='funding.statement'),
        ),
        migrations.AlterField(
            model_name='statementteacher',
            name='teacher',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                    to='people.teacher'),
        ),
        migrations.RunPython(triggers_again, migrations.RunPython.noop),
    ]
