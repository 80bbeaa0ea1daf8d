"""A job's progress reports write only its progress, and only while the job is still that
attempt's; a step that lost an SQLite lock runs again instead of failing the job (issue 13)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from tisheng.jobs.models import Job
from tisheng.jobs.registry import JOBS, job
from tisheng.jobs.services import (
    LOCK_LOST,
    MAX_ATTEMPTS,
    MAX_LOCK_RETRIES,
    AttemptSuperseded,
    job_claim,
    job_enqueue,
    job_progress,
    job_run,
    jobs_run_pending,
)


@pytest.fixture
def kinds():
    """tests.steps: ten steps, each reported; before step `given_up_at`, another process gives
    the job up (as the stale check does). tests.locked: loses a lock `losses` times, then runs."""
    steps_run, runs = [], []

    @job("tests.steps", capability="reports.view")
    def steps(job, progress):
        for i in range(10):
            if i == job.args.get("given_up_at"):
                Job.objects.filter(pk=job.pk).update(state="failed", error="given up by another process")
            steps_run.append(i)
            progress(i + 1, 10)
        return {"steps": 10}

    @job("tests.locked", capability="reports.view")
    def locked(job, progress):
        runs.append(job.attempts)
        if len(runs) <= job.args["losses"]:
            raise OperationalError("database is locked")
        progress(1, 1)
        return {"ran": len(runs)}

    yield steps_run, runs
    JOBS.pop("tests.steps")
    JOBS.pop("tests.locked")


def test_a_late_progress_report_does_not_touch_the_job_another_worker_took(world, kinds):
    # Given a job whose first worker was presumed dead and which a second worker took
    queued = job_enqueue(actor=None, kind="tests.steps", args={}, scope_path="")
    first = job_claim()
    Job.objects.filter(pk=queued.pk).update(state="queued")
    second = job_claim()

    # When the first worker reports progress after all
    with pytest.raises(AttemptSuperseded):
        job_progress(first, 7, 10)

    # Then the row is still the second attempt's, with its own progress
    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.done, queued.total) == ("running", second.attempts, 0, 0)


def test_a_job_given_up_by_another_process_stays_given_up_and_its_worker_stops(world, kinds):
    steps_run, _ = kinds
    given_up = job_enqueue(actor=None, kind="tests.steps", args={"given_up_at": 3}, scope_path="")

    jobs_run_pending()

    given_up.refresh_from_db()
    assert (given_up.state, given_up.error) == ("failed", "given up by another process")
    assert given_up.done == 3  # the progress of the steps before, nothing after
    assert steps_run == [0, 1, 2, 3]


def test_a_job_step_that_lost_a_lock_runs_again_without_using_up_its_attempts(world, kinds):
    _, runs = kinds
    started = job_enqueue(actor=None, kind="tests.locked", args={"losses": MAX_ATTEMPTS + 1}, scope_path="")

    while (claimed := job_claim()) is not None:
        job_run(claimed, sleep=lambda seconds: None)

    started.refresh_from_db()
    assert (started.state, started.result) == ("done", {"ran": MAX_ATTEMPTS + 2})
    assert [e["error"].startswith(LOCK_LOST) for e in started.errors] == [True] * (MAX_ATTEMPTS + 1)


def test_a_job_that_keeps_losing_its_lock_fails_in_the_end(world, kinds):
    started = job_enqueue(actor=None, kind="tests.locked", args={"losses": 1000}, scope_path="")

    while (claimed := job_claim()) is not None:
        job_run(claimed, sleep=lambda seconds: None)

    started.refresh_from_db()
    assert started.state == "failed"
    assert "database is locked" in started.error
    assert started.attempts == MAX_LOCK_RETRIES + MAX_ATTEMPTS
