from django.apps import AppConfig


class PracticeChecksConfig(AppConfig):
    """County spot checks (抽检), the similarity check and the practice overviews: the checks
    that run over the practice app's results, with their own tables."""

    name = "tisheng.practice.checks"
    label = "practice_checks"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from tisheng.practice.checks.signals import submission_saved
        from tisheng.practice.models import Submission

        post_save.connect(submission_saved, sender=Submission, dispatch_uid="practice_checks_submission_saved")
