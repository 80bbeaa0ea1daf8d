from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "tisheng.programs"
