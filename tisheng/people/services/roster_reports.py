"""The spreadsheets the roster import hands out: the template and the error report."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from tisheng.core.tabular import XlsxBook
from tisheng.people import roster_columns
from tisheng.people.choices import Title
from tisheng.people.models import RosterImport
from tisheng.people.services.roster import CANONICAL_HEADERS
from tisheng.people.services.roster_files import RosterFileError, read_roster
from tisheng.people.services.roster_import import SAMPLE_MARK, SAMPLE_NAME, SAMPLE_NATIONAL_ID, stored_content

ERRORS_ROW = gettext_noop("Row")
ERRORS_COLUMN = gettext_noop("Column")
TEMPLATE_SHEET = gettext_noop("Roster")
SAMPLE_NOTE = gettext_noop("This grey row is a sample showing the format: it is never imported. Type your teachers "
                           "below it; you may leave it or delete it.")

# What the drop-downs offer: the names schools write, all accepted by the import.
TEMPLATE_STAGES = ("幼儿园", "小学", "初中", "高中", "中职", "特殊教育")
TEMPLATE_TITLES = tuple(Title.values)
TEMPLATE_STATUSES = ("在职", "离岗", "退休", "调出")
EXAMPLE_ROW = (SAMPLE_MARK + SAMPLE_NAME, SAMPLE_NATIONAL_ID, "13800000000", "3501020001", "小学", "数学",
               "一级教师", "2008-09", "在职")


def _list_validation(values: tuple[str, ...], column: str) -> DataValidation:
    validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
    validation.add(f"{column}2:{column}100000")
    return validation


def roster_template_xlsx() -> bytes:
    """Headers, one example row, drop-downs for 任教学段 / 职称 / 状态; the ID, phone and
    school code columns are text so Excel does not turn them into numbers."""
    book = XlsxBook(title=_(TEMPLATE_SHEET), widths=(10, 22, 15, 14, 10, 12, 12, 14, 8, 16), streaming=False)
    optional = roster_columns.columns()  # the columns apps above keep (资格注册有效期至), after the required ones
    book.append([*CANONICAL_HEADERS, *(c.header for c in optional)])
    book.append([*EXAMPLE_ROW, *(c.example for c in optional)])
    sheet = book.worksheet  # layout only: text columns, drop-downs, frozen header, the sample greyed
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
    sheet["A2"].comment = Comment(_(SAMPLE_NOTE), "")
    for letter in "BCD":  # text cells for the first rows a school fills in
        for row in range(2, 1002):
            sheet[f"{letter}{row}"].number_format = "@"
    columns = {h: chr(ord("A") + i) for i, h in enumerate(CANONICAL_HEADERS)}
    for header, values in (("任教学段", TEMPLATE_STAGES), ("职称", TEMPLATE_TITLES), ("状态", TEMPLATE_STATUSES)):
        sheet.add_data_validation(_list_validation(values, columns[header]))
    sheet.freeze_panes = "A2"
    return book.to_bytes()


def roster_errors_xlsx(roster_import: RosterImport) -> bytes:
    """Row, column, reason, then the row's original cells (re-read from the stored file,
    when there is one)."""
    headers: list[str] = []
    cells_by_row: dict[int, list[str]] = {}
    content = stored_content(roster_import.sha256, roster_import.filename)
    if content is not None:
        try:
            parsed = read_roster(content, roster_import.filename)
        except RosterFileError:
            parsed = None
        if parsed is not None:
            headers = parsed.headers
            wanted = {e["row"] for e in roster_import.errors}
            cells_by_row = {r["_row"]: parsed.cells(r) for r in parsed.rows if r["_row"] in wanted}
    book = XlsxBook()
    book.append([_(ERRORS_ROW), _(ERRORS_COLUMN), pgettext("roster error", "Reason"), *headers])
    for e in roster_import.errors:
        book.append([e["row"], e["column"], e["reason"], *cells_by_row.get(e["row"], [])])
    return book.to_bytes()
