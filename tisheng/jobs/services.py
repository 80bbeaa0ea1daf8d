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
second worker has taken since. Progress is written the same way (only `done`, `total` and the
heartbeat, by `filter(...).update(...)`, never a save of a stale copy of the row), and a worker
that finds its attempt taken from it stops the job at its next progress report.

SQLite beside the site: a job that reads its rows through an open cursor (`.iterator()`, as the
exports do) holds a read snapshot on its connection; a progress write on that same connection
would have to turn the snapshot into a write after other connections (a login) had committed,
which SQLite refuses at once with "database is locked" whatever the busy timeout. So outside a
transaction progress is handed to the heartbeat thread, which writes it on its own connection
in a short transaction of its own (the settings give SQLite WAL, a 20 s busy timeout and
BEGIN IMMEDIATE). A job step that still loses a lock is queued again without using up one of
its MAX_ATTEMPTS (up to MAX_LOCK_RETRIES times).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Collection
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
WORKER_STOPPED = "the worker was stopped while running this job"
# Errors that say the database is unreachable (restart, network) rather than that the job is wrong.
DATABASE_GONE = (OperationalError, InterfaceError)
# The longest a worker waits between two tries while the database is down.
MAX_BACKOFF_SECONDS = 30.0
# A job step that lost an SQLite lock is run again this many times before the job fails.
MAX_LOCK_RETRIES = 10
LOCK_LOST = "lost a database lock to another writer"

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


def job_claim(*, kinds: Collection[str] = ()) -> Job | None:
    """Take the oldest queued job (of one of `kinds`, when given) and mark it running, or None
    when there is none."""
    queued = Job.objects.filter(state=JobState.QUEUED)
    if kinds:
        queued = queued.filter(kind__in=list(kinds))
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            job = queued.select_for_update(skip_locked=True).order_by("id").first()
            if job is None:
                return None
            job.state = JobState.RUNNING
            job.started_at = job.heartbeat_at = timezone.now()
            job.attempts += 1
            job.save(update_fields=["state", "started_at", "heartbeat_at", "attempts"])
            return job
    while True:
        candidate = queued.order_by("id").values_list("pk", flat=True).first()
        if candidate is None:
            return None
        now = timezone.now()
        if Job.objects.filter(pk=candidate, state=JobState.QUEUED).update(
                state=JobState.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1):
            return Job.objects.get(pk=candidate)


class AttemptSuperseded(Exception):
    """The job was taken from this attempt (queued again or given up while this worker was
    presumed dead): its work is someone else's now, so it stops."""


def _superseded(job: Job) -> bool:
    """The job's row exists but is no longer this attempt's. (A row this connection cannot see,
    as in a test's transaction seen from another thread, is not taken for superseded.)"""
    return Job.objects.filter(pk=job.pk).exclude(state=JobState.RUNNING, attempts=job.attempts).exists()


def job_progress(job: Job, done: int, total: int) -> None:
    """Record progress of the attempt `job` is, on this connection and at once: only the progress
    columns and the heartbeat, and only while the job is still this attempt's. Raises
    AttemptSuperseded when it is not. (`job_run` hands progress to its heartbeat thread
    instead, which calls this on a connection of its own.)"""
    job.done, job.total = done, total
    if not _this_attempt(job).update(done=done, total=total, heartbeat_at=timezone.now()) and _superseded(job):
        raise AttemptSuperseded


