from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "tisheng.monitoring"

    def ready(self):
        from tisheng.core.storage_sweep import Column, register_references
        from tisheng.monitoring import jobs  # noqa: F401 - registers the job kinds
        from tisheng.monitoring.services import exports  # the export job kind, and its folder below

        # The daily sweep of stored files no row names (core/storage_sweep.py) keeps each bulletin's PDF and
        # each export job's file until exports_purge expires the job (which takes "file" out of its result).
        register_references("bulletins/", Column("monitoring.Bulletin", "pdf_file"))
        register_references(exports.EXPORT_DIR, Column("jobs.Job", "result__file", filters=(("kind", exports.EXPORT_JOB),)))
