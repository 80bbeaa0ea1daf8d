from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "tisheng.jobs"

    def ready(self) -> None:
        # Each app registers its job functions in its own `tasks.py`; importing them here
        # means a worker (or a test) knows every kind without a list to keep up to date.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
