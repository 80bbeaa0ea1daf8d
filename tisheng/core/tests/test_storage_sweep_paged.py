"""The sweep reads what rows refer to in bounded keyset pages (core/storage_sweep.py `keyset`), also
under PgBouncer in transaction mode, where DISABLE_SERVER_SIDE_CURSORS makes Django's `.iterator()`
fetch a whole result into the client at once: every referenced file stays, the orphan goes, and the
references are read a few rows a query (ORDER BY pk, pk > the last page's, LIMIT), on SQLite and
PostgreSQL alike, for a plain column and a JSON key (jobs.Job result__file, as exports register)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tisheng.core import storage_files, storage_sweep
from tisheng.core.storage_sweep import Column
from tisheng.jobs.models import Job, JobState

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=3)  # past the 24-hour grace
FOLDER = "sweeppaged"
EXPORTED = "sweeppaged.export"  # jobs whose result names a file: {"file": …}
NOTED = "sweeppaged.note"  # jobs whose `error` text names a file relative to the folder (a plain column)


@pytest.fixture
def pgbouncer(monkeypatch):
    """The database as TISHENG_DB_POOLER=pgbouncer sets it up (core/dbpool.py): no server-side cursors."""
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(storage_sweep, "REFERENCE_CHUNK", 2)


@pytest.fixture
def registered():
    saved = dict(storage_sweep.REFERENCES)
    storage_sweep.REFERENCES.clear()  # only this test's folder: the apps' folders are their own tests'
    storage_sweep.register_references(f"{FOLDER}/", Column("jobs.Job", "result__file", filters=(("kind", EXPORTED),)))
    storage_sweep.register_references(f"{FOLDER}/", Column("jobs.Job", "error", prefix=f"{FOLDER}/notes/",
                                                           filters=(("kind", NOTED),)))
    yield
    storage_sweep.REFERENCES.clear()
    storage_sweep.REFERENCES.update(saved)


@pytest.fixture
def local(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def _job(kind: str, **fields) -> Job:
    return Job.objects.create(kind=kind, state=JobState.DONE, **fields)


def _reference_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT") and "jobs_job" in q["sql"]]


def test_under_pgbouncer_the_sweep_keeps_every_referenced_file_reading_a_page_at_a_time(
        local, registered, pgbouncer, small_pages):
    exported = [storage_files.save(f"{FOLDER}/2026/{i}-教师名单.xlsx", b"PK") for i in range(5)]
    for name in exported:
        _job(EXPORTED, result={"file": name, "rows": 10})
    _job(EXPORTED, result={"rows": 0})  # an export that wrote no file names nothing
    noted = [storage_files.save(f"{FOLDER}/notes/{i}.pdf", b"%PDF") for i in range(3)]
    for name in noted:
        _job(NOTED, error=name.removeprefix(f"{FOLDER}/notes/"))
    orphan = storage_files.save(f"{FOLDER}/2026/orphan.xlsx", b"PK")
    _job("another.kind", result={"file": orphan})  # a row the registration's filter leaves out

    with CaptureQueriesContext(connection) as queries:
        result = storage_sweep.sweep(now=timezone.now() + LATER)

    assert result["each"][f"{FOLDER}/"] == {"listed": 9, "kept": 8, "younger_than_grace": 0, "removed": 1,
                                            "failed": 0}
    assert result["names"] == [orphan]
    assert not storage_files.exists(orphan)
    assert all(storage_files.exists(name) for name in exported + noted)
    reads = _reference_reads(queries.captured_queries)
    # read twice (before the listing, and again before removing), 6 and 3 rows two a page:
    # 4 + 2 queries each time, every one a page of at most 2 rows
    assert len(reads) == 12
    assert all("LIMIT 2" in sql.upper() for sql in reads)


def test_keyset_reads_every_row_once_in_pages_of_the_chunk(small_pages):
    jobs = [_job(EXPORTED, result={"file": f"{FOLDER}/{i}.xlsx"}) for i in range(6)]
    Job.objects.filter(pk=jobs[2].pk).delete()  # a gap in the keys

    with CaptureQueriesContext(connection) as queries:
        rows = list(storage_sweep.keyset(Job.objects.filter(kind=EXPORTED), "result__file"))

    assert rows == [(f"{FOLDER}/{i}.xlsx",) for i in (0, 1, 3, 4, 5)]
    assert len(_reference_reads(queries.captured_queries)) == 3  # 2 + 2 + 1 rows
