"""职称评聘: a teacher's (or a list's) continuing-education hours and training record in the shape
a title committee asks for: the period (usually the years since the last title, five by
default), the hours by category and level, every training with its date, source and hours, and
every certificate with its number and verification code (so the committee can check it on the
public verify page), on a printable page and in a workbook.

The list comes from national ID numbers pasted or uploaded (an .xlsx or .csv with a 身份证号
column, read by the shared reader with its guards), or a school's or a county's active teachers;
only teachers of the actor's area are found, and an ID that is not is reported as "not found in
your area" whatever the reason (no way to probe who teaches where). At most MAX_TEACHERS at a
time on the printable page (one page per teacher) and for pasted or uploaded lists; a school's or
a county's workbook takes up to MAX_WORKBOOK_TEACHERS.

Cost: the teachers (one query per 5,000 pasted IDs), then the registry rows of all of them (two
queries, `registry_rows_for`), their certificates and hours certificates (two): six statements
for one teacher or a county's 8,000 (tests/test_title_records.py counts them for 3 and 30). The
rest is Python: a county's workbook (8,000 teachers, 50,000 lines of trainings) is mostly
writing cells (core/tabular.XlsxBook), so `title_xlsx` works out each teacher's identity cells and every label
once (`get_title_display` costs more than the rest of a summary line) and passes plain values
(bench/bench_title_review.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.certificates.models import Certificate, HoursCertificate
from tisheng.core import crypto, idcard
from tisheng.core.tabular import BOLD, TabularFileError, XlsxBook, cell_text, header_key, read_table
from tisheng.ledger.registry import CATEGORY_LABELS, LEVEL_LABELS, ZERO, RegistryRow, registry_rows_for
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import scope_filter
from tisheng.orgs.selectors import counties_in_scope
from tisheng.people.models import Teacher

MAX_TEACHERS = 500
MAX_WORKBOOK_TEACHERS = 20_000  # a school's or a county's workbook: the largest county has ~15,000
DEFAULT_YEARS = 5
ID_HEADERS = {"身份证号", "身份证", "身份证号码", "证件号码", "公民身份号码", "身份证件号码"}
_SEPARATORS = re.compile(r"[\s,，、;；|]+")

TITLE_NOBODY = _("No teacher of your area was found: paste national ID numbers, upload a list or choose a school.")
TITLE_TOO_MANY = _("At most %(limit)s teachers at a time; the list has %(count)s.")
TITLE_NOT_FOUND = _("%(count)s ID numbers are not of a teacher in your area and were left out: %(ids)s")
TITLE_NO_ID_COLUMN = _("The file has no 身份证号 column.")
TITLE_PERIOD_INVALID = _("Choose a start date on or before the end date, and not in the future.")
TITLE_PRINT_TOO_MANY = _("The list has more than %(limit)s teachers, too many to show for printing: "
                         "download the workbook instead.")


@dataclass
class TitleRecord:
    """One teacher's record for the committee."""

    teacher: Teacher
    rows: list[RegistryRow]
    certificates: list[dict] = field(default_factory=list)

    @property
    def counted(self) -> list[RegistryRow]:
        return [r for r in self.rows if r.counts]

    @property
    def total(self) -> Decimal:
        return sum((r.hours for r in self.counted), ZERO)

    @property
    def pending(self) -> Decimal:
        """Hours of outside records still to be verified: listed, not counted."""
        return sum((r.hours for r in self.rows if r.verification == "unverified"), ZERO)

    def by_category(self) -> list[tuple[str, Decimal]]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for r in self.counted:
            totals[r.category] += r.hours
        return [(label, totals[code]) for code, label in CATEGORY_LABELS.items() if totals.get(code)]

    def by_level(self) -> list[tuple[str, Decimal]]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for r in self.counted:
            totals[r.level] += r.hours
        return [(label, totals[code]) for code, label in LEVEL_LABELS.items() if totals.get(code)]

    def matrix(self) -> list[tuple[str, list[Decimal], Decimal]]:
        """Category rows × level columns (`LEVEL_LABELS` order), each with its row total."""
        cells: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for r in self.counted:
            cells[(r.category, r.level)] += r.hours
        result = []
        for code, label in CATEGORY_LABELS.items():
            values = [cells.get((code, level), ZERO) for level in LEVEL_LABELS]
            if any(values):
                result.append((label, values, sum(values, ZERO)))
        return result

    def level_totals(self) -> list[Decimal]:
        cells: dict[str, Decimal] = defaultdict(Decimal)
        for r in self.counted:
            cells[r.level] += r.hours
        return [cells.get(level, ZERO) for level in LEVEL_LABELS]

    @cached_property
    def masked_id(self) -> str:  # decrypted once: the workbook writes it on every training's line
        return idcard.mask(self.teacher.national_id)


