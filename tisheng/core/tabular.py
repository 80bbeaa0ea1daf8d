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

And the one reader of uploaded spreadsheets: `read_table(content, filename, max_bytes=…)` turns an
.xlsx or .csv someone uploads (a roster, another platform's export of hours) into rows of cells,
or raises `TabularFileError` with a message for the user before anything is stored:

- size first (`max_bytes`, before a byte is parsed); an old .xls (OLE2) is named as such;
- .xlsx: it must be a zip holding xl/workbook.xml, and `core.officefiles.check_office_zip` reads
  it once before calamine does (zip bombs, overlapping members, sheets declaring a huge
  rectangle: calamine would allocate A1:XFD1048576 whole and abort the process); then
  python-calamine reads the first sheet (ten times openpyxl's speed, DESIGN.md);
- .csv: UTF-8 (with or without BOM), GBK or GB18030 as Chinese Excel saves it; NUL bytes,
  UTF-16 and control characters are refused (a binary file renamed .csv).

`header_key` is how a header cell is matched against a table of aliases (full-width folded,
spaces and a leading or trailing * or （必填） mark dropped); `cell_text` is a cell as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tisheng.core import idcard, officefiles

# OWASP: "=", "+", "-", "@", tab (0x09) and carriage return (0x0D) start a formula somewhere.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
BOLD = Font(bold=True)

_PLAIN = (int, float, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta)
# The number formats openpyxl gives these (datetime before date: a datetime is a date too).
_DATE_FORMATS = {dt.datetime: "yyyy-mm-dd h:mm:ss", dt.date: "yyyy-mm-dd", dt.time: "h:mm:ss",
                 dt.timedelta: "[hh]:mm:ss"}
MAX_ROWS = 1_048_576  # an .xlsx sheet's rows
SPOOL_BYTES = 8 * 1024 * 1024  # a finished workbook up to this size stays in memory, a larger one on disk
CHUNK_BYTES = 1024 * 1024


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
    """An .xlsx of one or more sheets, rows appended in order.

    `streaming` (the default) writes with xlsxwriter in its constant-memory mode: each row goes to
    a temporary file as it comes, so memory stays flat for any number of rows, and a cell costs a
    fraction of what openpyxl's write-only mode spends on it (a county's 职称 workbook: 50,000
    training lines; bench/bench_xlsx_writer.py measures both in one run). Without it the book is an
    openpyxl workbook that can be styled after the fact (`worksheet`: drop-downs, frozen panes,
    number formats; never values) — the roster template is the one that needs that."""

    def __init__(self, *, title: str = "", widths: Iterable[float | None] = (), streaming: bool = True):
        self.streaming = streaming
        if streaming:
            self._out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by save
            # The rows' temporary files live in a folder of the book's own: removed when it is saved,
            # or when the book is dropped half-written (an export that failed), by the folder's finalizer.
            self._rows_dir = tempfile.TemporaryDirectory(prefix="tisheng-xlsx-")
            self._writer = xlsxwriter.Workbook(self._out, {
                "constant_memory": True, "tmpdir": self._rows_dir.name,
                # Text is text: never read as a formula, a number or a link, whatever it looks like.
                "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
                "remove_timezone": True})
            self._formats: dict[tuple, Any] = {}
            self.add_sheet(title=title, widths=widths)
            return
        self._book = Workbook()
        self.worksheet: Worksheet = self._book.active
        if title:
            self.worksheet.title = _sheet_title(title)
        for index, width in enumerate(widths):
            if width:
                self.worksheet.column_dimensions[get_column_letter(index + 1)].width = width

    def add_sheet(self, *, title: str, widths: Iterable[float | None] = ()) -> None:
        """Start another sheet; later rows go there (a summary sheet, then a detail sheet)."""
        if not self.streaming:
            self.worksheet = self._book.create_sheet(title=_sheet_title(title) or None)
            for index, width in enumerate(widths):
                if width:
                    self.worksheet.column_dimensions[get_column_letter(index + 1)].width = width
            return
        self._title, self._widths, self._part = title, list(widths), 1
        self._new_sheet(title)

    def _new_sheet(self, title: str) -> None:
        # Excel refuses a name that begins or ends with an apostrophe, and two sheets of one name
        # (in any case): the second becomes "name (2)", as a spreadsheet program would name it.
        name = base = _sheet_title(title).strip("'")
        taken = {sheet.name.lower() for sheet in self._writer.worksheets()}
        number = 1
        while name and name.lower() in taken:
            number += 1
            name = f"{base[:26]} ({number})"
        self._sheet = self._writer.add_worksheet(name or None)
        self._row = 0
        for index, width in enumerate(self._widths):
            if width:
                self._sheet.set_column(index, index, width)

    def append(self, values: Iterable[Any], *, font: Font | None = None) -> None:
        """One row; every value through `cell_value`, every text cell typed as a string."""
        if not self.streaming:
            self.worksheet.append([cell_value(value) for value in values])
            for cell in self.worksheet[self.worksheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = TYPE_STRING
                if font is not None and cell.value is not None:
                    cell.font = font
            return
        if self._row >= MAX_ROWS:  # the sheet is full: the rows go on in the next, "…（续2）" and so on
            self._part += 1
            self._new_sheet(f"{_sheet_title(self._title)[:24]}（续{self._part}）")
        sheet, row, style = self._sheet, self._row, (font.b, font.sz) if font is not None else None
        plain = self._format(style, None)
        for col, value in enumerate(values):
            value = cell_value(value)
            if value is None or value == "":  # an empty cell, as openpyxl leaves it
                continue
            if isinstance(value, str):
                sheet.write_string(row, col, value, plain)
            elif isinstance(value, bool):
                sheet.write_boolean(row, col, value, plain)
            elif isinstance(value, int | float | Decimal):
                if math.isfinite(float(value)):
                    sheet.write_number(row, col, value, plain)
                else:  # Excel has no NaN or infinity (nor a Decimal beyond a float's range)
                    sheet.write_string(row, col, str(value), plain)
            else:  # a date, datetime, time or timedelta: a number with the matching format, as openpyxl writes it
                kind = next(k for k in _DATE_FORMATS if isinstance(value, k))
                sheet.write_datetime(row, col, value, self._format(style, kind))
        self._row += 1

    def _format(self, style: tuple | None, kind: type | None) -> Any:
        """xlsxwriter's format for a font (bold, size) and a date kind, made once per book."""
        if style is None and kind is None:
            return None
        key = (style, kind)
        if key not in self._formats:
            spec: dict[str, Any] = {}
            if style is not None:
                bold, size = style
                spec.update({"bold": bool(bold)}, **({"font_size": size} if size else {}))
            if kind is not None:
                spec["num_format"] = _DATE_FORMATS[kind]
            self._formats[key] = self._writer.add_format(spec)
        return self._formats[key]

    def save(self, out: IO[bytes]) -> None:
        if not self.streaming:
            self._book.save(out)
            return
        self._writer.close()
        self._rows_dir.cleanup()
        self._out.seek(0)
        shutil.copyfileobj(self._out, out, CHUNK_BYTES)
        self._out.close()

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


# Reading uploaded spreadsheets -----------------------------------------------------------------


FILE_TOO_LARGE = gettext_noop("The file is larger than %(limit)s MB")
FILE_TYPE_UNSUPPORTED = gettext_noop("Only .xlsx and .csv files can be imported")
FILE_IS_OLD_XLS = gettext_noop("This is an old .xls workbook; save it as .xlsx in Excel and upload it again")
FILE_NOT_XLSX = gettext_noop("The file is not a valid .xlsx workbook")
FILE_BAD_ENCODING = gettext_noop("The CSV file must be encoded as UTF-8 or GBK")

OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
ZIP_MAGIC = b"PK\x03\x04"
_REQUIRED_MARK = re.compile(r"^[*＊]+|[*＊]+$|[(（]必填[)）]$")
# Unicode's control characters (category Cc: C0, DEL and C1) but tab, CR and LF: a text file
# never holds them, a binary one renamed .csv does. One regex pass over the text (the character
# by character unicodedata loop it replaced was most of reading a 100,000-row CSV).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class TabularFileError(Exception):
    """A file that cannot be read at all; `message` is for the user, in their language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Table:
    rows: list[list[Any]]  # the first sheet's cells as read (calamine's types) or CSV text
    merged_header: bool  # row 1 merges cells (an .xlsx only)


def cell_text(value: object) -> str:
    """A cell as text: number cells lose Excel's ".0" (codes and phones are typed as
    numbers), dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def header_key(cell: Any) -> str:
    """A header cell as the key of an alias table: 「＊身份证号（必填）」 → 「身份证号」."""
    text = "".join(idcard.normalize_text(cell_text(cell)).split())
    return _REQUIRED_MARK.sub("", text)


def file_extension(filename: str) -> str:
    name = filename.lower()
    for ext in ("xlsx", "csv", "xls"):
        if name.endswith("." + ext):
            return ext
    return ""


def check_size(size: int, max_bytes: int) -> None:
    """Refuse a file over `max_bytes` before reading a byte of it."""
    if size > max_bytes:
        raise TabularFileError(_(FILE_TOO_LARGE) % {"limit": f"{max_bytes / 1024 / 1024:g}"})


def read_table(content: bytes, filename: str, *, max_bytes: int) -> Table:
    """The first sheet of an uploaded .xlsx or .csv; TabularFileError when unusable."""
    check_size(len(content), max_bytes)
    ext = file_extension(filename)
    if ext == "xls" or (ext == "xlsx" and content[:4] == OLE2_MAGIC):
        raise TabularFileError(_(FILE_IS_OLD_XLS))
    if ext == "xlsx":
        return xlsx_table(content)
    if ext == "csv":
        return Table(rows=csv_table(content), merged_header=False)
    raise TabularFileError(_(FILE_TYPE_UNSUPPORTED))


def xlsx_table(content: bytes) -> Table:
    if not content.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(content)):
        raise TabularFileError(_(FILE_NOT_XLSX))
    # The guard before calamine: a sheet declaring A1:XFD1048576 would make it allocate the
    # whole rectangle and abort the process, whatever is caught here.
    try:
        summary = officefiles.check_office_zip(content)
    except officefiles.OfficeFileRefused as refused:
        raise TabularFileError(refused.message()) from refused
    if "xl/workbook.xml" not in summary.names:
        # calamine would try other formats (.ods, .xlsb) whose repeats the guard does not count.
        raise TabularFileError(_(FILE_NOT_XLSX))
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        merged = sheet.merged_cell_ranges
        pad = [""] * (sheet.start[1] if sheet.start else 0)
        rows = [pad + list(r) for r in sheet.iter_rows()] if pad else [list(r) for r in sheet.iter_rows()]
    except Exception as exc:  # calamine raises its own error types and plain ones on broken zips
        raise TabularFileError(_(FILE_NOT_XLSX)) from exc
    if merged is None:
        merged_header = merged_header_from_xml(content)
    else:
        merged_header = any(start[0] == 0 for start, _end in merged)
    return Table(rows=rows, merged_header=merged_header)


def merged_header_from_xml(content: bytes) -> bool:
    """Whether the first sheet merges cells in row 1 (read from its <mergeCells>, tiny)."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        names = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
        if not names:
            return False
        xml = z.read(names[0]).decode("utf-8", "replace")
    return any(re.match(r"[A-Z]+1$", ref) for ref in re.findall(r'<mergeCell ref="([A-Z]+\d+):', xml))


def csv_table(content: bytes) -> list[list[str]]:
    # UTF-16 (with its BOM) and binary files contain NUL bytes; a UTF-8 or GBK file never does.
    if content[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in content:
        raise TabularFileError(_(FILE_BAD_ENCODING))
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TabularFileError(_(FILE_BAD_ENCODING))
    if _CONTROL.search(text):
        raise TabularFileError(_(FILE_BAD_ENCODING))
    return list(csv.reader(io.StringIO(text, newline="")))
