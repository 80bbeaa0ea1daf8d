"""Uploaded rosters list full national IDs: stored for the platform's eyes only, deleted after
ROSTER_RETENTION_DAYS, and an unwritable storage is a message, not a 500."""

import datetime as dt
import os
import stat

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.core.storage_files import WRITE_FAILED
from tisheng.people.models import RosterImport, Teacher
from tisheng.people.services.roster_import import PURGED, rosters_purge, stored_name
from tisheng.people.tests.test_roster_helpers import row_cells, xlsx_bytes
from tisheng.people.tests.test_roster_views import upload

UNWRITABLE = "文件保存失败：存储不可写，请联系管理员。"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def stored_path(sha256: str, filename: str):
    """Where the local file store (the default) keeps a roster file."""
    from django.conf import settings

    return settings.PRIVATE_MEDIA_ROOT / stored_name(sha256, filename)


def age(roster: RosterImport, days: int) -> None:
    """Make the preview and its stored file `days` old."""
    then = timezone.now() - dt.timedelta(days=days)
    RosterImport.objects.filter(pk=roster.pk).update(at=then)
    path = stored_path(roster.sha256, roster.filename)
    os.utime(path, (then.timestamp(), then.timestamp()))


def test_an_uploaded_roster_is_readable_by_the_platform_only(client, world, settings):
    client.force_login(world.county_officer)

    upload(client, xlsx_bytes([row_cells(seq=1)]))

    roster = RosterImport.objects.get()
    path = stored_path(roster.sha256, roster.filename)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(settings.PRIVATE_MEDIA_ROOT.stat().st_mode) == 0o700


def test_a_roster_file_is_deleted_after_the_retention_period_and_the_history_says_so(client, world, settings):
    settings.ROSTER_RETENTION_DAYS = 7
    client.force_login(world.county_officer)
    preview = upload(client, xlsx_bytes([row_cells(seq=1), row_cells(seq=2, name="王芳")]))
    roster = RosterImport.objects.get()
    age(roster, 8)

    assert rosters_purge() == 1

    assert not stored_path(roster.sha256, roster.filename).exists()
    roster.refresh_from_db()
    assert roster.file_expired_at is not None
    assert (roster.sha256, roster.rows, roster.created) == (roster.sha256, 2, 2)
    entry = AuditLog.objects.get(action=PURGED)
    assert (entry.detail["files"], entry.detail["imports"], entry.detail["retention_days"]) == (1, 1, 7)
    page = client.get(preview.url).content.decode()
    assert "7 天后）删除" in page
    assert roster.sha256 in page
    assert 'data-testid="commit-all"' not in page
    assert "文件已删除" in client.get(reverse("people:roster_import")).content.decode()


def test_an_expired_preview_cannot_be_committed(client, world):
    client.force_login(world.county_officer)
    preview = upload(client, xlsx_bytes([row_cells(seq=1)]))
    age(RosterImport.objects.get(), 8)
    rosters_purge()

    response = client.post(preview.url, {"mode": "all"}, follow=True)

    assert "请重新上传" in response.content.decode()
    assert not Teacher.objects.filter(name="李明").exists()


def test_a_recent_upload_of_the_same_file_keeps_it(client, world):
    client.force_login(world.county_officer)
    content = xlsx_bytes([row_cells(seq=1)])
    upload(client, content)
    old = RosterImport.objects.get()
    age(old, 8)
    upload(client, content)  # the same bytes again, today

    assert rosters_purge() == 0

    assert stored_path(old.sha256, old.filename).exists()
    assert not RosterImport.objects.filter(file_expired_at__isnull=False).exists()
    assert not AuditLog.objects.filter(action=PURGED).exists()


def test_a_second_purge_finds_nothing_and_run_periodic_purges_rosters(client, world, capsys):
    client.force_login(world.county_officer)
    upload(client, xlsx_bytes([row_cells(seq=1)]))
    age(RosterImport.objects.get(), 8)

    call_command("run_periodic")
    call_command("run_periodic")

    out = capsys.readouterr().out
    assert "rosters_purged=1" in out
    assert "rosters_purged=0" in out
    assert AuditLog.objects.filter(action=PURGED).count() == 1


def test_an_unwritable_storage_is_a_message_on_the_upload_page_and_an_audit_row(client, world, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"  # unwritable even for root
    client.force_login(world.county_officer)

    response = upload(client, xlsx_bytes([row_cells(seq=1)]))

    assert response.status_code == 503
    assert UNWRITABLE in response.content.decode()
    assert not RosterImport.objects.exists()
    entry = AuditLog.objects.get(action=WRITE_FAILED)
    assert (entry.actor, entry.scope_path) == (world.county_officer, world.county_a.path)


def test_a_purge_with_nothing_due_costs_one_query(client, world, django_assert_num_queries):
    client.force_login(world.county_officer)
    upload(client, xlsx_bytes([row_cells(seq=1)]))

    with django_assert_num_queries(1):
        assert rosters_purge() == 0
