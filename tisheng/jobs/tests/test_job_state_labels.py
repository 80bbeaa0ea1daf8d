"""A failed job reads 失败, not the spot check's 抽检不合格 (issue 12: the msgid "Failed" was
shared by both)."""

import pytest
from django.urls import reverse

from tisheng.jobs.models import Job
from tisheng.jobs.registry import JOBS, job
from tisheng.jobs.services import job_enqueue, jobs_run_pending


@pytest.fixture
def failing_job():
    @job("tests.label_fail", capability="reports.view")
    def fail(job, progress):
        raise RuntimeError("boom")

    yield
    JOBS.pop("tests.label_fail")


def test_the_job_page_shows_a_failed_job_as_failed_not_as_a_failed_spot_check(client, world, failing_job):
    started = job_enqueue(actor=world.county_officer, kind="tests.label_fail", args={},
                          scope_path=world.county_a.path)
    jobs_run_pending()
    client.force_login(world.county_officer)

    html = client.get(reverse("jobs:progress", args=[started.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    status = client.get(reverse("jobs:status", args=[started.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert Job.objects.get(pk=started.pk).state == "failed"
    assert "失败" in html
    assert "抽检不合格" not in html
    assert status["state_label"] == "失败"
