"""The job worker outlives database outages and dead workers' jobs run again soon (issue 12).

In-process tests drive the services with a simulated OperationalError; the process tests run
real `run-jobs` workers (tisheng/jobs/tests/worker_harness.py) on a database of their own,
kill one with SIGKILL mid-job, or restart PostgreSQL under one."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from tisheng.core.tests.restartable_pg import NEEDS_PG_SH, cluster
from tisheng.jobs import services
from tisheng.jobs.models import Job
from tisheng.jobs.registry import JOBS, job
from tisheng.jobs.services import (
    WORKER_LOST,
    job_claim,
    job_enqueue,
    job_run,
    jobs_requeue_stale,
    jobs_run_pending,
    worker_loop,
)

HARNESS = str(Path(__file__).with_name("worker_harness.py"))
# The workers of the process tests beat every BEAT seconds and take a job silent for STALE
# seconds for lost; the killed worker's job has STEPS steps of STEP seconds, each longer than
# STALE, so only the heartbeat keeps a second worker off it.
BEAT, STALE = 1, 3
STEPS, STEP = 4, STALE + 0.5


@pytest.fixture
def flaky_job():
    """A job kind whose first run loses the database (as a restart does) and whose second runs."""
    runs = []

    @job("tests.flaky", capability="reports.view")
    def flaky(job, progress):
        runs.append(job.attempts)
        if len(runs) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        progress(2, 2)
        return {"counted": 2}

    yield runs
    JOBS.pop("tests.flaky")


def test_a_running_job_silent_for_two_minutes_is_queued_again_with_the_lost_attempt_kept(world, flaky_job):
    lost = job_enqueue(actor=None, kind="tests.flaky", args={}, scope_path="")
    job_claim()
    Job.objects.filter(pk=lost.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=125))

    assert jobs_requeue_stale() == 1

    lost.refresh_from_db()
    assert lost.state == "queued"
    assert [e["error"] for e in lost.errors] == [WORKER_LOST]


def test_a_running_job_that_beat_recently_is_left_to_its_worker(world, flaky_job):
    alive = job_enqueue(actor=None, kind="tests.flaky", args={}, scope_path="")
    job_claim()
    Job.objects.filter(pk=alive.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=60))

    assert jobs_requeue_stale() == 0
    alive.refresh_from_db()
    assert alive.state == "running"


def test_a_job_the_database_failed_under_runs_again_and_reports_both_attempts(world, flaky_job, client):
    started = job_enqueue(actor=world.county_officer, kind="tests.flaky", args={}, scope_path=world.county_a.path)

    jobs_run_pending()

    started.refresh_from_db()
    assert flaky_job == [1, 2]
    assert (started.state, started.attempts, started.result) == ("done", 2, {"counted": 2})
    assert [e["attempt"] for e in started.errors] == [1]
    assert "server closed the connection" in started.errors[0]["error"]
    client.force_login(world.county_officer)
    assert client.get(reverse("jobs:status", args=[started.pk])).json()["attempts"] == 2


def test_the_outcome_of_a_job_is_recorded_once_the_database_answers_again(world, flaky_job, monkeypatch):
    started = job_enqueue(actor=None, kind="tests.flaky", args={}, scope_path="")
    claimed = job_claim()
    real, refusals, waits = services._this_attempt, [2], []

    def database_down_twice(job):
        if refusals[0]:
            refusals[0] -= 1
            raise OperationalError("the database system is starting up")
        return real(job)

    monkeypatch.setattr(services, "_this_attempt", database_down_twice)

    job_run(claimed, sleep=waits.append)

    started.refresh_from_db()
    assert waits == [1.0, 2.0]
    assert started.state == "queued"
    assert len(started.errors) == 1


def test_a_worker_presumed_dead_cannot_overwrite_the_job_another_worker_took(world, flaky_job):
    started = job_enqueue(actor=None, kind="tests.flaky", args={}, scope_path="")
    first = job_claim()
    Job.objects.filter(pk=started.pk).update(state="queued")  # requeued as if first had died
    second = job_claim()

    services._record(first, {"state": "failed", "error": "late"})

    started.refresh_from_db()
    assert (second.attempts, started.state, started.error) == (2, "running", "")


def test_the_worker_loop_survives_a_database_error_and_goes_on(world, flaky_job, monkeypatch):
    job_enqueue(actor=None, kind="tests.flaky", args={}, scope_path="")
    real, calls, waits = services.jobs_run_pending, [], []

    def database_down_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("could not connect to server")
        return real(**kwargs)

    monkeypatch.setattr(services, "jobs_run_pending", database_down_once)

    worker_loop(poll_seconds=0, sleep=waits.append, should_stop=lambda: not Job.objects.exclude(state="done").exists())

    assert waits[0] == 1.0
    assert set(Job.objects.values_list("state", flat=True)) == {"done"}


# --- real worker processes ---------------------------------------------------------------------------


def _database_of_its_own(tmp_path: Path) -> tuple[dict[str, str], object]:
    """The environment of a worker on a fresh database (a copy of the run's migrated template:
    SQLite under tmp_path, or a new database on the PostgreSQL DATABASE_URL names) and a
    function that drops it."""
    from tests.browser.conftest import fresh_database

    env = dict(os.environ, TISHENG_VAR_DIR=str(tmp_path), TISHENG_JOB_HEARTBEAT_SECONDS=str(BEAT),
               TISHENG_JOB_STALE_SECONDS=str(STALE), TISHENG_LOG_LEVEL="WARNING")
    url, drop = fresh_database(tmp_path)
    env.pop("DATABASE_URL", None)
    if url:
        env["DATABASE_URL"] = url
    return env, drop


def _harness(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, HARNESS, *args], env=env, capture_output=True, text=True, check=True,
                          timeout=300).stdout.strip()


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, HARNESS, "work"], env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


def _wait_until(check, timeout: float, what: str) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout} s")


def _show(env: dict[str, str], pk: str) -> dict:
    """The job's row, read straight from the worker's database (quicker than a process)."""
    sql = f"SELECT state, attempts, done, total, result, errors FROM jobs_job WHERE id = {int(pk)}"
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            row = conn.execute(sql).fetchone()
    else:
        import sqlite3

        with contextlib.closing(sqlite3.connect(Path(env["TISHENG_VAR_DIR"]) / "tisheng.sqlite3")) as conn:
            row = conn.execute(sql).fetchone()
    state, attempts, done, total, result, errors = row
    result, errors = (json.loads(v) if isinstance(v, str) else v for v in (result, errors))
    return {"state": state, "attempts": attempts, "done": done, "total": total, "result": result, "errors": errors}


def test_a_job_whose_worker_is_killed_runs_again_on_another_worker_before_long(tmp_path):
    # Given two workers (stale after STALE s, a beat every BEAT s) and a job of steps longer than
    # the stale limit: only the heartbeat keeps the second worker off it
    env, drop = _database_of_its_own(tmp_path)
    workers = []
    try:
        _harness(env, "setup")
        pk = _harness(env, "enqueue", str(STEPS), str(STEP))
        workers.append(_worker(env, tmp_path / "a.log"))
        first = _wait_until(lambda: (s := _show(env, pk))["state"] == "running" and s, 120, "the job started")
        workers.append(_worker(env, tmp_path / "b.log"))
        time.sleep(2 * STALE)  # twice the stale limit, with both workers running
        assert _show(env, pk)["attempts"] == first["attempts"] == 1

        # When the worker running it is killed
        holder = workers[0]
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        killed_at = time.monotonic()

        # Then the other worker takes it again soon after the stale limit and finishes it
        again = _wait_until(lambda: (s := _show(env, pk))["attempts"] == 2 and s, 60, "the job was taken again")
        retried_after = time.monotonic() - killed_at
        done = _wait_until(lambda: (s := _show(env, pk))["state"] == "done" and s, 120, "the job finished")
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
        drop()
    assert again["attempts"] == 2
    assert retried_after < STALE + 2 + 10  # stale limit + the loop's check interval + slack for a loaded machine
    assert done["result"] == {"steps": STEPS}
    assert [e["error"] for e in done["errors"]] == [WORKER_LOST]


@pytest.mark.skipif(not os.getenv("TISHENG_PG_DIR"), reason=NEEDS_PG_SH)
def test_a_worker_outlives_a_postgresql_restart_and_finishes_its_job(tmp_path):
    with cluster() as pg:
        env = dict(os.environ, DATABASE_URL=pg.url, TISHENG_VAR_DIR=str(tmp_path), TISHENG_JOB_HEARTBEAT_SECONDS="1",
                   TISHENG_LOG_LEVEL="WARNING")
        _harness(env, "setup")
        pk = _harness(env, "enqueue", "8", "0.5")
        worker = _worker(env, tmp_path / "worker.log")
        try:
            _wait_until(lambda: (s := _show(env, pk))["state"] == "running" and s["done"] >= 1 and s, 120,
                        "the job started")

            pg.restart()

            done = _wait_until(lambda: (s := _show(env, pk))["state"] == "done" and s, 120, "the job finished")
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        finally:
            worker.kill()
            worker.wait()
    assert done["result"] == {"steps": 8}
    assert done["attempts"] == 2
    assert len(done["errors"]) == 1
    assert "the database went away" in (tmp_path / "worker.log").read_text()
