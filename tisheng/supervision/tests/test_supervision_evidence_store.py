"""Supervision evidence is stored before the rows that point at it and taken away again when
those rows are not written (issue 20, item 4): whatever fails after a file reached the store
(a later step of the same save, a second file the store refuses), no object is left without a
row, and the inspector reads the clear message with nothing half-saved."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.core import storage_files
from tisheng.practice.services.evidence import small_pdf
from tisheng.supervision import services
from tisheng.supervision.models import EvidenceFile, Finding, Rectification, RectificationAnswer

pytestmark = pytest.mark.django_db

UNWRITABLE = "文件保存失败：存储不可写，请联系管理员。"


@pytest.fixture
def root(settings, tmp_path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def stored(root: Path) -> list[str]:
    """Every file in the private store (half-written `.part` files included)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdf(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, small_pdf(text), "application/pdf")


class Broken(RuntimeError):
    pass


def _raise(*args, **kwargs):
    raise Broken("a later step failed")


def test_a_failure_after_the_evidence_was_stored_leaves_neither_a_row_nor_an_object(
        root, inspector, inspection_a, monkeypatch):
    first = inspection_a.round.indicators[0]["code"]
    monkeypatch.setattr(services, "audit", _raise)  # the step after the rows: the audit row

    with pytest.raises(Broken):
        services.findings_record(actor=inspector, inspection=inspection_a,
                                 entries=[{"indicator": first, "grade": "good", "comment": "现场查看"}],
                                 files={first: [pdf("现场.pdf", "现场照片")]})

    assert not Finding.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert stored(root) == []


def test_an_answer_whose_notification_fails_takes_its_files_away_again(
        world, root, inspector, inspection_a, monkeypatch):
    item = services.rectification_add(actor=world.province_officer, inspection=inspection_a,
                                      description="补齐培训台账", owner=world.county_officer,
                                      deadline=inspection_a.round.ends_on)
    monkeypatch.setattr(services, "notify_many", _raise)

    with pytest.raises(Broken):
        services.rectification_answer(actor=world.county_officer, item=item, text="已补齐",
                                      files=[pdf("台账.pdf", "台账"), pdf("照片.pdf", "照片")])

    assert not RectificationAnswer.objects.exists()
    assert Rectification.objects.get().status == Rectification.Status.OPEN
    assert stored(root) == []


def test_a_store_that_fails_on_the_second_file_is_the_clear_message_and_nothing_is_half_saved(
        client, root, inspector, inspection_a, monkeypatch):
    codes = [i["code"] for i in inspection_a.round.indicators]
    storage = storage_files.private_storage()
    real_save, calls = type(storage)._save, []

    def save_once(self, name, content):
        calls.append(name)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real_save(self, name, content)

    monkeypatch.setattr(type(storage), "_save", save_once)
    client.force_login(inspector)
    data = {f"grade_{c}": "good" for c in codes}
    data[f"files_{codes[0]}"] = pdf("现场一.pdf", "一")
    data[f"files_{codes[1]}"] = pdf("现场二.pdf", "二")

    response = client.post(reverse("supervision:inspection_findings", args=[inspection_a.pk]), data, follow=True)

    assert UNWRITABLE in response.content.decode()
    assert len(calls) == 2
    assert not Finding.objects.exists()  # the grades wait for the files: all or nothing
    assert not EvidenceFile.objects.exists()
    assert stored(root) == []