@dataclass
class TitleList:
    start: dt.date
    end: dt.date
    records: list[TitleRecord]
    not_found: list[str] = field(default_factory=list)  # masked


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return dt.date(today.year - DEFAULT_YEARS + 1, 1, 1), today


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    if start is None or end is None or end < start or start > timezone.localdate():
        raise ValueError(str(TITLE_PERIOD_INVALID))
    return start, end


def title_teachers(actor) -> QuerySet[Teacher]:
    """The teachers the actor may compile a record of."""
    return scope_filter(Teacher.objects.all(), actor, Cap.TITLE_RECORDS)


def title_schools(actor) -> QuerySet[School]:
    return scope_filter(School.objects.all(), actor, Cap.TITLE_RECORDS).order_by("path")


def ids_in_text(text: str) -> list[str]:
    """The national ID numbers pasted (one a line, or separated by commas, spaces or 、;
    full-width folded), in order, once each. Anything else is kept too, so that it is reported
    as not found rather than silently dropped."""
    tokens = _SEPARATORS.split(idcard.normalize_text(text or "").upper())
    return list(dict.fromkeys(t[:32] for t in tokens if t))


def ids_in_file(content: bytes, filename: str) -> list[str]:
    """The 身份证号 column of an uploaded .xlsx or .csv (TabularFileError or ValueError)."""
    table = read_table(content, filename, max_bytes=settings.ROSTER_MAX_UPLOAD_BYTES).rows
    if not table:
        raise ValueError(str(TITLE_NO_ID_COLUMN))
    column = next((i for i, cell in enumerate(table[0]) if header_key(cell) in ID_HEADERS), None)
    if column is None:
        raise ValueError(str(TITLE_NO_ID_COLUMN))
    return ids_in_text("\n".join(cell_text(r[column]) for r in table[1:] if column < len(r)))


def teachers_by_ids(actor, numbers: list[str]) -> tuple[list[Teacher], list[str]]:
    """The teachers of the actor's area with these IDs, in the given order, and the masked IDs
    that are not (unknown, invalid or elsewhere: one answer)."""
    if len(numbers) > MAX_TEACHERS:
        raise ValueError(str(TITLE_TOO_MANY) % {"limit": MAX_TEACHERS, "count": len(numbers)})
    valid = [n for n in numbers if not idcard.problem(n)]
    hashes = {crypto.lookup_hash(n): n for n in valid}
    found = {t.id_hash: t for t in title_teachers(actor).filter(id_hash__in=list(hashes))
             .select_related("school")}
    teachers = [found[h] for h in hashes if h in found]
    missing = [idcard.mask(n) if len(n) == 18 else n for n in numbers
               if idcard.problem(n) or crypto.lookup_hash(n) not in found]
    return teachers, missing


def title_counties(actor) -> QuerySet[Region]:
    """The counties whose whole list the actor may take: every county in or under their roots."""
    return counties_in_scope(actor, Cap.TITLE_RECORDS)


def _active(teachers: QuerySet[Teacher], *, printing: bool) -> list[Teacher]:
    limit = MAX_TEACHERS if printing else MAX_WORKBOOK_TEACHERS
    found = list(teachers.filter(status="active").select_related("school")
                 .order_by("school__path", "name", "id")[:limit + 1])
    if len(found) > limit:
        message = TITLE_PRINT_TOO_MANY if printing else TITLE_TOO_MANY
        raise ValueError(str(message) % {"limit": limit, "count": f"{limit}+"})
    return found


def teachers_of_school(actor, school_pk: int, *, printing: bool = True) -> list[Teacher]:
    school = title_schools(actor).filter(pk=school_pk).first()
    if school is None:
        return []
    return _active(title_teachers(actor).filter(school=school), printing=printing)


def teachers_of_county(actor, county_pk: int, *, printing: bool = False) -> list[Teacher]:
    """A county's active teachers, school by school (the teachers scoped once more all the same)."""
    county = title_counties(actor).filter(pk=county_pk).first()
    if county is None:
        return []
    return _active(title_teachers(actor).filter(org_path__startswith=county.path + "/"), printing=printing)


