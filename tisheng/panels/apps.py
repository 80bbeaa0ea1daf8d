from django.apps import AppConfig


class PanelsConfig(AppConfig):
    """Expert panels (专家评审组): reusable blind scoring on a rubric for any round."""

    name = "tisheng.panels"
    label = "panels"
