from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "tisheng.practice"

    def ready(self) -> None:
        from tisheng.core.storage_sweep import Column, register_references

        # The daily sweep of stored files no row names (core/storage_sweep.py) keeps each submission's evidence.
        register_references("evidence/", Column("practice.Submission", "file_name", prefix="evidence/"))
