from django.apps import AppConfig


class MonitoringNationalConfig(AppConfig):
    """The national level: a province's report to the ministry (aggregates only, from the
    roll-ups, with a published JSON Schema) and, on a national instance, the ministry's view
    over the reports provinces send."""

    name = "tisheng.monitoring.national"
    label = "monitoring_national"
