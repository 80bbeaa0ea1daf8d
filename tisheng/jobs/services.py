"""The job queue: enqueue, claim, run. Workers take jobs from the database (no broker).

On PostgreSQL a worker claims the oldest queued job with SELECT … FOR UPDATE SKIP LOCKED, so
several workers never take the same job and never wait for each other. SQLite has no row
locks; there a claim is one conditional UPDATE (queued → running) that only one worker can
win, and the loser tries the next job.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.services import audit
from tisheng.jobs.models import Job, JobState
from tisheng.jobs.registry import JOBS

logger = logging.getLogger(__name__)

# A running job whose worker has given no sign of life for this long is taken to be lost.
STALE_AFTER = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 3
WORKER_LOST = "the worker running this job stopped answering (3 attempts)"

UNKNOWN_JOB_KIND = _("Unknown kind of job.")
# Shown when a job fails: the details go to the log, not to the page.
JOB_FAILED = _("The job stopped with an error. The administrators have the details in the log.")


def job_enqueue(*, actor, kind: str, args: dict[str, Any], scope_path: str) -> Job:
    """Queue a job; a worker (`tisheng run-jobs`, `tisheng run-periodic`) runs it."""
    if kind not in JOBS:
        raise ValidationError(UNKNOWN_JOB_KIND, code="unknown_job_kind")
    with transaction.atomic():
        job = Job.objects.create(kind=kind, args=args, scope_path=scope_path,
                                 created_by=actor if actor is not None and actor.pk else None)
        audit(actor=actor, action="job_enqueued", obj=job, kind=kind, args=args)
    return job


def job_claim() -> Job | None:
    """Take the oldest queued job and mark it running, or None when the queue is empty."""
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            job = (Job.objects.select_for_update(skip_locked=True)
                   .filter(state=JobState.QUEUED).order_by("id").first())
            if job is None:
                return None
            job.state = JobState.RUNNING
            job.started_at = job.heartbeat_at = timezone.now()
            job.attempts += 1
            job.save(update_fields=["state", "started_at", "heartbeat_at", "attempts"])
            return job
    while True:
        candidate = Job.objects.filter(state=JobState.QUEUED).order_by("id").values_list("pk", flat=True).first()
        if candidate is None:
            return None
        now = timezone.now()
        if Job.objects.filter(pk=candidate, state=JobState.QUEUED).update(
                state=JobState.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1):
            return Job.objects.get(pk=candidate)


def job_progress(job: Job, done: int, total: int) -> None:
    """Record progress; commits at once when called outside a transaction, which is how job
    functions call it (between their chunks), so the page sees it move."""
    job.done, job.total = done, total
    Job.objects.filter(pk=job.pk).update(done=done, total=total, heartbeat_at=timezone.now())


def job_run(job: Job) -> Job:
    """Run a claimed job to the end: done with its result, or failed with the error."""
    kind = JOBS.get(job.kind)
    try:
        if kind is None:
            raise LookupError(f"no job function registered for {job.kind!r}")
        result = kind.func(job, lambda done, total: job_progress(job, done, total))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.state = JobState.FAILED
        job.error = f"{type(exc).__name__}: {exc}"
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "error", "finished_at"])
        return job
    job.state = JobState.DONE
    job.result = result or {}
    if job.total and job.done < job.total:
        job.done = job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "result", "done", "total", "finished_at"])
    return job


def jobs_requeue_stale(*, silent_for: dt.timedelta = STALE_AFTER, max_attempts: int = MAX_ATTEMPTS) -> int:
    """Queue again the jobs whose worker died (running, no heartbeat for `silent_for`); after
    `max_attempts` they are marked failed instead. Job functions are written to be re-run
    (the certificate batch skips what it already issued)."""
    cutoff = timezone.now() - silent_for
    stale = Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=cutoff)
    failed = stale.filter(attempts__gte=max_attempts).update(
        state=JobState.FAILED, error=WORKER_LOST, finished_at=timezone.now())
    requeued = stale.filter(attempts__lt=max_attempts).update(state=JobState.QUEUED)
    if failed or requeued:
        logger.warning("stale jobs: %s queued again, %s failed", requeued, failed)
    return requeued


def jobs_run_pending(*, limit: int | None = None) -> int:
    """Run queued jobs one after another until the queue is empty (or `limit` ran). This is
    the worker's run-once step; tests call it to run a job synchronously."""
    ran = 0
    while limit is None or ran < limit:
        job = job_claim()
        if job is None:
            break
        job_run(job)
        ran += 1
    return ran
