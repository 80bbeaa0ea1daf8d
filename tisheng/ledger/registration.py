"""The 定期注册 list (教师资格定期注册): per county, the teachers whose registration falls due,
whether their continuing-education cycle's hours meet the rule, and by how much they fall short
in total, per level, per category and per year.

A teacher's registration is renewed every five years against the cycle that just ended: the
province's cycle 2022—2026 feeds the registrations of 2027. A registration year (or any date
range) therefore selects the cycles of the county's province (or set for the county itself)
whose day after the end falls inside it; every active teacher of the county is measured
against each such cycle. Before the cycle has ended the list says where each teacher stands
today (a year still running is not counted as unmet; the total already is: that is the
hours the teacher still has to earn before registration).

Cost: the county's teachers once, then `registry.cycle_buckets` (two GROUP BY statements over
the cycle's ledger rows and verified external records) per cycle; the rule is applied in Python.
No query per teacher: a county of 6,000 teachers is four statements (bench/bench_registry.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from cryptography.fernet import InvalidToken
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.core import crypto, idcard
from tisheng.core.tabular import BOLD, XlsxBook
from tisheng.ledger.models import HoursCycle
from tisheng.ledger.registry import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    ZERO,
    CycleStanding,
    Measure,
    cycle_buckets,
    cycles_for,
    standing,
)
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import capability_paths, scope_filter
from tisheng.people.models import Teacher

REGISTRATION_RANGE_INVALID = _("Choose a registration year, or a start date on or before the end date.")
REGISTRATION_RANGE_TOO_LONG = _("A registration list covers at most five years at a time.")
REGISTRATION_COUNTY_REQUIRED = _("Choose a county.")
MAX_RANGE_DAYS = 5 * 366


@dataclass
class DueTeacher:
    """One line of the list: a teacher measured against one cycle."""

    teacher_id: int
    name: str
    school: str
    stage: str
    subject: str
    id_encrypted: str
    id_last4: str
    started_work: dt.date | None
    standing: CycleStanding
    minimums: list[Measure | None] = field(default_factory=list)  # per RegistrationList.minimum_columns()

    @property
    def masked_id(self) -> str:
        try:
            return idcard.mask(crypto.decrypt(self.id_encrypted))
        except (InvalidToken, ValueError):
            return f"{'*' * 14}{self.id_last4}"

    @property
    def joined_during_cycle(self) -> bool:
        return self.started_work is not None and self.started_work > self.standing.cycle.start_date

    def unmet_text(self) -> str:
        """"合计差 40；师德师风差 12；2024 年差 24" (what is missing, in words)."""
        return "；".join(f"{m.label}差 {_fmt(m.shortfall)}" for m in self.standing.unmet)


@dataclass
class RegistrationList:
    county: Region
    start: dt.date
    end: dt.date
    cycles: list[HoursCycle]
    rows: list[DueTeacher] = field(default_factory=list)

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.rows if r.standing.met)

    @property
    def unmet_count(self) -> int:
        return len(self.rows) - self.met_count

    @property
    def shortfall_total(self) -> Decimal:
        return sum((r.standing.shortfall for r in self.rows), ZERO)

    @property
    def in_progress(self) -> bool:
        return any(c.end_date >= timezone.localdate() for c in self.cycles)

    def minimum_columns(self) -> list[tuple[str, str, str, Decimal | None]]:
        """(kind, code, label, minimum) of every level and category some listed cycle sets a
        minimum for: the list's shortfall columns (`minimum` None when the cycles differ)."""
        columns = []
        for kind, labels, attr in (("level", LEVEL_LABELS, "min_by_level"),
                                   ("category", CATEGORY_LABELS, "min_by_category")):
            for code, label in labels.items():
                minimums = {Decimal(str((getattr(c, attr) or {}).get(code, 0))) for c in self.cycles}
                if any(minimums):
                    columns.append((kind, code, label, minimums.pop() if len(minimums) == 1 else None))
        return columns


def _fmt(hours: Decimal) -> str:
    from tisheng.programs.completion import fmt_hours

    return fmt_hours(hours)


def registration_counties(actor) -> QuerySet[Region]:
    """The counties the actor may list: every county in or under their registry-report roots."""
    roots = capability_paths(actor, Cap.REGISTRY_REPORT)
    if not roots:
        return Region.objects.none()
    condition = Q()
    for root in roots:
        condition |= Q(path=root) | Q(path__startswith=root + "/")
    return Region.objects.filter(condition, level=RegionLevel.COUNTY).order_by("path")


