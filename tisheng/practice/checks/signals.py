"""A new evidence text queues the similarity job once its transaction commits."""

from django.db import transaction


def submission_saved(sender, instance, created: bool, **kwargs) -> None:
    if not created or not instance.text or kwargs.get("raw"):
        return
    transaction.on_commit(lambda: _enqueue(instance))


def _enqueue(submission) -> None:
    from tisheng.jobs.models import Job, JobState
    from tisheng.jobs.services import job_enqueue
    from tisheng.practice.checks.tasks import SIMILARITY_INDEX

    # One queued job indexes everything pending; a second one waiting would find nothing.
    if Job.objects.filter(kind=SIMILARITY_INDEX, state=JobState.QUEUED).exists():
        return
    job_enqueue(actor=None, kind=SIMILARITY_INDEX, args={"submission": submission.pk},
                scope_path=submission.teacher.org_path)
