from django.db import migrations

from tisheng.core.append_only import make_append_only


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [make_append_only("accounts_auditlog")]
