from django.apps import AppConfig


class AchievementsConfig(AppConfig):
    """优秀应用成果评选: selection rounds at every level, scored blind by the panels app."""

    name = "tisheng.achievements"

    def ready(self) -> None:
        # receivers: panel_closed → the round's scores; verify: award certificates on the verify page
        from tisheng.achievements import receivers, verify  # noqa: F401
        from tisheng.achievements.honours import register_honours

        register_honours()
        verify.register()  # award certificates on the public verify page
