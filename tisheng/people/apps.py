from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tisheng.people"

    def ready(self) -> None:
        from tisheng.core.storage_sweep import register_references

        register_references("roster/", _stored_rosters)


def _stored_rosters():
    """The roster file of every import rosters_purge has not expired (one file per content, named by its
    SHA-256): the daily sweep of stored files no row names keeps these (core/storage_sweep.py)."""
    from tisheng.core.storage_sweep import keyset
    from tisheng.people.models import RosterImport
    from tisheng.people.services.roster_import import stored_name

    for sha256, filename in keyset(RosterImport.objects.filter(file_expired_at__isnull=True), "sha256", "filename"):
        yield stored_name(sha256, filename)
