"""Hours from outside the platform, imported in bulk (外部学时导入): the national smart-education
platform's 寒暑假研修 export, another province's record of a transferred teacher, another
training platform's list.

The roster import's pattern: read the file (the shared reader, `core.tabular.read_table`:
calamine behind the office-file guard, UTF-8 or GBK CSV), `external_validate` turns rows into records and row
errors without writing, `external_import_file` previews (dry run) or commits all-or-nothing or
the valid rows only, and keeps the file's SHA-256 on the import and through it on every record.

Each record names its teacher by national ID (found through the ID's keyed hash, in chunks of
5,000: one query per chunk), must be a teacher of the importer's area (one answer, "not found
in your area", whether the ID is unknown or belongs elsewhere: an import is no way to probe
who teaches where), and carries a `record_key`: the source and the certificate number, or a
hash of teacher, training, date and hours when the export has no number. Importing the same
records twice counts them once (INSERT … ON CONFLICT DO NOTHING on the key); that is a
duplicate, not an error. 100,000 records are about ten statements of 10,000 rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core import crypto, idcard
from tisheng.core.tabular import TabularFileError, cell_text, header_key, read_table
from tisheng.ledger.models import ExternalHoursImport, ExternalHoursRecord
from tisheng.ledger.registry import CATEGORY_LABELS, EXTERNAL_SOURCE_LABELS, LEVEL_LABELS
from tisheng.orgs.scope import capability_paths
from tisheng.people.models import Teacher
from tisheng.people.services.roster import RowError, parse_date

# The roster import's messages for a sheet without the headers or the rows it needs.
from tisheng.people.services.roster_files import FILE_NO_ROWS, HEADERS_DUPLICATE, HEADERS_MISSING

RosterFileError = TabularFileError  # the name the views and tests have used

NAME, NATIONAL_ID, TITLE, HOURS, DATE, CERTIFICATE, CATEGORY, LEVEL, PLATFORM = (
    "姓名", "身份证号", "培训名称", "学时", "完成日期", "证书编号", "类别", "级别", "平台",
)
HEADERS = (NAME, NATIONAL_ID, TITLE, HOURS, DATE, CERTIFICATE, CATEGORY, LEVEL, PLATFORM)
REQUIRED_HEADERS = (NATIONAL_ID, TITLE, HOURS, DATE)
HEADER_ALIASES = {h: h for h in HEADERS} | {
    "教师姓名": NAME, "学员姓名": NAME,
    "身份证": NATIONAL_ID, "身份证号码": NATIONAL_ID, "证件号码": NATIONAL_ID, "公民身份号码": NATIONAL_ID,
    "课程名称": TITLE, "研修名称": TITLE, "项目名称": TITLE, "培训项目": TITLE, "研修项目": TITLE,
    "学时数": HOURS, "获得学时": HOURS, "认定学时": HOURS, "有效学时": HOURS,
    "完成时间": DATE, "获得日期": DATE, "结业日期": DATE, "日期": DATE, "培训日期": DATE, "发证日期": DATE,
    "证书号": CERTIFICATE, "学时证书编号": CERTIFICATE, "证书编码": CERTIFICATE,
    "培训类别": CATEGORY, "学时类别": CATEGORY, "培训级别": LEVEL, "层级": LEVEL, "来源平台": PLATFORM,
}
CATEGORY_ALIASES = {label: code for code, label in CATEGORY_LABELS.items()} | {
    "信息技术": "it_ability", "信息技术应用能力提升": "it_ability", "师德": "ethics", "学科": "subject",
    "专业": "subject", "综合": "general", "通识": "general"} | {code: code for code in CATEGORY_LABELS}
LEVEL_ALIASES = {label: code for code, label in LEVEL_LABELS.items()} | {
    "国家": "national", "省": "province", "市": "city", "县": "county", "县区级": "county", "校级": "school",
    "校本研修": "school"} | {code: code for code in LEVEL_LABELS}
DEFAULT_LEVEL = {"national_platform": "national", "other_province": "province", "other_platform": "province"}
SOURCES = tuple(ExternalHoursRecord.Source.values)
MODES = ("dry_run", "all_or_nothing", "valid_only")
CHUNK = 5000
INSERT_BATCH = 10000

ID_REQUIRED = gettext_noop("National ID is required")
ID_INVALID = gettext_noop("National ID is not valid")
TEACHER_NOT_FOUND = gettext_noop("No teacher with this national ID in your area")
NAME_MISMATCH = gettext_noop("The name differs from the roster (%(name)s)")
TITLE_REQUIRED = gettext_noop("The training's name is required")
HOURS_INVALID = gettext_noop("Hours must be a number between 0.5 and 200")
DATE_INVALID = gettext_noop("Date is missing or not a date")
DATE_OUT_OF_RANGE = gettext_noop("Date is in the future or before 2000")
CATEGORY_UNKNOWN = gettext_noop("Unknown category")
LEVEL_UNKNOWN = gettext_noop("Unknown level")
RECORD_DUPLICATE = gettext_noop("Same record as row %(row)s")
SOURCE_UNKNOWN = gettext_noop("Choose where the records come from.")
MODE_UNKNOWN = gettext_noop("Choose how to import.")


@dataclass(frozen=True)
class ExternalRecord:
    row: int
    teacher_id: int
    org_path: str
    title: str
    hours: Decimal
    earned_on: dt.date
    certificate_no: str
    category: str
    level: str
    platform: str
    key: str


@dataclass(frozen=True)
class ParsedSheet:
    labels: dict[str, str]  # canonical header → as written
    rows: list[dict[str, Any]]


def read_external(content: bytes, filename: str) -> ParsedSheet:
    """The file's first sheet as rows keyed by HEADERS; RosterFileError when unusable."""
    table = read_table(content, filename, max_bytes=settings.ROSTER_MAX_UPLOAD_BYTES).rows
    if not table:
        raise RosterFileError(_(FILE_NO_ROWS))
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, cell in enumerate(table[0]):
        canonical = HEADER_ALIASES.get(header_key(cell))
        if canonical is None:
            continue
        if canonical in columns:
            raise RosterFileError(_(HEADERS_DUPLICATE) % {"headers": canonical})
        columns[canonical] = index
        labels[canonical] = idcard.normalize_text(cell_text(cell))
    missing = [h for h in REQUIRED_HEADERS if h not in columns]
    if missing:
        raise RosterFileError(_(HEADERS_MISSING) % {"headers": "、".join(missing)})
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        row = {h: (cells[i] if i < len(cells) else "") for h, i in columns.items()}
        row["_row"] = number
        rows.append(row)
    if not rows:
        raise RosterFileError(_(FILE_NO_ROWS))
    return ParsedSheet(labels={h: labels.get(h, h) for h in HEADERS}, rows=rows)