def registration_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def registration_due(actor, *, county: Region, start: dt.date, end: dt.date,
                     today: dt.date | None = None) -> RegistrationList:
    """The 定期注册 list of `county` for registrations falling due from `start` to `end`. The
    caller has checked that `county` is one of `registration_counties(actor)`; the teachers
    are scoped once more all the same."""
    if end < start:
        raise ValueError(str(REGISTRATION_RANGE_INVALID))
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValueError(str(REGISTRATION_RANGE_TOO_LONG))
    today = today or timezone.localdate()
    cycles = [c for c in cycles_for(county.path)
              if start <= c.end_date + dt.timedelta(days=1) <= end]
    cycles.sort(key=lambda c: c.end_date)
    result = RegistrationList(county=county, start=start, end=end, cycles=cycles)
    if not cycles:
        return result
    teachers = (scope_filter(Teacher.objects.all(), actor, Cap.REGISTRY_REPORT)
                .filter(org_path__startswith=county.path + "/", status="active"))
    people = list(teachers.select_related("school").only(
        "name", "id_encrypted", "id_last4", "stage", "subject", "started_work", "school__name", "org_path")
        .order_by("org_path", "name", "id"))
    for cycle in cycles:
        buckets = cycle_buckets(cycle, teachers)
        for t in people:
            if t.started_work is not None and t.started_work > cycle.end_date:
                continue  # started after the cycle: not due against it
            result.rows.append(DueTeacher(
                teacher_id=t.pk, name=t.name, school=t.school.name, stage=t.get_stage_display(),
                subject=t.subject, id_encrypted=t.id_encrypted, id_last4=t.id_last4, started_work=t.started_work,
                standing=standing(cycle, buckets.get(t.pk, []), today=today)))
    columns = result.minimum_columns()
    for row in result.rows:
        measures = {("level", m.label): m for m in row.standing.by_level}
        measures |= {("category", m.label): m for m in row.standing.by_category}
        row.minimums = [measures.get((kind, label)) for kind, _code, label, _minimum in columns]
    return result


def registration_xlsx(data: RegistrationList, *, full_ids: bool) -> bytes:
    """The list as a workbook: a summary sheet, then one line per teacher with each minimum's
    hours and shortfall. `full_ids`: the national ID in full (the registration system keys by
    it; only for those allowed to see it, and the export is audited)."""
    columns = data.minimum_columns()
    book = XlsxBook(title="定期注册学时审核", widths=[6, 10, 22, 26, 8, 10, 24, 10, 10, 10, 10]
                    + [12] * (2 * len(columns)) + [40, 12])
    book.append([f"{data.county.name} 教师资格定期注册学时审核名单"], font=BOLD)
    book.append([f"注册时间 {data.start:%Y-%m-%d} 至 {data.end:%Y-%m-%d}；"
                 f"应注册 {len(data.rows)} 人次，达标 {data.met_count}，未达标 {data.unmet_count}"])
    if data.in_progress:
        book.append([f"周期尚未结束：学时截至 {timezone.localdate():%Y-%m-%d}，未达标者仍可在周期结束前补足"])
    header = ["序号", "姓名", "身份证号", "学校", "学段", "学科", "继续教育周期", "周期学时", "应修学时",
              "是否达标", "差额学时"]
    for _kind, _code, label, _minimum in columns:
        header += [f"{label}学时", f"{label}差额"]
    header += ["未达标项目", "周期内入职"]
    book.append(header, font=BOLD)
    for number, row in enumerate(data.rows, start=1):
        s = row.standing
        cells = [number, row.name, _full_id(row) if full_ids else row.masked_id, row.school, row.stage,
                 row.subject, s.cycle.name, s.total.hours, s.total.minimum, "达标" if s.met else "未达标",
                 s.shortfall]
        for m in row.minimums:
            cells += [m.hours if m else ZERO, m.shortfall if m else ZERO]
        cells += [row.unmet_text(), "是" if row.joined_during_cycle else ""]
        book.append(cells)
    return book.to_bytes()


def _full_id(row: DueTeacher) -> str:
    try:
        return crypto.decrypt(row.id_encrypted)
    except (InvalidToken, ValueError):
        return row.masked_id
