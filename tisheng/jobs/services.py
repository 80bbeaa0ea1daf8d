"""The job queue: enqueue, claim, run. Workers take jobs from the database (no broker).

On PostgreSQL a worker claims the oldest queued job with SELECT … FOR UPDATE SKIP LOCKED, so
several workers never take the same job and never wait for each other. SQLite has no row
locks; there a claim is one conditional UPDATE (queued → running) that only one worker can
win, and the loser tries the next job.

A worker that dies (killed, machine lost) leaves its job running: while a job runs, a thread of
the worker updates the job's heartbeat every JOB_HEARTBEAT_SECONDS, and a running job whose
heartbeat is older than JOB_STALE_SECONDS is queued again by `run-periodic` and by every
worker's loop (one UPDATE on the (state, id) index), up to MAX_ATTEMPTS. A job that fails
because the database went away (OperationalError, InterfaceError) is queued again as well; its
worker waits for the database to come back to record that. Every attempt that ended without a
result leaves its reason in `Job.errors`, so a job that ran three times says so.

The outcome of an attempt is written only while the job is still that attempt's (state running,
same `attempts`): a worker that was presumed dead and comes back cannot overwrite the job a
second worker has taken since.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.services import audit
from tisheng.jobs.models import Job, JobState
from tisheng.jobs.registry import JOBS

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
WORKER_LOST = "the worker running this job stopped answering"
WORKER_LOST_FINAL = f"{WORKER_LOST} ({MAX_ATTEMPTS} attempts)"
# Errors that say the database is unreachable (restart, network) rather than that the job is wrong.
DATABASE_GONE = (OperationalError, InterfaceError)
# The longest a worker waits between two tries while the database is down.
MAX_BACKOFF_SECONDS = 30.0

UNKNOWN_JOB_KIND = _("Unknown kind of job.")
# Shown when a job fails: the details go to the log, not to the page.
JOB_FAILED = _("The job stopped with an error. The administrators have the details in the log.")


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.JOB_STALE_SECONDS)


def close_connection_quietly() -> None:
    """Drop this thread's database connection after an error, so the next query opens a new one.
    Not inside a transaction (a test's): Django would refuse to reconnect in it."""
    if connection.in_atomic_block:
        return
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone either way
        logger.debug("closing a broken database connection failed", exc_info=True)


def retry_until_the_database_answers(write: Callable[[], Any], *, what: str,
                                     sleep: Callable[[float], None] = time.sleep) -> Any:
    """Run `write` until it gets through: while the database is down, wait (1, 2, 4 … 30 s) and
    try again. What a worker must record (a job's outcome) is recorded once the database is back."""
    backoff = 1.0
    while True:
        try:
            return write()
        except DATABASE_GONE as exc:
            logger.warning("database unavailable while %s (%s); trying again in %.0f s", what, exc, backoff)
            close_connection_quietly()
            sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


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


class Heartbeat:
    """While a job runs, a thread marks it alive every `every` seconds (its own database
    connection), so a long chunk without progress is not taken for a dead worker. A failed
    beat (database down) is logged and tried again at the next one."""

    def __init__(self, job: Job, every: float) -> None:
        self.job, self.every = job, every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name=f"job-{job.pk}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        if self.every > 0:
            self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    Job.objects.filter(pk=self.job.pk, state=JobState.RUNNING, attempts=self.job.attempts).update(
                        heartbeat_at=timezone.now())
                except Exception as exc:  # noqa: BLE001 - keep beating; the job thread decides its fate
                    logger.warning("job %s: heartbeat failed (%s)", self.job.pk, exc)
                    close_connection_quietly()
        finally:
            close_connection_quietly()


def _this_attempt(job: Job):
    """The job's row, as long as it still belongs to the attempt this worker runs."""
    return Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts)


def _attempt_error(job: Job, error: str) -> dict[str, Any]:
    return {"attempt": job.attempts, "at": timezone.now().isoformat(), "error": error}


def _record(job: Job, fields: dict[str, Any]) -> bool:
    """Write the attempt's outcome if the job is still this attempt's; False when another worker
    has taken it since (this worker was presumed dead)."""
    written = _this_attempt(job).update(**fields)
    if written:
        for name, value in fields.items():
            setattr(job, name, value)
    else:
        logger.warning("job %s: attempt %s finished after the job was taken again; its outcome is dropped",
                       job.pk, job.attempts)
    return bool(written)


