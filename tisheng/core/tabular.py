"""The one writer of spreadsheet cells: every .xlsx and .csv the platform hands out is written here.

Names, filters and notes come from outside (a roster, a search box), and a spreadsheet
program runs a cell that starts with `=`, `+`, `-` or `@` as a formula: a teacher imported as
`=HYPERLINK("http://evil","x")` would be a live link in every export that lists them, and
`=cmd|' /C calc'!A0` a DDE command. `cell_value` neutralises such text the way OWASP's CSV
injection sheet recommends (a leading single quote, also before a tab or a carriage return)
and drops the control characters an .xlsx cannot hold (openpyxl would raise on them, failing
the whole export for one bad name). Only text is touched: an int, float, Decimal, date or
bool stays what it is, so numbers stay numbers; the string "-3" is text and gets its quote.

In an .xlsx every text cell is also written with type 's' (a string), never 'f' (a formula),
whatever it starts with. A test scans the code for workbooks or CSV writers made anywhere
else (core/tests/test_tabular.py).

    book = XlsxBook(title="Teachers", widths=[10, 20])
    book.append(["Name", "ID"], font=BOLD)
    book.append([teacher.name, masked])
    book.save(out)          # or book.to_bytes()
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# OWASP: "=", "+", "-", "@", tab (0x09) and carriage return (0x0D) start a formula somewhere.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
BOLD = Font(bold=True)

_PLAIN = (int, float, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta)


def cell_value(value: Any) -> Any:
    """What may go into a cell: numbers, dates, booleans and None as they are, anything else
    as text that cannot start a formula."""
    if value is None or isinstance(value, _PLAIN):  # bool is an int
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # also lazy translations, enums
    if text.startswith(FORMULA_TRIGGERS):
        return QUOTE + text
    return text


class XlsxBook:
    """One sheet of an .xlsx. `streaming` (openpyxl's write-only mode) keeps memory flat for
    any number of rows; without it the sheet can be styled after the fact (`worksheet`:
    drop-downs, frozen panes, number formats; never values)."""

    def __init__(self, *, title: str = "", widths: Iterable[float | None] = (), streaming: bool = True):
        self.streaming = streaming
        self._book = Workbook(write_only=streaming)
        if streaming:
            self.worksheet: Worksheet = self._book.create_sheet(title=_sheet_title(title) or None)
        else:
            self.worksheet = self._book.active
            if title:
                self.worksheet.title = _sheet_title(title)
        # Column widths must come before the first row in write-only mode.
        for index, width in enumerate(widths):
            if width:
                self.worksheet.column_dimensions[get_column_letter(index + 1)].width = width

    def add_sheet(self, *, title: str, widths: Iterable[float | None] = ()) -> None:
        """Start another sheet; later rows go there (a summary sheet, then a detail sheet)."""
        self.worksheet = self._book.create_sheet(title=_sheet_title(title) or None)
        for index, width in enumerate(widths):
            if width:
                self.worksheet.column_dimensions[get_column_letter(index + 1)].width = width

    def append(self, values: Iterable[Any], *, font: Font | None = None) -> None:
        """One row; every value through `cell_value`, every text cell typed as a string."""
        if self.streaming:
            self.worksheet.append([self._cell(value, font) for value in values])
            return
        self.worksheet.append([cell_value(value) for value in values])
        for cell in self.worksheet[self.worksheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING
            if font is not None and cell.value is not None:
                cell.font = font

    def _cell(self, value: Any, font: Font | None) -> Any:
        value = cell_value(value)
        if not isinstance(value, str) and font is None:
            return value
        cell = WriteOnlyCell(self.worksheet, value=value)
        if isinstance(value, str):
            cell.data_type = TYPE_STRING
        if font is not None:
            cell.font = font
        return cell

    def save(self, out: IO[bytes]) -> None:
        self._book.save(out)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.save(out)
        return out.getvalue()


def _sheet_title(title: str) -> str:
    """A title Excel accepts: no []:*?/\\, at most 31 characters."""
    return "".join(c for c in str(title) if c not in "[]:*?/\\")[:31]


class CsvWriter:
    """csv.writer with every value through `cell_value` (numbers written as numbers)."""

    def __init__(self, out: IO[str], **fmtparams: Any):
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow(["" if v is None else cell_value(v) for v in values])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
