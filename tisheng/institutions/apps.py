from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    """Training institutions from selection to exit: selection rounds (遴选), evaluation (考评),
    suspension and termination (退出)."""

    name = "tisheng.institutions"
    label = "institutions"
