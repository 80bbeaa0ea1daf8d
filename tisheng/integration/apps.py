from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "tisheng.integration"