class Heartbeat:
    """While a job runs, a thread marks it alive every `every` seconds and writes its progress
    as soon as the job reports it, on the thread's own database connection in short
    transactions (see the module docstring for why not on the job's connection), so a long
    chunk without progress is not taken for a dead worker. A failed beat (database down, a
    lock) is logged and tried again at the next one; the latest progress is kept for it. When
    the job turns out to be another attempt's, the next `progress` call raises
    AttemptSuperseded in the job's thread."""

    def __init__(self, job: Job, every: float) -> None:
        self.job, self.every = job, every
        self.stopped = threading.Event()
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.pending: tuple[int, int] | None = None
        self.superseded = False
        self.thread = threading.Thread(target=self.run, name=f"job-{job.pk}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        if self.every > 0:
            self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join()

    def progress(self, done: int, total: int) -> None:
        """The job's `progress(done, total)` callback."""
        if self.superseded:
            raise AttemptSuperseded
        if not self.thread.is_alive() or connection.in_atomic_block:
            # No thread, or the job reports from inside its own transaction (a test's): the
            # thread's connection could not see that transaction's rows.
            job_progress(self.job, done, total)
            return
        self.job.done, self.job.total = done, total
        with self.lock:
            self.pending = (done, total)
        self.wake.set()

    def beat(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, None
        fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
        if pending is not None:
            fields["done"], fields["total"] = pending
        try:
            if not _this_attempt(self.job).update(**fields) and _superseded(self.job):
                logger.warning("job %s: attempt %s was taken from this worker; it stops", self.job.pk,
                               self.job.attempts)
                self.superseded = True
        except Exception as exc:  # noqa: BLE001 - keep beating; the job thread decides its fate
            logger.warning("job %s: heartbeat failed (%s)", self.job.pk, exc)
            close_connection_quietly()
            with self.lock:
                if self.pending is None:
                    self.pending = pending

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                self.wake.wait(self.every)
                self.wake.clear()
                if self.stopped.is_set():
                    break
                self.beat()
        finally:
            close_connection_quietly()


def _this_attempt(job: Job):
    """The job's row, as long as it still belongs to the attempt this worker runs."""
    return Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts)


def lost_a_lock(exc: BaseException) -> bool:
    """SQLite's answer when another connection held the write lock past the busy timeout (or a
    read snapshot could not become a write): the database is there, the step may run again."""
    return isinstance(exc, OperationalError) and "locked" in str(exc)


def _lock_losses(job: Job) -> int:
    return sum(1 for e in job.errors if str(e.get("error", "")).startswith(LOCK_LOST))


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
        with Heartbeat(job, settings.JOB_HEARTBEAT_SECONDS) as heartbeat:
            result = kind.func(job, heartbeat.progress)
    except KeyboardInterrupt:
        # The worker is being stopped (SIGTERM from serve or systemd, Ctrl-C): the job goes back
        # to the queue at once instead of waiting JOB_STALE_SECONDS to be found lost.
        logger.warning("job %s (%s): the worker was stopped during attempt %s; the job is queued again", job.pk,
                       job.kind, job.attempts)
        close_connection_quietly()
        _record(job, {"state": JobState.QUEUED, "errors": [*job.errors, _attempt_error(job, WORKER_STOPPED)]})
        raise
    except AttemptSuperseded:
        logger.warning("job %s (%s): attempt %s stopped, the job was taken from this worker", job.pk, job.kind,
                       job.attempts)
        return job
    except DATABASE_GONE as exc:
        close_connection_quietly()
        if lost_a_lock(exc) and _lock_losses(job) < MAX_LOCK_RETRIES:
            # Another writer held the database longer than the busy timeout: run the step again
            # (after a pause), without counting it against the job's attempts.
            logger.warning("job %s (%s): attempt %s %s; it runs again", job.pk, job.kind, job.attempts, LOCK_LOST)
            errors = [*job.errors, _attempt_error(job, f"{LOCK_LOST}: {exc}")]
            retry_until_the_database_answers(lambda: _record(job, {"state": JobState.QUEUED, "errors": errors}),
                                             what=f"recording job {job.pk}", sleep=sleep)
            sleep(1.0)
            return job
        logger.warning("job %s (%s): the database went away during attempt %s: %s", job.pk, job.kind,
                       job.attempts, exc)
        errors = [*job.errors, _attempt_error(job, f"{type(exc).__name__}: {exc}")]
        if job.attempts - _lock_losses(job) >= MAX_ATTEMPTS:
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
            if job.attempts - _lock_losses(job) >= max_attempts:
                job.state, job.error, job.finished_at = JobState.FAILED, WORKER_LOST_FINAL, timezone.now()
                failed += 1
            else:
                job.state = JobState.QUEUED
                requeued += 1
            job.save(update_fields=["state", "error", "finished_at", "errors"])
    if failed or requeued:
        logger.warning("stale jobs: %s queued again, %s failed", requeued, failed)
    return requeued


def jobs_run_pending(*, limit: int | None = None, kinds: Collection[str] = ()) -> int:
    """Run queued jobs (of `kinds`, when given) one after another until none is left (or `limit`
    ran). This is the worker's run-once step; tests call it to run a job synchronously."""
    ran = 0
    while limit is None or ran < limit:
        job = job_claim(kinds=kinds)
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
