"""Private files through the storage API: local by default, an S3-compatible store when configured.

The S3 tests run against moto in server mode (ThreadedMotoServer: a local S3-compatible HTTP server
from the moto package, standing in where no MinIO can be installed), over real HTTP with real
signatures, so what they check is what the S3 protocol does."""

import stat
from pathlib import Path

import pytest
import requests

from tisheng.core import storage_files
from tisheng.core.storage_files import STORAGE_UNWRITABLE, PrivateStorageError
from tisheng.core.tests.conftest import BUCKET, s3_storage_settings


@pytest.fixture
def local(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path  # the default storage follows PRIVATE_MEDIA_ROOT


def test_a_file_saved_to_the_object_store_reads_back_the_same(s3):
    name = storage_files.save("evidence/350102/教案.pdf", b"%PDF-1.7 lesson plan")

    assert name.startswith("evidence/350102/")
    assert storage_files.exists(name)
    assert storage_files.size(name) == len(b"%PDF-1.7 lesson plan")
    with storage_files.open(name) as f:
        assert f.read() == b"%PDF-1.7 lesson plan"


def test_a_second_file_of_the_same_name_does_not_overwrite_the_first(s3):
    first = storage_files.save("declarations/申报书.docx", b"first")
    second = storage_files.save("declarations/申报书.docx", b"second")

    assert first != second
    with storage_files.open(first) as f:
        assert f.read() == b"first"


def test_an_object_is_not_readable_without_a_signature(s3):
    name = storage_files.save("certificates/35-2026-000001.pdf", b"%PDF certificate")

    assert requests.get(f"{s3}/{BUCKET}/{name}", timeout=5).status_code == 403


@pytest.mark.django_db
def test_serving_from_the_object_store_redirects_to_a_short_lived_signed_url(s3, rf):
    name = storage_files.save("videos/lesson-1.mp4", b"0123456789" * 100)

    response = storage_files.serve(rf.get("/"), name, content_type="video/mp4", filename="第一课.mp4")

    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Expires=600" in url
    assert "X-Amz-Signature=" in url
    assert response["Cache-Control"] == "private, no-store"
    fetched = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=5)
    assert fetched.status_code == 206
    assert fetched.content == b"0123456789"
    assert fetched.headers["Content-Type"] == "video/mp4"


@pytest.mark.django_db
def test_a_store_that_is_down_gives_a_clear_error_and_keeps_nothing(settings, world):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    settings.STORAGES = s3_storage_settings(dead)
    from tisheng.accounts.models import AuditLog

    with pytest.raises(PrivateStorageError) as raised:
        storage_files.save("evidence/350102/课例.mp4", b"video", actor=world.teacher.user,
                           scope_path=world.county_a.path)

    assert raised.value.messages == [str(storage_files._(STORAGE_UNWRITABLE))]
    assert AuditLog.objects.filter(action="storage_write_failed", object_id="evidence/350102/课例.mp4").exists()


def test_a_local_file_is_private_to_the_platform_account(local):
    name = storage_files.save("roster/350102/名册.xlsx", b"PK\x03\x04 roster")

    path = Path(local) / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_local_file_is_served_through_the_app_with_byte_ranges(local, rf):
    name = storage_files.save("videos/lesson-2.mp4", b"abcdefghij" * 10)

    response = storage_files.serve(rf.get("/", HTTP_RANGE="bytes=0-4"), name, content_type="video/mp4")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"abcde"
    assert response["Cache-Control"] == "private, no-store"


