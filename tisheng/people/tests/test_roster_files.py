import datetime as dt

import pytest

from tisheng.people.services.roster import CANONICAL_HEADERS, roster_validate
from tisheng.people.services.roster_files import RosterFileError, read_roster
from tisheng.people.tests.test_roster_helpers import csv_bytes, make_id, row_cells, xlsx_bytes


def reason(content: bytes, filename: str) -> str:
    with pytest.raises(RosterFileError) as caught:
        read_roster(content, filename)
    return caught.value.message


def test_an_xlsx_roster_is_read_with_row_numbers_as_in_the_spreadsheet():
    content = xlsx_bytes([row_cells(seq=1), [None] * 9, row_cells(seq=2)])

    parsed = read_roster(content, "花名册.xlsx")

    assert [r["_row"] for r in parsed.rows] == [2, 4]
    assert parsed.rows[1]["身份证号"] == make_id(2)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_rosters_are_read_in_utf8_with_or_without_bom_and_in_gbk(encoding):
    parsed = read_roster(csv_bytes([row_cells()], encoding=encoding), "roster.csv")

    assert parsed.rows[0]["姓名"] == "李明"
    assert parsed.rows[0]["任教学段"] == "小学"


def test_common_header_aliases_are_accepted_and_errors_name_the_header_as_written(world):
    headers = ["姓名", "证件号码", "联系电话", "学校标识码", "学段", "任教科目", "专业技术职称", "参加工作日期", "在职状态"]
    parsed = read_roster(xlsx_bytes([row_cells(phone="12345")], headers=headers), "roster.xlsx")

    _records, errors = roster_validate(parsed.rows, actor=None, header_labels=parsed.header_labels)

    assert [(e.row, e.column, e.reason) for e in errors] == [(2, "联系电话", "手机号码格式不正确")]


def test_a_file_missing_headers_names_the_missing_ones():
    headers = ["姓名", "学校代码", "任教学段", "任教学科", "职称", "参加工作时间", "状态"]

    message = reason(xlsx_bytes([["李明", "1", "小学", "数学", "", "", ""]], headers=headers), "roster.xlsx")

    assert message == "缺少表头：身份证号、手机号码"


def test_a_misspelled_header_is_named_as_not_recognized():
    headers = ["姓名", "身份证号码X", "手机号码", "学校代码", "任教学段", "任教学科", "职称", "参加工作时间", "状态"]

    message = reason(xlsx_bytes([row_cells()], headers=headers), "roster.xlsx")

    assert message == "缺少表头：身份证号；未识别的表头：身份证号码X"


def test_merged_header_cells_are_refused():
    assert reason(xlsx_bytes([row_cells()], merge="A1:B1"), "roster.xlsx") == "表头含有合并单元格，请取消合并，每列一个表头"


def test_an_empty_sheet_is_refused():
    assert reason(xlsx_bytes([], headers=[]), "roster.xlsx") == "工作表为空"


def test_headers_without_rows_are_refused():
    assert reason(xlsx_bytes([]), "roster.xlsx") == "工作表只有表头，没有教师数据"


def test_an_old_xls_renamed_to_xlsx_is_refused():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

    assert reason(ole2, "roster.xlsx") == "这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后重新上传"


@pytest.mark.parametrize("content", [b"just some text", b"PK\x03\x04 broken zip"])
def test_anything_that_is_not_a_zip_is_refused_as_xlsx(content):
    assert reason(content, "roster.xlsx") == "文件不是有效的 .xlsx 工作簿"


@pytest.mark.parametrize("content", [
    "姓名,身份证号\r\n李明,1\r\n".encode("utf-16"),
    bytes(range(256)) * 4,
])
def test_a_csv_that_is_neither_utf8_nor_gbk_is_refused(content):
    assert reason(content, "roster.csv") == "CSV 文件须为 UTF-8 或 GBK 编码"


def test_other_file_types_are_refused():
    assert reason(b"%PDF-1.4", "roster.pdf") == "仅支持导入 .xlsx 和 .csv 文件"


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 1024 * 1024

    assert reason(b"x" * (1024 * 1024 + 1), "roster.csv") == "文件超过 1 MB，请拆分后分批导入"


def test_excel_dates_and_number_cells_are_understood(world):
    cells = row_cells(started=dt.date(2008, 9, 1), school=3501020001, phone=13912345678)
    parsed = read_roster(xlsx_bytes([cells]), "roster.xlsx")

    records, errors = roster_validate(parsed.rows, actor=None)

    assert errors == []
    assert (records[0].started_work, records[0].phone) == (dt.date(2008, 9, 1), "13912345678")


def test_canonical_headers_are_the_template_headers():
    assert CANONICAL_HEADERS == ("姓名", "身份证号", "手机号码", "学校代码", "任教学段", "任教学科", "职称", "参加工作时间", "状态")


def test_merged_header_cells_are_also_found_in_the_sheet_xml():
    from tisheng.people.services.roster_files import _merged_header_from_xml

    assert _merged_header_from_xml(xlsx_bytes([row_cells()], merge="B1:C1"))
    assert not _merged_header_from_xml(xlsx_bytes([row_cells()], merge="B2:C2"))
    assert not _merged_header_from_xml(xlsx_bytes([row_cells()]))


def test_a_merged_data_cell_is_not_a_header_problem(world):
    parsed = read_roster(xlsx_bytes([row_cells(seq=1), row_cells(seq=2)], merge="J2:K3"), "roster.xlsx")

    assert len(parsed.rows) == 2
