from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """Supervision (督导): an office's inspection rounds of the units below it, the inspectors'
    findings per indicator, rectification items (整改) and the units' answers."""

    name = "tisheng.supervision"
    label = "supervision"
