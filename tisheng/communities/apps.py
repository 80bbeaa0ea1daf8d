from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "tisheng.communities"
    verbose_name = "Learning together"

    def ready(self) -> None:
        # A community as a model site (示范性网络研修社区): resources sits below and holds the registry.
        from tisheng.communities.workshop_sites import register

        register()
