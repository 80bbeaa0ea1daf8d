from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "tisheng.communities"
    verbose_name = "Learning together"
