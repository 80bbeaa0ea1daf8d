"""Reads of jobs, scoped: the one who started a job sees it, and so does anyone holding the
job kind's capability over the job's node."""

from __future__ import annotations

from django.http import Http404

from tisheng.jobs.models import Job
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
