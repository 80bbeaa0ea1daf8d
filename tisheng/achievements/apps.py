from django.apps import AppConfig


class AchievementsConfig(AppConfig):
    """优秀应用成果评选: selection rounds at every level, scored blind by the panels app."""

    name = "tisheng.achievements"

    def ready(self) -> None:
        # receivers: panel_closed → the round's scores; verify: award certificates on the verify page
        from tisheng.achievements import receivers, verify  # noqa: F401
        from tisheng.achievements.conflicts import panel_item_stakes
        from tisheng.achievements.honours import register_honours
        from tisheng.achievements.services import ROUND_KEY
        from tisheng.panels.stakes import register_stakes

        register_honours()
        verify.register()  # award certificates on the public verify page
        # No expert scores a nomination they have a stake in (conflicts.py).
        register_stakes(ROUND_KEY.removesuffix("%s"), panel_item_stakes)
