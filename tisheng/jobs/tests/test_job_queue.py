import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from tisheng.jobs.models import Job
from tisheng.jobs.registry import JOBS, job
from tisheng.jobs.services import UNKNOWN_JOB_KIND, job_claim, job_enqueue, jobs_run_pending


@pytest.fixture
def counting_job():
    """A job kind that counts to args["n"], reporting progress as it goes."""

    @job("tests.count", capability="reports.view")
    def count(job, progress):
        for i in range(job.args["n"]):
            progress(i + 1, job.args["n"])
        return {"counted": job.args["n"]}

    @job("tests.fail", capability="reports.view")
    def fail(job, progress):
        raise RuntimeError("boom")

    yield
    JOBS.pop("tests.count")
    JOBS.pop("tests.fail")


def test_a_queued_job_runs_to_done_with_its_progress_and_result(world, counting_job):
    queued = job_enqueue(actor=world.county_officer, kind="tests.count", args={"n": 3},
                         scope_path=world.county_a.path)
    assert queued.state == "queued"

    assert jobs_run_pending() == 1

    queued.refresh_from_db()
    assert queued.state == "done"
    assert (queued.done, queued.total, queued.percent) == (3, 3, 100)
    assert queued.result == {"counted": 3}
    assert queued.started_at is not None
    assert queued.finished_at is not None


def test_jobs_run_oldest_first_and_each_once(world, counting_job):
    first = job_enqueue(actor=None, kind="tests.count", args={"n": 1}, scope_path="")
    second = job_enqueue(actor=None, kind="tests.count", args={"n": 2}, scope_path="")

    assert job_claim().pk == first.pk
    assert job_claim().pk == second.pk
    assert job_claim() is None


def test_run_jobs_once_with_a_kind_runs_only_that_kind_and_leaves_the_rest_queued(world, counting_job):
    # An operator drains one kind ("the exports, now") without starting the video transcodes queued
    # before them.
    failing = job_enqueue(actor=None, kind="tests.fail", args={}, scope_path="")
    counted = job_enqueue(actor=None, kind="tests.count", args={"n": 2}, scope_path="")

    call_command("run_jobs", "--once", "--kind", "tests.count")

    counted.refresh_from_db()
    failing.refresh_from_db()
    assert (counted.state, failing.state) == ("done", "queued")


def test_a_failing_job_is_marked_failed_with_the_error(world, counting_job):
    failing = job_enqueue(actor=None, kind="tests.fail", args={}, scope_path="")

    jobs_run_pending()

    failing.refresh_from_db()
    assert failing.state == "failed"
    assert "boom" in failing.error


def test_an_unknown_kind_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        job_enqueue(actor=None, kind="nope", args={}, scope_path="")

    assert excinfo.value.messages == [str(UNKNOWN_JOB_KIND)]
    assert not Job.objects.exists()


def test_run_jobs_once_and_run_periodic_empty_the_queue(world, counting_job, capsys):
    job_enqueue(actor=None, kind="tests.count", args={"n": 1}, scope_path="")
    job_enqueue(actor=None, kind="tests.count", args={"n": 1}, scope_path="")

    call_command("run_jobs", "--once")
    assert "jobs_run=2" in capsys.readouterr().out
    job_enqueue(actor=None, kind="tests.count", args={"n": 1}, scope_path="")
    call_command("run_periodic")
    assert "jobs_requeued=0 jobs_run=1" in capsys.readouterr().out

    # (the round also queues the day's store sweep, core.store_sweep, for the next round)
    assert set(Job.objects.filter(kind="tests.count").values_list("state", flat=True)) == {"done"}


def test_the_status_endpoint_reports_progress_to_whoever_started_the_job(client, world, counting_job, password):
    started = job_enqueue(actor=world.county_officer, kind="tests.count", args={"n": 4},
                          scope_path=world.county_a.path)
    client.login(username=world.county_officer.phone, password=password)

    queued = client.get(reverse("jobs:status", args=[started.pk])).json()
    jobs_run_pending()
    done = client.get(reverse("jobs:status", args=[started.pk])).json()

    assert (queued["state"], queued["percent"], queued["finished"]) == ("queued", 0, False)
    assert (done["state"], done["done"], done["total"], done["percent"]) == ("done", 4, 4, 100)
    assert done["result"] == {"counted": 4}


def test_the_progress_partial_shows_a_bar_polling_the_status(client, world, counting_job, password):
    started = job_enqueue(actor=world.county_officer, kind="tests.count", args={"n": 4},
                          scope_path=world.county_a.path)
    client.login(username=world.province_officer.phone, password=password)

    html = client.get(reverse("jobs:progress", args=[started.pk])).content.decode()

    assert "<progress" in html
    assert reverse("jobs:status", args=[started.pk]) in html
    assert "jobs/progress.js" in html


def test_the_outsider_cannot_see_a_job_of_another_county(client, world, counting_job, password):
    started = job_enqueue(actor=world.county_officer, kind="tests.count", args={"n": 1},
                          scope_path=world.county_a.path)
    client.login(username=world.outsider.phone, password=password)

    assert client.get(reverse("jobs:status", args=[started.pk])).status_code == 404
    assert client.get(reverse("jobs:progress", args=[started.pk])).status_code == 404


def test_on_postgresql_a_worker_claims_with_skip_locked(world, counting_job):
    """Workers never wait for each other: a job another worker holds is skipped. (Holding a
    lock from a second connection needs committed rows, and a transactional test could not
    flush the append-only audit log afterwards, so this checks the SQL.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SQLite claims with a conditional UPDATE instead of row locks")
    queued = job_enqueue(actor=None, kind="tests.count", args={"n": 1}, scope_path="")

    with CaptureQueriesContext(connection) as queries:
        claimed = job_claim()

    assert claimed.pk == queued.pk
    assert any("FOR UPDATE SKIP LOCKED" in q["sql"] for q in queries.captured_queries)


def test_a_job_whose_worker_died_is_queued_again_then_given_up(world, counting_job):
    import datetime as dt

    from django.utils import timezone

    from tisheng.jobs.services import jobs_requeue_stale

    lost = job_enqueue(actor=None, kind="tests.count", args={"n": 1}, scope_path="")
    alive = job_enqueue(actor=None, kind="tests.count", args={"n": 1}, scope_path="")
    job_claim(), job_claim()
    Job.objects.filter(pk=lost.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))

    assert jobs_requeue_stale() == 1
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert (lost.state, alive.state) == ("queued", "running")

    Job.objects.filter(pk=lost.pk).update(state="running", attempts=3,
                                          heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    assert jobs_requeue_stale() == 0
    lost.refresh_from_db()
    assert lost.state == "failed"
