from django.apps import AppConfig


class PracticeChecksConfig(AppConfig):
    """County spot checks (抽检), the similarity check and the practice overviews: the checks
    that run over the practice app's results, with their own tables."""

    name = "tisheng.practice.checks"
    label = "practice_checks"
