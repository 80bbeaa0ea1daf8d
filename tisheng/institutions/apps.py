from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    """Training institutions from selection to exit: selection rounds (遴选), evaluation (考评),
    suspension and termination (退出)."""

    name = "tisheng.institutions"
    label = "institutions"

    def ready(self) -> None:
        from tisheng.institutions.services.selection import narrow_to_selection
        from tisheng.learning.services import CONTRACT_INSTITUTION_FILTERS

        if narrow_to_selection not in CONTRACT_INSTITUTION_FILTERS:
            CONTRACT_INSTITUTION_FILTERS.append(narrow_to_selection)
