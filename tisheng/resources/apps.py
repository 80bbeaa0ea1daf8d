from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    """The resource library (资源库), its quality ranking, model sites and achievement rounds."""

    name = "tisheng.resources"
