import os
import stat

import pytest

from tisheng.accounts.models import AuditLog
from tisheng.core import private_storage
from tisheng.core.private_storage import PrivateStorageError


@pytest.fixture
def storage(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


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


def test_a_private_file_is_readable_by_the_platform_only(db, storage):
    path = private_storage.write_bytes("roster/abc.xlsx", b"national IDs")

    assert path.read_bytes() == b"national IDs"
    assert mode(path) == 0o600
    assert mode(storage / "roster") == 0o700
    assert mode(storage) == 0o700
    assert [p.name for p in (storage / "roster").iterdir()] == ["abc.xlsx"]


def test_a_directory_an_older_release_left_open_is_tightened_on_the_next_write(db, storage):
    (storage / "exports").mkdir(parents=True)
    os.chmod(storage / "exports", 0o755)

    private_storage.write_bytes("exports/1-roster.xlsx", b"x")

    assert mode(storage / "exports") == 0o700


def test_an_unwritable_storage_is_one_clear_message_and_an_audit_row(db, unwritable):
    with pytest.raises(PrivateStorageError) as caught:
        private_storage.write_bytes("roster/abc.xlsx", b"x")

    assert caught.value.messages == ["文件保存失败：存储不可写，请联系管理员。"]
    entry = AuditLog.objects.get(action=private_storage.WRITE_FAILED)
    assert (entry.object_type, entry.object_id, entry.detail["error"]) == ("private_file", "roster/abc.xlsx",
                                                                           "NotADirectoryError")


def test_a_write_failing_midway_leaves_no_partial_file(db, storage, monkeypatch):
    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(private_storage.os, "replace", full_disk)

    with pytest.raises(PrivateStorageError):
        private_storage.write_bytes("exports/2-roster.xlsx", b"half")

    assert list((storage / "exports").iterdir()) == []
    assert AuditLog.objects.get(action=private_storage.WRITE_FAILED).detail["errno"] == 28


def test_a_path_leaving_the_storage_is_refused(db, storage):
    with pytest.raises(ValueError, match="leaves"):
        private_storage.write_bytes("../outside.txt", b"x")
