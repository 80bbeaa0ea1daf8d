"""Every certificate gets a random verification code (codes.py): the public verify page shows
a holder only with the number and this code. Certificates issued before get one each here; a
PDF downloaded before shows no code, its holder downloads it again."""

from django.db import connection as default_connection
from django.db import migrations, models

import tisheng.certificates.codes

BATCH = 5000


def fill_verify_codes(apps, schema_editor):
    """A batch of certificates per statement on PostgreSQL (UPDATE … FROM VALUES), one UPDATE
    by primary key per certificate through executemany on SQLite (no round trips there):
    bulk_update's CASE WHEN took 1.8 ms a row."""
    Certificate = apps.get_model("certificates", "Certificate")
    connection = schema_editor.connection if schema_editor is not None else default_connection
    table = connection.ops.quote_name(Certificate._meta.db_table)
    ids = list(Certificate.objects.using(connection.alias).filter(verify_code="").order_by("pk")
               .values_list("pk", flat=True))
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            rows = [(pk, tisheng.certificates.codes.new_code()) for pk in ids[start:start + BATCH]]
            if connection.vendor == "postgresql":
                values = ", ".join(["(%s::bigint, %s)"] * len(rows))
                cursor.execute(f"UPDATE {table} AS c SET verify_code = v.code FROM (VALUES {values}) AS v(id, code) "  # noqa: S608
                               "WHERE c.id = v.id", [x for row in rows for x in row])
            else:
                cursor.executemany(f"UPDATE {table} SET verify_code = %s WHERE id = %s",  # noqa: S608
                                   [(code, pk) for pk, code in rows])


class Migration(migrations.Migration):

    dependencies = [
        ("certificates", "0002_partnersignature"),
    ]

    operations = [
        # A callable default in AddField would give every existing row the same code.
        migrations.AddField(
            model_name="certificate",
            name="verify_code",
            field=models.CharField(default="", max_length=16, verbose_name="verification code"),
        ),
        migrations.RunPython(fill_verify_codes, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="certificate",
            name="verify_code",
            field=models.CharField(default=tisheng.certificates.codes.new_code, max_length=16,
                                   verbose_name="verification code"),
        ),
    ]
