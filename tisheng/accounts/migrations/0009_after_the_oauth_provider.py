"""No change to the schema: this migration only orders django-oauth-toolkit's migrations right
after the accounts it depends on. Planned later, each of its ~60 AlterFields re-rendered every
model of the project (its Application points at the user, which nearly every model points at):
23 of the 64 seconds a fresh `migrate` took. Pinned to a named migration, not `__latest__`, so
an upgrade of the toolkit that adds one never makes this history inconsistent."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_roles_of_the_second_half"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
    ]
    operations = []
