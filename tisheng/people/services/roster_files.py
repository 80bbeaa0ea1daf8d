"""Reading roster files (.xlsx, .csv) into rows keyed by the canonical headers.

Every way a file can be unusable ends in RosterFileError with a message for the user, before
anything is stored. The file itself is read by the shared reader, `core.tabular.read_table`
(the office-file guard, then calamine; CSV in UTF-8 or GBK); this module maps its headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.core import idcard, tabular
from tisheng.core.tabular import (  # noqa: F401 - the file errors are part of this module's API
    FILE_BAD_ENCODING,
    FILE_IS_OLD_XLS,
    FILE_NOT_XLSX,
    FILE_TOO_LARGE,
    FILE_TYPE_UNSUPPORTED,
    TabularFileError,
    file_extension,
    header_key,
)
from tisheng.core.tabular import merged_header_from_xml as _merged_header_from_xml  # noqa: F401
from tisheng.people import roster_columns
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



# A file that cannot be imported at all; `message` is for the user (the shared reader's error).
RosterFileError = TabularFileError


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
    tabular.check_size(size, settings.ROSTER_MAX_UPLOAD_BYTES)


def read_roster(content: bytes, filename: str) -> ParsedRoster:
    table = tabular.read_table(content, filename, max_bytes=settings.ROSTER_MAX_UPLOAD_BYTES)
    return _parse_table(table.rows, table.merged_header)


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
        canonical = HEADER_ALIASES.get(header_key(cell)) or roster_columns.header_for(header_key(cell))
        if canonical is None:
            continue
        if canonical in columns:
            duplicates.append(canonical)
        else:
            columns[canonical] = index
    missing = [h for h in CANONICAL_HEADERS if h not in columns]
    if missing:
        message = _(HEADERS_MISSING) % {"headers": "、".join(missing)}
        unknown = [w for w, c in zip(written, table[0], strict=True) if w and HEADER_ALIASES.get(header_key(c)) is None
                   and roster_columns.header_for(header_key(c)) is None]
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
