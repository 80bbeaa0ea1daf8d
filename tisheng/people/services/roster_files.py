"""Reading roster files (.xlsx, .csv) into rows keyed by the canonical headers.

Every way a file can be unusable ends in RosterFileError with a message for the user, before
anything is stored. .xlsx is read with python-calamine (fast), after core.officefiles has
checked the archive (sizes, compression, the sheets' ranges); CSV may be UTF-8 (with or
without BOM) or GBK, as Chinese Excel saves it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.core import idcard, officefiles
from tisheng.people.services.roster import (
    CANONICAL_HEADERS,
    NAME,
    NATIONAL_ID,
    PHONE,
    SCHOOL_CODE,
    STAGE,
    STARTED_WORK,
    STATUS,
    SUBJECT,
    TITLE,
    cell_text,
)

FILE_TOO_LARGE = gettext_noop("The file is larger than %(limit)s MB")
FILE_TYPE_UNSUPPORTED = gettext_noop("Only .xlsx and .csv files can be imported")
FILE_IS_OLD_XLS = gettext_noop("This is an old .xls workbook; save it as .xlsx in Excel and upload it again")
FILE_NOT_XLSX = gettext_noop("The file is not a valid .xlsx workbook")
FILE_BAD_ENCODING = gettext_noop("The CSV file must be encoded as UTF-8 or GBK")
FILE_EMPTY = gettext_noop("The sheet is empty")
FILE_NO_ROWS = gettext_noop("The sheet has headers but no teacher rows")
HEADERS_MERGED = gettext_noop("The header row contains merged cells; unmerge them and put one header per column")
HEADERS_MISSING = gettext_noop("Missing headers: %(headers)s")
HEADERS_UNKNOWN = gettext_noop("; headers not recognized: %(headers)s")
HEADERS_DUPLICATE = gettext_noop("Duplicate headers: %(headers)s")

HEADER_ALIASES: dict[str, str] = {h: h for h in CANONICAL_HEADERS} | {
    "教师姓名": NAME, "名字": NAME,
    "身份证": NATIONAL_ID, "身份证号码": NATIONAL_ID, "证件号码": NATIONAL_ID, "身份证件号": NATIONAL_ID,
    "身份证件号码": NATIONAL_ID, "公民身份号码": NATIONAL_ID,
    "手机": PHONE, "联系电话": PHONE, "手机号": PHONE, "电话": PHONE, "联系方式": PHONE,
    "学校标识码": SCHOOL_CODE, "学校编码": SCHOOL_CODE, "学校编号": SCHOOL_CODE,
    "学段": STAGE, "任教学段名称": STAGE,
    "学科": SUBJECT, "任教科目": SUBJECT, "任教学科名称": SUBJECT,
    "专业技术职称": TITLE, "职称等级": TITLE, "专业技术职务": TITLE,
    "参加工作日期": STARTED_WORK, "工作时间": STARTED_WORK, "参加工作年月": STARTED_WORK,
    "在职状态": STATUS, "人员状态": STATUS, "任职状态": STATUS,
}

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"
_REQUIRED_MARK = re.compile(r"^[*＊]+|[*＊]+$|[(（]必填[)）]$")


class RosterFileError(Exception):
    """A file that cannot be imported at all; `message` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ParsedRoster:
    headers: list[str]  # row 1 as written
    header_labels: dict[str, str]  # canonical header → as written
    rows: list[dict[str, Any]] = field(default_factory=list)  # canonical keys, plus "_row"

    def cells(self, row: dict[str, Any]) -> list[str]:
        """The row's original cells in file order, as text (for the error report)."""
        return [cell_text(c) for c in row.get("_cells", [])][:len(self.headers)]


def check_size(size: int) -> None:
    """Refuse a file over ROSTER_MAX_UPLOAD_BYTES before reading a byte of it."""
    limit = settings.ROSTER_MAX_UPLOAD_BYTES
    if size > limit:
        raise RosterFileError(_(FILE_TOO_LARGE) % {"limit": f"{limit / 1024 / 1024:g}"})


def file_extension(filename: str) -> str:
    name = filename.lower()
    for ext in ("xlsx", "csv", "xls"):
        if name.endswith("." + ext):
            return ext
    return ""


