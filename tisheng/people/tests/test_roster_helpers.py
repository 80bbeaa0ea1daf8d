"""Building roster files for the roster tests (helpers, no tests here)."""

import datetime as dt
import io

import openpyxl

from tisheng.core import idcard
from tisheng.people.services.roster import CANONICAL_HEADERS


def make_id(seq: int = 1, born: dt.date = dt.date(1985, 3, 12)) -> str:
    return idcard.make("350102", born, seq)


def row_cells(name="李明", national_id=None, phone="", school="3501020001", stage="小学", subject="数学",
              title="一级教师", started="2008-09", status="在职", seq=1) -> list:
    return [name, national_id or make_id(seq), phone, school, stage, subject, title, started, status]


def xlsx_bytes(rows: list[list], headers=CANONICAL_HEADERS, merge: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], headers=CANONICAL_HEADERS, encoding="utf-8") -> bytes:
    lines = [",".join(str(c) for c in headers)] + [",".join(str(c) for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
