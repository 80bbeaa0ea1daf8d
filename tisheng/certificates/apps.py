from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "tisheng.certificates"

    def ready(self) -> None:
        from tisheng.certificates import checks  # noqa: F401 (registers the system check)
