"""Every spreadsheet cell the platform writes goes through core.tabular, which writes text that
starts a formula as text (OWASP CSV injection) and keeps numbers as numbers."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tisheng.core.tabular import BOLD, CsvWriter, XlsxBook, cell_value

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil","x")', "+1+1", "-3", "@SUM(A1)", "\t=1", "\r=1",
                                  "=cmd|' /C calc'!A0"])
def test_text_that_would_start_a_formula_gets_a_leading_quote(text):
    assert cell_value(text) == "'" + text


@pytest.mark.parametrize("value", [-3, 2.5, Decimal("-12.5"), dt.date(2026, 1, 2), dt.time(3, 4),
                                   True, None, 0])
def test_numbers_dates_and_booleans_are_kept_as_they_are(value):
    assert cell_value(value) is value


def test_ordinary_text_is_unchanged_and_control_characters_an_xlsx_cannot_hold_are_dropped():
    assert cell_value("林晓燕") == "林晓燕"
    assert cell_value("a\x01b\x1fc") == "abc"


@pytest.mark.parametrize("streaming", [True, False])
def test_an_xlsx_written_by_the_book_has_no_formula_cells(streaming):
    book = XlsxBook(title="导出", widths=[10, 10], streaming=streaming)
    book.append(["=1+1", -3, "-3", Decimal("2.5"), dt.date(2026, 1, 2)])
    content = book.to_bytes()
    cells = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows())[0]
    assert [c.data_type for c in cells] == ["s", "n", "s", "n", "d"]
    assert [c.value for c in cells][:4] == ["'=1+1", -3, "'-3", 2.5]


@pytest.mark.parametrize("streaming", [True, False])
def test_text_that_reads_like_an_excel_error_stays_text(streaming):
    book = XlsxBook(title="导出", streaming=streaming)
    book.append(["#N/A", "#DIV/0!", "林晓燕"])
    cells = list(load_workbook(io.BytesIO(book.to_bytes())).worksheets[0].iter_rows())[0]
    assert [(c.data_type, c.value) for c in cells] == [("s", "#N/A"), ("s", "#DIV/0!"), ("s", "林晓燕")]


def test_a_csv_written_by_the_writer_quotes_formulas_and_keeps_numbers():
    out = io.StringIO()
    CsvWriter(out).writerow(['=HYPERLINK("http://evil","x")', -3, "@x", None, Decimal("1.5")])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=HYPERLINK(\"http://evil\",\"x\")", "-3", "'@x", "",
                                                              "1.5"]


# Anything that makes a workbook or a CSV writer outside core/tabular.py (tests excepted: they
# build the files users would upload).
STRAY = re.compile(r"\bWorkbook\s*\(|\bcsv\.(writer|DictWriter)\s*\(|\.create_sheet\s*\(|openpyxl\.Workbook\b"
                   r"|from openpyxl import [^\n]*\bWorkbook\b|from csv import [^\n]*\b(writer|DictWriter)\b")


def test_no_code_outside_the_shared_writer_makes_a_spreadsheet():
    offenders = []
    scanned = sorted((ROOT / "tisheng").rglob("*.py"))
    assert len(scanned) > 100
    for path in scanned:
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in relative or relative == "tisheng/core/tabular.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if STRAY.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


# Reading: a CSV holding a control character is refused with the same message as before the
# character check became one regex pass (it was a unicodedata loop over every character).


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"])
def test_a_csv_cell_with_a_control_character_is_refused_with_the_encoding_message(character):
    from django.utils import translation

    from tisheng.core.tabular import FILE_BAD_ENCODING, TabularFileError, read_table

    content = f"姓名,身份证号\n林{character}晓燕,350102199003071234\n".encode()
    with translation.override("zh-hans"), pytest.raises(TabularFileError) as refused:
        read_table(content, "名单.csv", max_bytes=10_000)
    with translation.override("zh-hans"):
        assert refused.value.message == translation.gettext(FILE_BAD_ENCODING)


def test_tabs_line_breaks_and_ordinary_text_are_read_and_the_check_matches_unicodes_control_category():
    import unicodedata

    from tisheng.core.tabular import _CONTROL, read_table

    rows = read_table("姓名,备注\r\n林晓燕,\"两行\n\t说明\"\r\n".encode(), "名单.csv", max_bytes=10_000).rows
    assert rows == [["姓名", "备注"], ["林晓燕", "两行\n\t说明"]]
    controls = {chr(c) for c in range(0x3000) if unicodedata.category(chr(c)) == "Cc"} - set("\t\r\n")
    assert {chr(c) for c in range(0x3000) if _CONTROL.match(chr(c))} == controls


def test_a_streamed_book_keeps_every_kind_of_value_its_type_and_the_header_bold():
    morning = dt.datetime(2026, 1, 2, 8, 30)  # noqa: DTZ001 - an .xlsx holds local times without a zone
    midnight = dt.datetime(2026, 1, 2)  # noqa: DTZ001 - how a date reads back
    book = XlsxBook(title="汇总", widths=[12, 20])
    book.append(["姓名", "日期"], font=BOLD)
    book.append(["林晓燕", dt.date(2026, 1, 2), morning, dt.time(3, 4, 5), Decimal("12.5"),
                 7, 2.25, True, None, "", float("nan"), "0012"])
    book.add_sheet(title="明细", widths=[10])
    book.append(["第二页"])
    sheets = load_workbook(io.BytesIO(book.to_bytes())).worksheets
    assert [s.title for s in sheets] == ["汇总", "明细"]
    header, row = list(sheets[0].iter_rows())
    assert [c.value for c in header[:2]] == ["姓名", "日期"]
    assert all(c.font.b for c in header[:2])
    assert not row[0].font.b
    assert [c.value for c in row] == ["林晓燕", midnight, morning, dt.time(3, 4, 5),
                                      12.5, 7, 2.25, True, None, None, "nan", "0012"]
    assert row[1].number_format == "yyyy-mm-dd"
    assert sheets[0].column_dimensions["B"].width == pytest.approx(20, abs=1)
    assert sheets[1]["A1"].value == "第二页"


def test_rows_beyond_what_a_sheet_holds_go_on_in_a_continuation_sheet(monkeypatch):
    monkeypatch.setattr("tisheng.core.tabular.MAX_ROWS", 3)
    book = XlsxBook(title="培训记录")
    for n in range(7):
        book.append([n])
    sheets = load_workbook(io.BytesIO(book.to_bytes())).worksheets
    assert [s.title for s in sheets] == ["培训记录", "培训记录（续2）", "培训记录（续3）"]
    assert [[r[0] for r in s.iter_rows(values_only=True)] for s in sheets] == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_large_streamed_book_spills_to_disk_and_is_saved_whole(monkeypatch, tmp_path):
    monkeypatch.setattr("tisheng.core.tabular.SPOOL_BYTES", 1024)
    book = XlsxBook(title="大表")
    for n in range(3000):
        book.append([n, f"教师{n}", Decimal(n) / 4])
    out = tmp_path / "big.xlsx"
    with out.open("wb") as f:
        book.save(f)
    rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3000
    assert rows[-1] == (2999, "教师2999", 749.75)


def test_a_book_dropped_half_written_leaves_no_temporary_file(monkeypatch, tmp_path):
    import gc
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    book = XlsxBook(title="导出")
    book.append(["林晓燕", 1])
    book.add_sheet(title="明细")
    book.append(["陈志强", 2])
    assert any(tmp_path.rglob("*"))  # the rows are on disk while it is written
    del book  # an export that failed half-way
    gc.collect()
    assert not any(tmp_path.iterdir())
    saved = XlsxBook(title="导出")
    saved.append(["黄丽华"])
    saved.to_bytes()
    assert not any(tmp_path.iterdir())


def test_sheets_of_one_name_or_a_name_excel_refuses_are_named_as_a_spreadsheet_program_would():
    book = XlsxBook(title="明细")
    book.append([1])
    book.add_sheet(title="明细")
    book.append([2])
    book.add_sheet(title="'引号'")
    book.append([3])
    assert [s.title for s in load_workbook(io.BytesIO(book.to_bytes())).worksheets] == ["明细", "明细 (2)", "引号"]
