"""Stored export files (large exports, written in the background) are deleted EXPORT_RETENTION_DAYS
after their job finished: teacher lists with national IDs must not pile up on disk. The job
remembers that its file expired; its page, its download (410) and "My exports" say so."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.jobs.models import Job, JobState
from tisheng.jobs.services import jobs_run_pending
from tisheng.monitoring.services import exports
from tisheng.monitoring.tests.test_exports import make_progress

pytestmark = pytest.mark.django_db

EXPIRED_TEXT = "导出文件已过期"
EXPORT_AGAIN = "请重新导出"


@pytest.fixture
def progress(world, program_1):
    return make_progress(world, program_1)


@pytest.fixture
def media(settings, tmp_path, monkeypatch) -> Path:
    """Private files in a temporary folder; every export of more than 2 rows is a job."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.EXPORT_RETENTION_DAYS = 7
    monkeypatch.setattr(exports, "EXPORT_SYNC_LIMIT", 2)
    return tmp_path


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def large_export(user, program, days_ago: float, **params) -> tuple[Job, Path]:
    """An export written in the background that finished `days_ago` days ago, and its file."""
    response = client_for(user).get("/monitoring/export/teachers.xlsx", {"program": program.pk, **params})
    assert response.status_code == 302
    jobs_run_pending()
    job = Job.objects.filter(kind=exports.EXPORT_JOB, created_by=user).latest("id")
    assert job.state == JobState.DONE
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=days_ago))
    job.refresh_from_db()
    path = Path(settings.PRIVATE_MEDIA_ROOT) / job.result["file"]
    assert path.is_file()
    return job, path


def download(user, job: Job):
    return client_for(user).get(f"/monitoring/exports/{job.pk}/download")


def test_a_file_older_than_the_retention_period_is_deleted_and_its_download_says_it_expired(
        world, progress, media):
    job, path = large_export(world.county_officer, progress, days_ago=8)

    assert exports.exports_purge() == 1

    assert not path.exists()
    job.refresh_from_db()
    assert exports.export_expired(job)
    response = download(world.county_officer, job)
    assert response.status_code == 410
    page = response.content.decode()
    assert EXPIRED_TEXT in page
    assert EXPORT_AGAIN in page
    assert f"/monitoring/export/teachers.xlsx?program={progress.pk}" in page
    assert not AuditLog.objects.filter(action=exports.DOWNLOADED).exists()


