"""The notifications people read moved from early warning to their own app
(tisheng.notifications), which every app can now use to tell someone what happened.

Rows are copied in one INSERT … SELECT with their ids (so the order of a person's inbox is
unchanged and the new table's id sequence is moved past them), each given the kind its title
says and the in-app channel that carried it; then the old table is dropped. Reversible: going
back recreates the old table and moves the rows back."""

from django.core.management.color import no_style
from django.db import migrations

KINDS = {"学习进度提醒": "reminder", "请跟进本校预警教师": "follow_up"}
COLUMNS = ("id", "recipient_id", "title", "body", "url", "created_at", "read_at")


def _copy(schema_editor, source, target, extra: dict[str, str]) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    columns = [*COLUMNS, *extra]
    selected = [quote(c) for c in COLUMNS] + list(extra.values())
    schema_editor.execute(
        f"INSERT INTO {quote(target._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT {', '.join(selected)} FROM {quote(source._meta.db_table)}")
    for sql in connection.ops.sequence_reset_sql(no_style(), [target]):
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    old = apps.get_model("monitoring_warning", "Notification")
    new = apps.get_model("notifications", "Notification")
    in_app = "CAST('[\"in_app\"]' AS jsonb)" if schema_editor.connection.vendor == "postgresql" else "'[\"in_app\"]'"
    kind = "CASE title " + " ".join(f"WHEN '{title}' THEN '{k}'" for title, k in KINDS.items()) + " ELSE 'other' END"
    _copy(schema_editor, old, new, {"kind": kind, "channels": in_app})


def backwards(apps, schema_editor):
    new = apps.get_model("notifications", "Notification")
    _copy(schema_editor, new, apps.get_model("monitoring_warning", "Notification"), {})
    schema_editor.execute(f"DELETE FROM {schema_editor.connection.ops.quote_name(new._meta.db_table)}")


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring_warning", "0002_riskscore_risk_by_score"),
        ("notifications", "0001_notifications_and_sms_settings"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="Notification"),
    ]
