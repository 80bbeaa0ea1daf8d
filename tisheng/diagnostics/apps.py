from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "tisheng.diagnostics"
