from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tisheng.core"

    def ready(self) -> None:
        from tisheng.core import checks, db_unavailable, dbpool  # noqa: F401 - registers the checks and the signal receiver

        dbpool.register_checks()
