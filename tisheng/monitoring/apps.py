from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "tisheng.monitoring"

    def ready(self):
        from tisheng.monitoring import jobs  # noqa: F401 - registers the job kinds
        from tisheng.monitoring.services import exports  # noqa: F401 - the export job kind