def test_the_export_page_and_my_exports_show_an_expired_export_as_expired(world, progress, media):
    job, _ = large_export(world.county_officer, progress, days_ago=8)
    exports.exports_purge()
    client = client_for(world.county_officer)

    page = client.get(f"/monitoring/exports/{job.pk}/").content.decode()
    assert EXPIRED_TEXT in page
    assert 'data-testid="export-download"' not in page
    assert 'data-testid="export-again"' in page

    listing = client.get("/monitoring/exports/")
    assert listing.status_code == 200
    row = listing.content.decode().split(f'data-testid="export-{job.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "已过期" in row
    assert "/download" not in row


def test_a_partial_file_left_by_a_lost_workers_attempt_goes_with_the_finished_file(world, progress, media):
    job, path = large_export(world.county_officer, progress, days_ago=8)
    earlier = path.parent / f"{job.pk}-teachers-20261001000000.part"
    earlier.write_bytes(b"half")

    assert exports.exports_purge() == 1

    assert not path.exists()
    assert not earlier.exists()


def test_a_file_younger_than_the_retention_period_stays_and_downloads(world, progress, media):
    job, path = large_export(world.county_officer, progress, days_ago=6)

    assert exports.exports_purge() == 0

    assert path.is_file()
    response = download(world.county_officer, job)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_the_retention_period_comes_from_the_setting(world, progress, media, settings):
    settings.EXPORT_RETENTION_DAYS = 30
    _, path = large_export(world.county_officer, progress, days_ago=8)
    assert exports.exports_purge() == 0
    assert path.is_file()
    assert exports.exports_purge(now=timezone.now() + dt.timedelta(days=23)) == 1
    assert not path.exists()


def test_files_of_running_jobs_and_of_other_kinds_of_job_stay(world, progress, media):
    long_ago = timezone.now() - dt.timedelta(days=30)
    (media / "exports").mkdir()
    running = Job.objects.create(kind=exports.EXPORT_JOB, state=JobState.RUNNING, created_by=world.county_officer,
                                 scope_path=world.county_a.path, created_at=long_ago, started_at=long_ago,
                                 heartbeat_at=timezone.now())
    partial = media / "exports" / f"{running.pk}-teachers-20261001000000.part"
    partial.write_bytes(b"half")
    other = Job.objects.create(kind="certificates.batch", state=JobState.DONE, created_at=long_ago,
                               finished_at=long_ago, result={"file": "exports/certificates.zip"})
    kept = media / "exports" / "certificates.zip"
    kept.write_bytes(b"zip")

    assert exports.exports_purge() == 0

    assert partial.is_file()
    assert kept.is_file()
    other.refresh_from_db()
    assert other.result == {"file": "exports/certificates.zip"}


def test_a_failed_exports_partial_file_is_deleted_too(world, progress, media):
    long_ago = timezone.now() - dt.timedelta(days=30)
    (media / "exports").mkdir()
    failed = Job.objects.create(kind=exports.EXPORT_JOB, state=JobState.FAILED, created_by=world.county_officer,
                                scope_path=world.county_a.path, finished_at=long_ago)
    partial = media / "exports" / f"{failed.pk}-teachers-20261001000000.part"
    partial.write_bytes(b"half")
    # Job 1's pattern must not reach job 1x's file.
    neighbour = media / "exports" / f"{failed.pk}0-teachers-20261001000000.part"
    neighbour.write_bytes(b"other")

    assert exports.exports_purge() == 1

    assert not partial.exists()
    assert neighbour.is_file()
    failed.refresh_from_db()
    assert download(world.county_officer, failed).status_code == 404


def test_a_second_run_deletes_nothing_and_writes_no_audit_entry(world, progress, media):
    large_export(world.county_officer, progress, days_ago=8)
    large_export(world.county_officer, progress, days_ago=9)

    assert exports.exports_purge() == 2
    entry = AuditLog.objects.get(action=exports.PURGED)
    assert entry.detail["count"] == 2
    assert entry.detail["retention_days"] == 7

    assert exports.exports_purge() == 0
    assert AuditLog.objects.filter(action=exports.PURGED).count() == 1


def test_a_run_with_nothing_due_costs_one_query(world, progress, media):
    large_export(world.county_officer, progress, days_ago=1)
    with CaptureQueriesContext(connection) as ctx:
        assert exports.exports_purge() == 0
    assert len(ctx.captured_queries) == 1


def test_run_periodic_purges_expired_exports(world, progress, media, capsys):
    job, path = large_export(world.county_officer, progress, days_ago=8)

    call_command("run_periodic")

    assert "exports_purged=1" in capsys.readouterr().out
    assert not path.exists()
    job.refresh_from_db()
    assert exports.export_expired(job)


def test_the_outsider_gets_404_not_the_expired_page_for_county_as_expired_export(world, progress, media):
    job, _ = large_export(world.county_officer, progress, days_ago=8)
    exports.exports_purge()

    for other in (world.outsider, world.province_officer):
        for url in (f"/monitoring/exports/{job.pk}/download", f"/monitoring/exports/{job.pk}/"):
            response = client_for(other).get(url)
            assert response.status_code == 404
            assert EXPIRED_TEXT not in response.content.decode()
    assert f'data-testid="export-{job.pk}"' not in client_for(world.outsider).get("/monitoring/exports/").content.decode()


def test_my_exports_lists_only_my_own_exports(world, progress, media):
    mine, _ = large_export(world.county_officer, progress, days_ago=1)
    theirs, _ = large_export(world.province_officer, progress, days_ago=1)

    page = client_for(world.county_officer).get("/monitoring/exports/").content.decode()

    assert f'data-testid="export-{mine.pk}"' in page
    assert f'data-testid="export-{theirs.pk}"' not in page
    assert "鼓楼区（35/3501/350102）" in page


def test_a_teacher_has_no_exports_page(world, media):
    assert client_for(world.teacher.user).get("/monitoring/exports/").status_code == 404


def test_the_query_count_of_my_exports_does_not_grow_with_its_rows(world, progress, media):
    client = client_for(world.county_officer)
    large_export(world.county_officer, progress, days_ago=1, node=world.school_a.path)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/monitoring/exports/").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first request of a session also records its activity
    before = queries()
    large_export(world.county_officer, progress, days_ago=8)
    large_export(world.county_officer, progress, days_ago=2)
    exports.exports_purge()
    assert queries() == before
    assert f"{world.school_a.name}（{world.school_a.path}）" in client.get("/monitoring/exports/").content.decode()
