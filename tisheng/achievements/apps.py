from django.apps import AppConfig


class AchievementsConfig(AppConfig):
    """优秀应用成果评选: selection rounds at every level, scored blind by the panels app."""

    name = "tisheng.achievements"

    def ready(self) -> None:
        from tisheng.achievements import receivers  # noqa: F401  (panel_closed → the round's scores)
        from tisheng.achievements.honours import register_honours

        register_honours()
