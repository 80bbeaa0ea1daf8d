from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "tisheng.jobs"

    def ready(self) -> None:
        # Each app registers its job functions in its own `tasks.py`; importing them here
        # means a worker (or a test) knows every kind without a list to keep up to date.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")

        from tisheng.core.observability_metrics import register_scrape_hook
        from tisheng.jobs.selectors import queue_metrics

        register_scrape_hook(queue_metrics)  # the queue's depth and oldest age at /metrics