def job_run(job: Job, *, sleep: Callable[[float], None] = time.sleep) -> Job:
    """Run a claimed job to the end: done with its result, failed with the error, or queued
    again when the database went away under it (up to MAX_ATTEMPTS)."""
    kind = JOBS.get(job.kind)
    try:
        if kind is None:
            raise LookupError(f"no job function registered for {job.kind!r}")
        with Heartbeat(job, settings.JOB_HEARTBEAT_SECONDS):
            result = kind.func(job, lambda done, total: job_progress(job, done, total))
    except DATABASE_GONE as exc:
        logger.warning("job %s (%s): the database went away during attempt %s: %s", job.pk, job.kind,
                       job.attempts, exc)
        close_connection_quietly()
        errors = [*job.errors, _attempt_error(job, f"{type(exc).__name__}: {exc}")]
        if job.attempts >= MAX_ATTEMPTS:
            fields = {"state": JobState.FAILED, "errors": errors, "error": errors[-1]["error"],
                      "finished_at": timezone.now()}
        else:
            fields = {"state": JobState.QUEUED, "errors": errors}
        retry_until_the_database_answers(lambda: _record(job, fields), what=f"recording job {job.pk}", sleep=sleep)
        return job
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        error = f"{type(exc).__name__}: {exc}"
        retry_until_the_database_answers(
            lambda: _record(job, {"state": JobState.FAILED, "error": error, "finished_at": timezone.now(),
                                  "errors": [*job.errors, _attempt_error(job, error)]}),
            what=f"recording job {job.pk}", sleep=sleep)
        return job
    done = job.total if job.total and job.done < job.total else job.done
    retry_until_the_database_answers(
        lambda: _record(job, {"state": JobState.DONE, "result": result or {}, "done": done, "total": job.total,
                              "finished_at": timezone.now()}),
        what=f"recording job {job.pk}", sleep=sleep)
    return job


def jobs_requeue_stale(*, silent_for: dt.timedelta | None = None, max_attempts: int = MAX_ATTEMPTS) -> int:
    """Queue again the jobs whose worker died (running, no heartbeat for `silent_for`,
    JOB_STALE_SECONDS by default); after `max_attempts` they are marked failed instead. Each
    keeps the lost attempt in its errors. Job functions are written to be re-run (the
    certificate batch skips what it already issued). Cost: one indexed SELECT when nothing is
    stale; a row lock and an UPDATE per stale job otherwise."""
    cutoff = timezone.now() - (silent_for if silent_for is not None else stale_after())
    requeued = failed = 0
    stale = Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=cutoff)
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            job = stale.select_for_update().filter(pk=pk).first()
            if job is None:  # its worker came back, or another requeuer was first
                continue
            job.errors = [*job.errors, _attempt_error(job, WORKER_LOST)]
            if job.attempts >= max_attempts:
                job.state, job.error, job.finished_at = JobState.FAILED, WORKER_LOST_FINAL, timezone.now()
                failed += 1
            else:
                job.state = JobState.QUEUED
                requeued += 1
            job.save(update_fields=["state", "error", "finished_at", "errors"])
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


def worker_loop(*, poll_seconds: float = 1.0, sleep: Callable[[float], None] = time.sleep,
                should_stop: Callable[[], bool] = lambda: False) -> None:
    """`tisheng run-jobs`: run jobs until stopped. Survives the database going away: the error
    is logged, the connection dropped, and the loop tries again after 1, 2, 4 … 30 s. Between
    jobs it also queues again the jobs of dead workers (every JOB_HEARTBEAT_SECONDS)."""
    backoff = 1.0
    next_stale_check = 0.0
    while not should_stop():
        try:
            if time.monotonic() >= next_stale_check:
                jobs_requeue_stale()
                next_stale_check = time.monotonic() + max(settings.JOB_HEARTBEAT_SECONDS, 1)
            ran = jobs_run_pending(limit=1)
            if backoff > 1:
                logger.warning("database reachable again; the worker goes on")
            backoff = 1.0
        except DATABASE_GONE as exc:
            logger.warning("database unavailable (%s); the worker tries again in %.0f s", exc, backoff)
            close_connection_quietly()
            sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            continue
        if not ran:
            sleep(poll_seconds)
