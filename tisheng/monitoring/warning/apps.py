from django.apps import AppConfig


class MonitoringWarningConfig(AppConfig):
    """Early warning (预警) and interventions: who is at risk of missing the deadline, why, and
    the reminders and follow-ups sent about it, with their effect."""

    name = "tisheng.monitoring.warning"
    label = "monitoring_warning"
