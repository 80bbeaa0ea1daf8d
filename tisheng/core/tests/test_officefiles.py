"""The Office-file guard refuses what would exhaust a parser, having read only the archive."""

import io
import zipfile

import openpyxl
import pytest

from tisheng.core import officefiles
from tisheng.core.officefiles import OfficeFileRefused
from tisheng.core.tests import hostile_files as hostile


def refusal(content: bytes, **limits) -> OfficeFileRefused:
    with pytest.raises(OfficeFileRefused) as caught:
        officefiles.check_office_zip(content, limits=officefiles.Limits(**limits) if limits else officefiles.DEFAULT_LIMITS)
    return caught.value


def test_the_issue_workbook_is_1_6_kb_and_refused_for_its_range():
    content = hostile.corner_cells_xlsx()
    assert len(content) < 2048
    refused = refusal(content)
    assert refused.msgid == officefiles.SHEET_TOO_LARGE
    assert refused.reason == officefiles.TOO_LARGE
    assert (refused.params["rows"], refused.params["columns"]) == ("1,048,576", "16,384")


def test_a_sheet_without_a_dimension_is_measured_by_the_cells_it_holds():
    refused = refusal(hostile.corner_cells_xlsx(dimension=None))
    assert refused.msgid == officefiles.SHEET_TOO_LARGE


def test_a_dimension_that_understates_the_cells_is_not_believed():
    refused = refusal(hostile.corner_cells_xlsx(dimension="A1:B2"))
    assert refused.msgid == officefiles.SHEET_TOO_LARGE


def test_a_declared_dimension_over_the_limit_is_refused_even_with_few_cells():
    content = hostile.xlsx(hostile.sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD1048576"))
    assert refusal(content).msgid == officefiles.SHEET_TOO_LARGE


def test_cells_placed_by_position_count_like_cells_with_references():
    # No r attributes on the cells: the last row is 1,048,576 and it holds ten cells (A..J).
    rows = '<row><c><v>1</v></c></row><row r="1048576">' + "<c><v>1</v></c>" * 10 + "</row>"
    refused = refusal(hostile.xlsx(hostile.sheet_xml(rows)))
    assert refused.params["rows"] == "1,048,576"


def test_prefixed_element_names_are_read_too():
    sheet = ('<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
             '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
             '<x:row r="900000"><x:c r="Z900000"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    assert refusal(hostile.xlsx(sheet)).msgid == officefiles.SHEET_TOO_LARGE


def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_it_is_inflated():
    content = hostile.zip_bomb(megabytes=64)
    assert len(content) < 200_000
    refused = refusal(content)
    assert refused.msgid == officefiles.RATIO_TOO_HIGH
    assert refused.reason == officefiles.TOO_LARGE


def test_the_total_uncompressed_size_is_capped():
    refused = refusal(hostile.zip_bomb(megabytes=3), max_total_bytes=2 * 1024 * 1024, max_ratio=10_000)
    assert refused.msgid == officefiles.TOO_LARGE_UNCOMPRESSED


def test_a_member_that_inflates_to_more_than_it_declares_is_refused():
    content = hostile.with_sizes_lowered(hostile.zip_bomb(megabytes=2), "xl/worksheets/sheet1.xml", 1000)
    refused = refusal(content)
    assert refused.msgid == officefiles.BAD_MEMBER
    assert refused.reason == officefiles.DAMAGED


def test_entries_sharing_one_body_are_refused():
    assert refusal(hostile.overlapping(hostile.corner_cells_xlsx())).msgid == officefiles.HIDDEN_DATA


@pytest.mark.parametrize("wrap", [
    lambda z: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + z,
    lambda z: z + b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
])
def test_a_polyglot_with_data_before_or_after_the_archive_is_refused(wrap):
    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert refusal(wrap(buffer.getvalue())).msgid in (officefiles.HIDDEN_DATA, officefiles.NOT_A_ZIP)


def test_a_document_type_declaration_is_refused():
    sheet = ('<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">]>'
             '<worksheet><sheetData><row r="1"><c r="A1"><v>&a;</v></c></row></sheetData></worksheet>')
    assert refusal(hostile.xlsx(sheet)).msgid == officefiles.DOCTYPE_FOUND


def test_too_many_parts_are_refused_from_the_end_record():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in range(30):
            z.writestr(f"part{n}.xml", "<a/>")
    assert refusal(out.getvalue(), max_members=20).msgid == officefiles.TOO_MANY_MEMBERS


def test_a_workbook_excel_would_write_passes_and_lists_its_parts():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for n in range(1, 2001):
        sheet.append([f"教师{n}", "350102198503121234", n, -n, "=SUM(A1:A2)"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    summary = officefiles.check_office_zip(buffer.getvalue())
    assert "xl/worksheets/sheet1.xml" in summary.names


def test_a_docx_passes(tmp_path):
    from tisheng.practice.services.evidence import small_docx

    path = tmp_path / "a.docx"
    path.write_bytes(small_docx("教学反思\n第二段"))
    assert "word/document.xml" in officefiles.check_office_zip(path).names


def test_a_refusal_reads_in_chinese(settings):
    from django.utils import translation

    with translation.override("zh-hans"):
        message = refusal(hostile.corner_cells_xlsx()).message()
    assert message.startswith("表格范围过大")
