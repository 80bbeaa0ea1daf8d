"""Many stored files removed at once (storage_files.delete_many, which the store sweep removes through):
from the object store 1,000 keys in one DeleteObjects request in quiet mode instead of a DELETE request
each, a key the store refuses reported with its reason, logged, and not counted as removed; locally each
file. The object store is moto in server mode (tisheng/core/tests/conftest.py)."""

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from tisheng.core import storage_files, storage_sweep
from tisheng.core.tests.conftest import BUCKET

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=3)  # past the 24-hour grace


@pytest.fixture
def rows(swept_folder):
    """A folder whose 'rows' refer to the names in this list (as an app registers its columns)."""
    return swept_folder("sweepbatch/")


@pytest.fixture
def requests_sent(s3):
    """The DeleteObjects requests the private storage's client sends: the keys of each."""
    client = storage_files.private_storage().connection.meta.client
    sent: list[dict] = []

    def record(params, **kwargs):
        sent.append(params["Delete"])

    client.meta.events.register("before-parameter-build.s3.DeleteObjects", record)
    yield sent
    client.meta.events.unregister("before-parameter-build.s3.DeleteObjects", record)
    storage_files.delete_many(_stored("sweepbatch/"))  # the module's object store is the next test's too


def _put(names: list[str]) -> None:
    """Store empty objects under `names` (straight to the bucket: the test's setup, not what it tests)."""
    client = storage_files.private_storage().connection.meta.client
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda name: client.put_object(Bucket=BUCKET, Key=name, Body=b""), names))


def _stored(prefix: str) -> set[str]:
    return {name for name, _modified in storage_files.walk(prefix)}


def test_the_sweep_removes_2500_orphans_from_the_object_store_in_three_requests(rows, requests_sent):
    orphans = [f"sweepbatch/a/{i}-反思.docx" for i in range(2500)]
    rows.extend(f"sweepbatch/a/kept-{i}.docx" for i in range(20))
    _put(orphans + rows)

    result = storage_sweep.sweep(now=timezone.now() + LATER)

    assert result["each"]["sweepbatch/"]["removed"] == 2500
    assert result["failed"] == 0
    assert [len(request["Objects"]) for request in requests_sent] == [1000, 1000, 500]
    assert all(request["Quiet"] is True for request in requests_sent)
    assert _stored("sweepbatch/a/") == set(rows)


def test_a_key_the_store_refuses_is_reported_and_not_counted_as_removed(rows, requests_sent, caplog):
    orphans = [f"sweepbatch/b/{i}.pdf" for i in range(5)]
    refused = orphans[2]
    rows.append("sweepbatch/b/kept.pdf")
    _put(orphans + rows)
    client = storage_files.private_storage().connection.meta.client

    def keep_it(params, **kwargs):  # the store keeps this object (a legal hold, a policy) …
        params["Delete"]["Objects"] = [o for o in params["Delete"]["Objects"] if o["Key"] != refused]

    def say_so(parsed, **kwargs):  # … and says so in its answer, as S3 does in quiet mode
        parsed.setdefault("Errors", []).append({"Key": refused, "Code": "AccessDenied", "Message": "Access Denied"})

    client.meta.events.register("before-parameter-build.s3.DeleteObjects", keep_it)
    client.meta.events.register("after-call.s3.DeleteObjects", say_so)
    try:
        with caplog.at_level(logging.INFO):
            result = storage_sweep.sweep(now=timezone.now() + LATER)
    finally:
        client.meta.events.unregister("before-parameter-build.s3.DeleteObjects", keep_it)
        client.meta.events.unregister("after-call.s3.DeleteObjects", say_so)

    counts = result["each"]["sweepbatch/"]
    assert (counts["removed"], counts["failed"], counts["kept"]) == (4, 1, 1)
    assert result["failed"] == 1
    assert refused not in result["names"]
    assert _stored("sweepbatch/b/") == {refused, "sweepbatch/b/kept.pdf"}
    assert f"the store refused to remove {refused}: AccessDenied Access Denied" in caplog.text
    assert f"store sweep: removed {refused}" not in caplog.text


def test_delete_many_reports_what_the_store_refused_by_name(s3, requests_sent):
    names = [f"sweepbatch/c/{i}.mp4" for i in range(3)]
    _put(names)

    assert storage_files.delete_many([*names, "sweepbatch/c/never-stored.mp4"]) == {}
    assert len(requests_sent) == 1
    assert _stored("sweepbatch/c/") == set()


def test_delete_many_removes_local_files_one_by_one(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    names = [storage_files.save(f"sweepbatch/d/{i}.pdf", b"%PDF") for i in range(3)]
    kept = storage_files.save("sweepbatch/d/kept.pdf", b"%PDF")

    assert storage_files.delete_many([*names, "sweepbatch/d/never-stored.pdf"]) == {}
    assert _stored("sweepbatch/d/") == {kept}


def test_a_store_that_is_down_is_unavailable_not_a_silent_success(dead_store):
    with pytest.raises(storage_files.StorageUnavailable):
        storage_files.delete_many(["sweepbatch/e/1.pdf"])
