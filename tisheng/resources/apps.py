from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    """The resource library (资源库), its quality ranking and model sites."""

    name = "tisheng.resources"

    def ready(self) -> None:
        from tisheng.monitoring.sections import register_bulletin_section, register_dashboard_section
        from tisheng.resources.sections import bulletin_section, dashboard_section

        register_bulletin_section("model_sites", bulletin_section)
        register_dashboard_section("model_sites", dashboard_section)
        from tisheng.core.storage_sweep import Column, register_references

        # The daily sweep of stored files no row names (core/storage_sweep.py) keeps the resources' files.
        register_references("resources/", Column("resources.ResourceFile", "file_name", prefix="resources/"))
