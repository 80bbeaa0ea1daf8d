"""When the file store is down while an inspector records findings with evidence, the page comes
back with the grades and comments the inspector typed, the clear error and a word that the files
must be chosen again; nothing is saved (all or nothing, as before)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.core import storage_files
from tisheng.practice.services.evidence import small_pdf
from tisheng.supervision.models import Finding

pytestmark = pytest.mark.django_db

UNWRITABLE = "文件保存失败：存储不可写，请联系管理员。"
KEPT = "您填写的评定和意见已保留在下方，请重新选择佐证文件后再保存。"


def test_a_store_that_is_down_keeps_the_grades_and_comments_the_inspector_typed(
        client, settings, tmp_path, inspector, inspection_a, monkeypatch):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    storage = storage_files.private_storage()

    def down(self, name, content):
        raise OSError(110, "Connection timed out")

    monkeypatch.setattr(type(storage), "_save", down)
    first, second = (i["code"] for i in inspection_a.round.indicators[:2])
    client.force_login(inspector)

    response = client.post(reverse("supervision:inspection_findings", args=[inspection_a.pk]), {
        f"grade_{first}": "good", f"comment_{first}": "台账齐全，抽查三所学校均达标",
        f"grade_{second}": "fail", f"comment_{second}": "校本研修记录缺失两个学期",
        f"files_{first}": SimpleUploadedFile("现场.pdf", small_pdf("现场"), "application/pdf")})

    assert response.status_code == 400  # the form again, not a redirect that drops what was typed
    page = response.content.decode()
    assert UNWRITABLE in page
    assert KEPT in page
    assert "台账齐全，抽查三所学校均达标" in page
    assert "校本研修记录缺失两个学期" in page
    assert '<option value="fail" selected>' in page
    assert not Finding.objects.exists()
