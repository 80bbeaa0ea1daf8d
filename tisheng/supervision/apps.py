from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """Supervision (督导): an office's inspection rounds of the units below it, the inspectors'
    findings per indicator, rectification items (整改) and the units' answers."""

    name = "tisheng.supervision"
    label = "supervision"

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from tisheng.home.todos import register as todo_register
        from tisheng.jobs.periodic import register as periodic_register
        from tisheng.monitoring.sections import register_dashboard_section
        from tisheng.supervision.dashboard import overdue_section
        from tisheng.supervision.services import rectifications_overdue_notify
        from tisheng.supervision.todos import supervision_todos

        todo_register("supervision", pgettext_lazy("home todo", "Supervision"), supervision_todos)
        # Once a day per item in effect: an item is told once for each deadline it misses.
        periodic_register("supervision_overdue_notified", rectifications_overdue_notify)
        # The same overdue items on the monitoring dashboards, per node.
        register_dashboard_section("supervision_overdue", overdue_section)
        from tisheng.core.storage_sweep import Column, register_references

        # The daily sweep of stored files no row names (core/storage_sweep.py) keeps the inspections' evidence.
        register_references("supervision/", Column("supervision.EvidenceFile", "file_name", prefix="supervision/"))
        from tisheng.certificates.school_indicators import register_indicator
        from tisheng.supervision.indicators import inspection_indicators

        # 办学评估 / 校长考评: each school's latest graded inspection joins its indicators (MOE 三.5).
        register_indicator("supervision_inspection", inspection_indicators)
