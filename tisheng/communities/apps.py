from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "tisheng.communities"
    verbose_name = "Learning together"

    def ready(self) -> None:
        # A community as a model site (示范性网络研修社区): resources sits below and holds the registry.
        from tisheng.communities.workshop_sites import register

        register()
        from tisheng.core.storage_sweep import Column, register_references

        # The daily sweep of stored files no row names (core/storage_sweep.py) keeps these.
        register_references("assignments/", Column("communities.AssignmentSubmission", "file_name",
                                                   prefix="assignments/"))
        register_references("pairing/", Column("communities.PairActivity", "file_name", prefix="pairing/"))
