"""The template's sample row (张三) is there to show the format: a school that downloads the
template, adds its teachers below the sample and uploads it never imports 张三 as a teacher."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tisheng.people.models import RosterImport, Teacher
from tisheng.people.services.roster_files import RosterFileError
from tisheng.people.services.roster_import import SAMPLE_ROW_ONLY, roster_file_run
from tisheng.people.services.roster_reports import EXAMPLE_ROW
from tisheng.people.tests.test_roster_helpers import make_id, row_cells, xlsx_bytes


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def filled_template(client, rows: list[list]) -> bytes:
    """The downloaded template with `rows` typed in below the sample row, saved as Excel would."""
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("people:roster_template")).content))
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_marks_its_sample_row_unmistakably(client, world):
    client.force_login(world.county_officer)

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(reverse("people:roster_template")).content)).active

    assert sheet["A2"].value.startswith("【示例】")
    assert sheet["A2"].font.italic
    assert "不会导入" in sheet["A2"].comment.text


def test_a_filled_in_template_that_keeps_the_sample_row_imports_only_the_real_teachers(client, world):
    client.force_login(world.county_officer)
    content = filled_template(client, [row_cells(seq=7, name="林晓")])

    preview = client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile("花名册.xlsx", content)})
    page = client.get(preview.url).content.decode()
    committed = client.post(preview.url, {"mode": "all"}, follow=True).content.decode()

    assert "第 2 行是模板中的示例行" in page
    assert RosterImport.objects.get(committed=False).error_count == 0
    assert Teacher.objects.filter(name="林晓").exists()
    assert not Teacher.objects.filter(name__contains="张三").exists()
    assert not Teacher.objects.filter(id_last4=EXAMPLE_ROW[1][-4:], school=world.school_a).exists()
    assert "花名册导入成功" in committed
    assert "第 2 行是模板中的示例行" in committed


def test_an_old_template_sample_row_without_the_mark_is_skipped_too(world):
    old_sample = ["张三", *EXAMPLE_ROW[1:]]

    outcome = roster_file_run(actor=world.county_officer, content=xlsx_bytes([old_sample, row_cells(seq=3)]),
                              filename="a.xlsx", mode=RosterImport.Mode.ALL_OR_NOTHING, record=False)

    assert outcome.committed
    assert outcome.counts.created == 1
    assert outcome.sample_rows == [2]
    assert not Teacher.objects.filter(name="张三").exists()


def test_a_real_teacher_who_shares_the_sample_name_is_imported(world):
    outcome = roster_file_run(actor=world.county_officer, content=xlsx_bytes([row_cells(seq=4, name="张三")]),
                              filename="a.xlsx", mode=RosterImport.Mode.ALL_OR_NOTHING, record=False)

    assert outcome.sample_rows == []
    assert Teacher.objects.filter(name="张三", id_last4=make_id(4)[-4:]).exists()


def test_a_template_with_only_the_sample_row_says_there_is_nothing_to_import(client, world):
    client.force_login(world.county_officer)
    content = filled_template(client, [])

    response = client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile("花名册.xlsx", content)})

    assert response.status_code == 400
    assert "只有模板中的示例行" in response.content.decode()
    assert not RosterImport.objects.exists()
    with pytest.raises(RosterFileError):
        roster_file_run(actor=world.county_officer, content=content, filename="a.xlsx",
                        mode=RosterImport.Mode.DRY_RUN, record=False)
    assert str(SAMPLE_ROW_ONLY)
