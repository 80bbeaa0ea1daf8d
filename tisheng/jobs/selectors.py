"""Reads of jobs, scoped: the one who started a job sees it, and so does anyone holding the
job kind's capability over the job's node."""

from __future__ import annotations

from django.db.models import Count, Min
from django.http import Http404
from django.utils import timezone

from tisheng.jobs.models import Job, JobState
from tisheng.jobs.registry import JOBS
from tisheng.orgs.scope import path_in_scope


def get_job_for_user(actor, pk: int) -> Job:
    """The job, or 404 (the same answer for "does not exist" and "not yours")."""
    job = Job.objects.filter(pk=pk).first()
    if job is None or not actor.is_authenticated:
        raise Http404
    if job.created_by_id == actor.pk:
        return job
    kind = JOBS.get(job.kind)
    if kind is not None and job.scope_path and path_in_scope(actor, kind.capability, job.scope_path):
        return job
    raise Http404


def queue_metrics() -> list[tuple[str, str, float]]:
    """The queue at /metrics (tisheng.core.observability_metrics): one query."""
    queued = Job.objects.filter(state=JobState.QUEUED).aggregate(n=Count("id"), oldest=Min("created_at"))
    age = (timezone.now() - queued["oldest"]).total_seconds() if queued["oldest"] else 0.0
    return [("tisheng_jobs_queued", "Background jobs waiting for a worker", queued["n"]),
            ("tisheng_jobs_oldest_queued_seconds", "Age of the oldest job waiting for a worker", age)]
