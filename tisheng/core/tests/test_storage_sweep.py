"""The daily sweep of stored files no row refers to (issue 20, item 4): it removes what no registered
reference names once older than the grace period, never a referenced file, never a young one (an
upload in flight), never a folder no app registered; on local files and on the object store (moto in
server mode, tisheng/core/tests/conftest.py). It runs once a day as a job, which reports it."""

import datetime as dt
import logging
import os

import pytest
from django.utils import timezone

from tisheng.core import storage_files, storage_sweep
from tisheng.jobs.models import Job
from tisheng.jobs.services import jobs_run_pending
from tisheng.jobs.tasks import STORE_SWEEP, store_sweep_queued

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=3)  # past the 24-hour grace


@pytest.fixture
def rows(swept_folder):
    """A folder whose 'rows' refer to the names in this list (as an app registers its columns)."""
    return swept_folder("sweeptest/")


@pytest.fixture
def local(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def _stored(rows, *, referred: bool, name: str) -> str:
    stored = storage_files.save(name, b"bytes")
    if referred:
        rows.append(stored)
    return stored


@pytest.mark.parametrize("where", ["local", "s3"])
def test_the_sweep_removes_only_old_files_no_row_refers_to(request, rows, where, caplog):
    request.getfixturevalue(where)
    kept = _stored(rows, referred=True, name="sweeptest/1/kept.mp4")
    orphan = _stored(rows, referred=False, name="sweeptest/1/deep/orphan.mp4")
    other = storage_files.save("evidence/1/not-registered.pdf", b"%PDF")  # no app said what it refers to

    with caplog.at_level(logging.INFO, logger="tisheng.core.storage_sweep"):
        result = storage_sweep.sweep(now=timezone.now() + LATER)

    assert result["removed"] == 1
    assert result["kept"] == 1
    assert not storage_files.exists(orphan)
    assert storage_files.exists(kept)
    assert storage_files.exists(other)
    assert orphan in caplog.text


@pytest.mark.parametrize("where", ["local", "s3"])
def test_a_file_younger_than_the_grace_period_is_never_taken(request, rows, where):
    request.getfixturevalue(where)
    in_flight = _stored(rows, referred=False, name="sweeptest/2/upload-in-flight.mp4")

    result = storage_sweep.sweep()

    assert result["removed"] == 0
    assert result["younger_than_grace"] >= 1  # (the module's object store keeps other tests' young files)
    assert storage_files.exists(in_flight)


def test_a_local_file_past_its_grace_is_taken_without_a_clock_trick(local, rows):
    old = _stored(rows, referred=False, name="sweeptest/3/old.mp4")
    two_days_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    os.utime(local / old, (two_days_ago, two_days_ago))

    assert storage_sweep.sweep()["removed"] == 1
    assert not (local / old).exists()


def test_the_removals_are_counted_as_a_metric(local, rows):
    _stored(rows, referred=False, name="sweeptest/4/a.mp4")
    before = storage_sweep.SWEPT._value.get()

    storage_sweep.sweep(now=timezone.now() + LATER)

    assert storage_sweep.SWEPT._value.get() == before + 1


def test_the_sweep_runs_once_a_day_as_a_job_that_reports_what_it_removed(local, rows):
    orphan = _stored(rows, referred=False, name="sweeptest/5/orphan.mp4")
    os.utime(local / orphan, (0, 0))

    assert store_sweep_queued() is True
    assert store_sweep_queued() is False  # cheap until a day has passed: one query, nothing queued
    jobs_run_pending()

    job = Job.objects.get(kind=STORE_SWEEP)
    assert job.state == "done"
    assert job.result["removed"] == 1
    assert job.result["names"] == [orphan]
    assert store_sweep_queued(now=timezone.now() + dt.timedelta(hours=25)) is True


def test_a_store_that_is_down_stops_the_sweep_before_it_removes_anything(dead_store, rows):
    with pytest.raises(storage_files.StorageUnavailable):
        storage_sweep.sweep(now=timezone.now() + LATER)