def title_records(teachers: list[Teacher], *, start: dt.date, end: dt.date) -> list[TitleRecord]:
    """Each teacher's record over the period (the teachers already scoped by the caller)."""
    ids = [t.pk for t in teachers]
    rows = registry_rows_for(ids, start=start, end=end)
    day_start = dt.datetime.combine(start, dt.time.min, tzinfo=timezone.get_current_timezone())
    day_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())
    certificates: dict[int, list[dict]] = defaultdict(list)
    for c in (Certificate.objects.filter(teacher_id__in=ids, revoked_at__isnull=True, issued_at__gte=day_start,
                                         issued_at__lt=day_end).order_by("issued_at", "id")):
        certificates[c.teacher_id].append({
            "name": c.name, "number": c.number, "program": c.program_name, "hours": c.hours,
            "issued": timezone.localtime(c.issued_at).date(), "verify_code": c.verify_code})
    for h in (HoursCertificate.objects.filter(teacher_id__in=ids, revoked_at__isnull=True, issued_at__gte=day_start,
                                              issued_at__lt=day_end).order_by("issued_at", "id")):
        certificates[h.teacher_id].append({
            "name": "继续教育学时证明", "number": h.number, "program": h.period_name or
            f"{h.start_date:%Y-%m-%d} 至 {h.end_date:%Y-%m-%d}", "hours": h.hours,
            "issued": timezone.localtime(h.issued_at).date(), "verify_code": h.verify_code})
    return [TitleRecord(teacher=t, rows=rows.get(t.pk, []), certificates=certificates.get(t.pk, []))
            for t in teachers]


def title_xlsx(data: TitleList, *, full_ids: bool) -> bytes:
    """Three sheets: one line per teacher (totals by category and level), every training,
    every certificate with its verification code."""
    levels = list(LEVEL_LABELS)
    categories = list(CATEGORY_LABELS)
    # Labels once, not per line: a model's get_FOO_display resolves its lazy choices every call.
    titles = {code: str(label) for code, label in Teacher._meta.get_field("title").flatchoices}
    stages = {code: str(label) for code, label in Teacher._meta.get_field("stage").flatchoices}
    book = XlsxBook(title="学时汇总", widths=[6, 10, 22, 26, 12, 10, 10] + [10] * (len(levels) + len(categories) + 2))
    book.append([f"职称评聘继续教育学时汇总（{data.start:%Y-%m-%d} 至 {data.end:%Y-%m-%d}）"], font=BOLD)
    book.append(["序号", "姓名", "身份证号", "学校", "职称", "学段", "学科",
                 *[f"{CATEGORY_LABELS[c]}学时" for c in categories], *[f"{LEVEL_LABELS[lv]}学时" for lv in levels],
                 "合计学时", "待核验学时"], font=BOLD)
    people = []  # (name, ID as shown): decrypted once, written on every line of the teacher
    for number, record in enumerate(data.records, start=1):
        t = record.teacher
        person = (t.name, t.national_id if full_ids else record.masked_id)
        people.append(person)
        by_category: dict[str, Decimal] = defaultdict(Decimal)
        by_level: dict[str, Decimal] = defaultdict(Decimal)
        pending = ZERO
        for r in record.rows:
            if r.verification == "verified":
                by_category[r.category] += r.hours
                by_level[r.level] += r.hours
            elif r.verification == "unverified":
                pending += r.hours
        book.append([number, *person, t.school.name, titles.get(t.title, t.title), stages.get(t.stage, t.stage),
                     t.subject, *[by_category.get(c, ZERO) for c in categories],
                     *[by_level.get(lv, ZERO) for lv in levels], sum(by_level.values(), ZERO), pending])
    book.add_sheet(title="培训记录", widths=[10, 22, 12, 36, 28, 16, 10, 8, 10, 20])
    book.append(["姓名", "身份证号", "日期", "培训名称", "来源", "类别", "级别", "学时", "核验", "证书编号"], font=BOLD)
    for person, record in zip(people, data.records, strict=True):
        for r in record.rows:
            book.append([*person, r.date, r.title, r.source, CATEGORY_LABELS.get(r.category, r.category),
                         LEVEL_LABELS.get(r.level, r.level), r.hours, r.verification_label, r.certificate_no])
    book.add_sheet(title="证书", widths=[10, 22, 24, 26, 30, 10, 12, 12])
    book.append(["姓名", "身份证号", "证书", "证书编号", "项目或期间", "学时", "发证日期", "验证码"], font=BOLD)
    for person, record in zip(people, data.records, strict=True):
        for c in record.certificates:
            book.append([*person, c["name"], c["number"], c["program"], c["hours"], c["issued"], c["verify_code"]])
    return book.to_bytes()


__all__ = ["TabularFileError", "TitleList", "TitleRecord", "title_records", "title_xlsx"]