def read_roster(content: bytes, filename: str) -> ParsedRoster:
    check_size(len(content))
    ext = file_extension(filename)
    if ext == "xls" or (ext == "xlsx" and content[:4] == _OLE2_MAGIC):
        raise RosterFileError(_(FILE_IS_OLD_XLS))
    if ext == "xlsx":
        table, merged_header = _xlsx_rows(content)
    elif ext == "csv":
        table, merged_header = _csv_rows(content), False
    else:
        raise RosterFileError(_(FILE_TYPE_UNSUPPORTED))
    return _parse_table(table, merged_header)


def _xlsx_rows(content: bytes) -> tuple[list[list[Any]], bool]:
    if not content.startswith(_ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(content)):
        raise RosterFileError(_(FILE_NOT_XLSX))
    # The guard before calamine: a sheet declaring A1:XFD1048576 would make it allocate the
    # whole rectangle and abort the process, whatever is caught here.
    try:
        summary = officefiles.check_office_zip(content)
    except officefiles.OfficeFileRefused as refused:
        raise RosterFileError(refused.message()) from refused
    if "xl/workbook.xml" not in summary.names:
        # calamine would try other formats (.ods, .xlsb) whose repeats the guard does not count.
        raise RosterFileError(_(FILE_NOT_XLSX))
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        merged = sheet.merged_cell_ranges
        pad = [""] * (sheet.start[1] if sheet.start else 0)
        table = [pad + list(r) for r in sheet.iter_rows()] if pad else [list(r) for r in sheet.iter_rows()]
    except Exception as exc:  # calamine raises its own error types and plain ones on broken zips
        raise RosterFileError(_(FILE_NOT_XLSX)) from exc
    if merged is None:
        merged_header = _merged_header_from_xml(content)
    else:
        merged_header = any(start[0] == 0 for start, _end in merged)
    return table, merged_header


def _merged_header_from_xml(content: bytes) -> bool:
    """Whether the first sheet merges cells in row 1 (read from its <mergeCells>, tiny)."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        names = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
        if not names:
            return False
        xml = z.read(names[0]).decode("utf-8", "replace")
    return any(re.match(r"[A-Z]+1$", ref) for ref in re.findall(r'<mergeCell ref="([A-Z]+\d+):', xml))


def _csv_rows(content: bytes) -> list[list[str]]:
    # UTF-16 (with its BOM) and binary files contain NUL bytes; a UTF-8 or GBK roster never does.
    if content[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in content:
        raise RosterFileError(_(FILE_BAD_ENCODING))
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError(_(FILE_BAD_ENCODING))
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
        raise RosterFileError(_(FILE_BAD_ENCODING))
    return list(csv.reader(io.StringIO(text, newline="")))


def _header_key(cell: Any) -> str:
    text = "".join(idcard.normalize_text(cell_text(cell)).split())
    return _REQUIRED_MARK.sub("", text)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_table(table: list[list[Any]], merged_header: bool) -> ParsedRoster:
    if not table or all(all(_blank(c) for c in r) for r in table):
        raise RosterFileError(_(FILE_EMPTY))
    if merged_header:
        raise RosterFileError(_(HEADERS_MERGED))
    written = [idcard.normalize_text(cell_text(c)) for c in table[0]]
    columns: dict[str, int] = {}
    duplicates: list[str] = []
    for index, cell in enumerate(table[0]):
        canonical = HEADER_ALIASES.get(_header_key(cell))
        if canonical is None:
            continue
        if canonical in columns:
            duplicates.append(canonical)
        else:
            columns[canonical] = index
    missing = [h for h in CANONICAL_HEADERS if h not in columns]
    if missing:
        message = _(HEADERS_MISSING) % {"headers": "、".join(missing)}
        unknown = [w for w, c in zip(written, table[0], strict=True) if w and HEADER_ALIASES.get(_header_key(c)) is None]
        if unknown:
            message += _(HEADERS_UNKNOWN) % {"headers": "、".join(unknown[:10])}
        raise RosterFileError(message)
    if duplicates:
        raise RosterFileError(_(HEADERS_DUPLICATE) % {"headers": "、".join(duplicates)})
    parsed = ParsedRoster(headers=written, header_labels={h: written[i] for h, i in columns.items()})
    width = len(written)
    for number, cells in enumerate(table[1:], start=2):
        if all(_blank(c) for c in cells):
            continue
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        row: dict[str, Any] = {h: cells[i] for h, i in columns.items()}
        row["_row"] = number
        row["_cells"] = cells  # as read; only the error report turns them into text
        parsed.rows.append(row)
    if not parsed.rows:
        raise RosterFileError(_(FILE_NO_ROWS))
    return parsed