def test_a_name_that_leaves_the_storage_is_refused(local):
    with pytest.raises(ValueError, match="leaves"):
        storage_files.save("../../etc/passwd", b"x")


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def unwritable(settings, tmp_path):
    """A storage root under a regular file: every write fails, even as root (tests run as root,
    so a chmod would not stop them)."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"
    return settings.PRIVATE_MEDIA_ROOT


def test_a_local_root_and_its_folders_are_created_for_the_platform_only(db, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"

    name = storage_files.save("roster/abc.xlsx", b"national IDs")

    assert name == "roster/abc.xlsx"
    assert (tmp_path / "private" / name).read_bytes() == b"national IDs"
    assert mode(tmp_path / "private" / "roster") == 0o700
    assert mode(tmp_path / "private") == 0o700
    assert [p.name for p in (tmp_path / "private" / "roster").iterdir()] == ["abc.xlsx"]


def test_a_folder_an_older_release_left_open_is_tightened_on_the_next_write(db, local):
    (local / "exports").mkdir(parents=True)
    (local / "exports").chmod(0o755)

    storage_files.save("exports/1-roster.xlsx", b"x")

    assert mode(local / "exports") == 0o700


def test_an_unwritable_local_storage_is_one_clear_message_and_an_audit_row(db, unwritable):
    from tisheng.accounts.models import AuditLog

    with pytest.raises(PrivateStorageError) as caught:
        storage_files.save("roster/abc.xlsx", b"x")

    assert caught.value.messages == ["文件保存失败：存储不可写，请联系管理员。"]
    entry = AuditLog.objects.get(action=storage_files.WRITE_FAILED)
    assert (entry.object_type, entry.object_id, entry.detail["error"]) == ("private_file", "roster/abc.xlsx",
                                                                           "NotADirectoryError")


def test_a_local_write_failing_midway_leaves_no_partial_file(db, local, monkeypatch):
    from tisheng.accounts.models import AuditLog

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage_files.os, "link", full_disk)

    with pytest.raises(PrivateStorageError):
        storage_files.save("exports/2-roster.xlsx", b"half")

    assert list((local / "exports").iterdir()) == []
    assert AuditLog.objects.get(action=storage_files.WRITE_FAILED).detail["errno"] == 28


def test_a_file_written_by_the_older_private_storage_is_read_by_its_name(local, rf):
    """Names stay relative to the same root: what `core/private_storage.write_bytes("evidence/…")`
    wrote (0600 in 0700 folders, no storage of its own) is found, read and served as before."""
    old = local / "evidence" / "7" / "12" / "3-v1-0123456789ab.pdf"
    old.parent.mkdir(parents=True, mode=0o700)
    old.write_bytes(b"%PDF-1.4 written in 2025")

    name = "evidence/7/12/3-v1-0123456789ab.pdf"
    assert storage_files.exists(name)
    with storage_files.open(name) as f:
        assert f.read() == b"%PDF-1.4 written in 2025"
    with storage_files.local_path(name) as path:
        assert path == old
    response = storage_files.serve(rf.get("/"), name, content_type="application/pdf")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 written in 2025"


def test_a_missing_file_is_a_404_not_a_500(local, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    request = rf.get("/")
    request.user = AnonymousUser()
    assert storage_files.serve(request, "evidence/none.pdf", content_type="application/pdf").status_code == 404
    with pytest.raises(Http404):
        storage_files.serve(rf.get("/"), "../../etc/passwd", content_type="text/plain")


def test_a_stored_object_is_copied_to_a_local_file_for_the_steps_that_need_one(s3):
    name = storage_files.save("evidence/9/反思.docx", b"PK\x03\x04 docx bytes")

    with storage_files.local_path(name) as path:
        assert path.suffix == ".docx"
        assert path.read_bytes() == b"PK\x03\x04 docx bytes"
    assert not path.exists()


@pytest.mark.django_db
def test_what_a_page_shows_inline_is_streamed_from_the_object_store_through_the_app(s3, rf):
    """An image or a PDF in our own frame comes from this site (the CSP's img-src and frame-src are
    'self'), so it is read from the store here instead of redirecting the browser there."""
    name = storage_files.save("supervision/1/2/现场.png", b"\x89PNG\r\n\x1a\n photo")

    response = storage_files.serve(rf.get("/"), name, content_type="image/png", through_app=True)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\n photo"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"] == "private, no-store"
