"""Every certificate gets a random verification code (codes.py): the public verify page shows
a holder only with the number and this code. Certificates issued before get one each here; a
PDF downloaded before shows no code, its holder downloads it again."""

from django.db import migrations, models

import tisheng.certificates.codes

BATCH = 2000


def fill_verify_codes(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    last = 0
    while True:
        batch = list(Certificate.objects.filter(verify_code="", pk__gt=last).order_by("pk").only("pk")[:BATCH])
        if not batch:
            return
        for certificate in batch:
            certificate.verify_code = tisheng.certificates.codes.new_code()
        Certificate.objects.bulk_update(batch, ["verify_code"])
        last = batch[-1].pk


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