def _in_roots(path: str, roots: list[str] | None) -> bool:
    return roots is None or any(path == r or path.startswith(r + "/") for r in roots)


def _hours(value: Any) -> Decimal | None:
    try:
        hours = Decimal(cell_text(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return hours if Decimal("0.5") <= hours <= 200 else None


def _memo(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`fn` of a cell value, computed once per distinct value (and type: 1, 1.0 and True are
    different cells) for the length of one import."""
    cache: dict[tuple[type, Any], Any] = {}

    def cached(value: Any) -> Any:
        try:
            key = (type(value), value)
            return cache[key]
        except KeyError:
            result = cache[key] = fn(value)
            return result
        except TypeError:  # an unhashable cell: not cached
            return fn(value)
    return cached


def _id_info(value: Any) -> tuple[str, bool, str]:
    """(normalised ID, whether it is invalid, its lookup hash when valid)."""
    number = idcard.normalize(value)
    if not number:
        return "", False, ""
    if idcard.problem(number):
        return number, True, ""
    return number, False, crypto.lookup_hash(number)


def _text(value: Any) -> str:
    return idcard.normalize_text(cell_text(value))


def _compact(value: Any) -> str:
    return "".join(_text(value).split())


def _date(value: Any) -> dt.date | None:
    try:
        return parse_date(value)
    except (ValueError, OverflowError):
        return None


def external_validate(rows: Iterable[dict[str, Any]], *, actor, source: str,
                      labels: dict[str, str] | None = None) -> tuple[list[ExternalRecord], list[RowError]]:
    """Validate raw rows keyed by HEADERS; nothing is written. actor None = the system."""
    labels = {h: h for h in HEADERS} | (labels or {})
    roots = None if actor is None else capability_paths(actor, Cap.HOURS_IMPORT)
    today = timezone.localdate()
    errors: list[RowError] = []
    pending: list[tuple[dict, str]] = []  # (parsed fields, id hash)

    def err(at: int, column: str, reason: str, **params: Any) -> None:
        errors.append(RowError(row=at, column=labels[column], reason=_(reason) % params if params else _(reason)))

    # An export repeats the same values row after row (a teacher's ID on each of their records,
    # a handful of trainings, dates and hours): each distinct cell is parsed once.
    id_of, text_of, compact_of = _memo(_id_info), _memo(_text), _memo(_compact)
    hours_of, date_of = _memo(_hours), _memo(_date)
    for raw in rows:
        row = int(raw["_row"])
        before = len(errors)
        number, invalid, id_hash = id_of(raw.get(NATIONAL_ID))
        if not number:
            err(row, NATIONAL_ID, ID_REQUIRED)
        elif invalid:
            err(row, NATIONAL_ID, ID_INVALID)
        title = text_of(raw.get(TITLE))[:128]
        if not title:
            err(row, TITLE, TITLE_REQUIRED)
        hours = hours_of(raw.get(HOURS))
        if hours is None:
            err(row, HOURS, HOURS_INVALID)
        earned_on = date_of(raw.get(DATE))
        if earned_on is None:
            err(row, DATE, DATE_INVALID)
        elif not (dt.date(2000, 1, 1) <= earned_on <= today):
            err(row, DATE, DATE_OUT_OF_RANGE)
        category_text = compact_of(raw.get(CATEGORY))
        category = CATEGORY_ALIASES.get(category_text) if category_text else "it_ability"
        if category is None:
            err(row, CATEGORY, CATEGORY_UNKNOWN)
        level_text = compact_of(raw.get(LEVEL))
        level = LEVEL_ALIASES.get(level_text) if level_text else DEFAULT_LEVEL[source]
        if level is None:
            err(row, LEVEL, LEVEL_UNKNOWN)
        if len(errors) == before:
            pending.append(({
                "row": row, "name": text_of(raw.get(NAME)), "title": title, "hours": hours,
                "earned_on": earned_on, "certificate_no": "".join(cell_text(raw.get(CERTIFICATE)).split())[:64],
                "category": category, "level": level,
                "platform": (text_of(raw.get(PLATFORM)) or EXTERNAL_SOURCE_LABELS[source])[:64],
            }, id_hash))

    teachers: dict[str, tuple[int, str, str]] = {}
    hashes = sorted({h for _fields, h in pending})
    for start in range(0, len(hashes), CHUNK):
        for id_hash, pk, name, path in Teacher.objects.filter(id_hash__in=hashes[start:start + CHUNK]).values_list(
                "id_hash", "pk", "name", "org_path"):
            teachers[id_hash] = (pk, name, path)

    records: list[ExternalRecord] = []
    seen: dict[str, int] = {}
    for fields, id_hash in pending:
        row = fields["row"]
        found = teachers.get(id_hash)
        if found is None or not _in_roots(found[2], roots):
            err(row, NATIONAL_ID, TEACHER_NOT_FOUND)
            continue
        pk, name, path = found
        if fields["name"] and fields["name"] != name:
            err(row, NAME, NAME_MISMATCH, name=name)
            continue
        if fields["certificate_no"]:
            key = f"{source}:{fields['certificate_no']}"
        else:
            key = f"{source}:" + hashlib.sha256(
                f"{pk}|{fields['title']}|{fields['earned_on']}|{fields['hours']}".encode()).hexdigest()[:40]
        if key in seen:
            err(row, CERTIFICATE if fields["certificate_no"] else TITLE, RECORD_DUPLICATE, row=seen[key])
            continue
        seen[key] = row
        records.append(ExternalRecord(
            row=row, teacher_id=pk, org_path=path, title=fields["title"], hours=fields["hours"],
            earned_on=fields["earned_on"], certificate_no=fields["certificate_no"], category=fields["category"],
            level=fields["level"], platform=fields["platform"], key=key))
    errors.sort(key=lambda e: e.row)
    return records, errors


COPY_COLUMNS = ("teacher_id", "org_path", "batch_id", "source", "platform", "title", "category", "level", "hours",
                "earned_on", "certificate_no", "verification", "record_key", "created_at")


def external_apply(records: list[ExternalRecord], *, batch: ExternalHoursImport, source: str,
                   verification: str) -> int:
    """Insert the records of `batch`; ones already imported (same key) are skipped. Returns
    how many were new. On PostgreSQL the rows go through COPY into a temporary table and one
    INSERT … SELECT … ON CONFLICT DO NOTHING: no model object and no per-value preparation per
    row, a third of the import's time with bulk_create (bench/bench_registry.py)."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _apply_copy(records, batch=batch, source=source, verification=verification, now=now)
    before = ExternalHoursRecord.objects.filter(batch=batch).count()
    for start in range(0, len(records), INSERT_BATCH):
        ExternalHoursRecord.objects.bulk_create([
            ExternalHoursRecord(
                teacher_id=r.teacher_id, org_path=r.org_path, batch=batch, source=source, platform=r.platform,
                title=r.title, category=r.category, level=r.level, hours=r.hours, earned_on=r.earned_on,
                certificate_no=r.certificate_no, verification=verification, record_key=r.key, created_at=now)
            for r in records[start:start + INSERT_BATCH]], ignore_conflicts=True, batch_size=2000)
    return ExternalHoursRecord.objects.filter(batch=batch).count() - before


def _apply_copy(records: list[ExternalRecord], *, batch: ExternalHoursImport, source: str, verification: str,
                now: dt.datetime) -> int:
    table = ExternalHoursRecord._meta.db_table
    columns = ", ".join(COPY_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE external_hours_incoming AS SELECT {columns} FROM {table} "
                       "WITH NO DATA")
        with cursor.cursor.copy(f"COPY external_hours_incoming ({columns}) FROM STDIN") as copy:
            for r in records:
                copy.write_row((r.teacher_id, r.org_path, batch.pk, source, r.platform, r.title, r.category, r.level,
                                r.hours, r.earned_on, r.certificate_no, verification, r.key, now))
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM external_hours_incoming "
                       "ORDER BY record_key ON CONFLICT (record_key) DO NOTHING")
        created = cursor.rowcount
        cursor.execute("DROP TABLE external_hours_incoming")
    return created


def import_scope_path(actor) -> str:
    """The importer's node: the shortest path they may import into ("" for the system)."""
    paths = [] if actor is None else capability_paths(actor, Cap.HOURS_IMPORT)
    return min(paths, key=len) if paths else ""


def external_import_file(*, actor, content: bytes, filename: str, source: str, verification: str,
                         mode: str) -> ExternalHoursImport:
    """Read, validate and (unless a dry run, or all-or-nothing with errors) write the records;
    the import is recorded either way with the file's SHA-256 and its row errors. Raises
    RosterFileError for a file that cannot be read at all, ValueError for a bad source or mode."""
    if source not in SOURCES:
        raise ValueError(_(SOURCE_UNKNOWN))
    if mode not in MODES or verification not in ExternalHoursRecord.Verification.values:
        raise ValueError(_(MODE_UNKNOWN))
    sha256 = hashlib.sha256(content).hexdigest()
    sheet = read_external(content, filename)
    records, errors = external_validate(sheet.rows, actor=actor, source=source, labels=sheet.labels)
    batch = ExternalHoursImport(
        filename=Path(filename).name[:255], sha256=sha256, source=source, verification=verification, mode=mode,
        scope_path=import_scope_path(actor), uploaded_by=actor if actor is not None and actor.pk else None,
        rows=len(sheet.rows), errors=[{"row": e.row, "column": e.column, "reason": e.reason} for e in errors[:5000]])
    write = mode == "valid_only" or (mode == "all_or_nothing" and not errors)
    with transaction.atomic():
        batch.save()
        if write and records:
            batch.created = external_apply(records, batch=batch, source=source, verification=verification)
            batch.duplicates = len(records) - batch.created
            batch.committed = True
            batch.save(update_fields=["created", "duplicates", "committed"])
        audit(actor=actor, action="ledger.external_import", obj=batch, filename=batch.filename, sha256=sha256,
              rows=batch.rows, created=batch.created, duplicates=batch.duplicates, error_count=len(errors),
              mode=mode)
    batch.valid = len(records)
    return batch
