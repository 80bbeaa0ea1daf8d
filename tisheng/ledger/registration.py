"""The 定期注册 list (教师资格定期注册): per county, the teachers whose registration falls due,
whether the hours of the years before it meet the rule, and by how much they fall short in
total, per level, per category and per year.

Each teacher's registration is their own: valid five years from their last registration and due
on `TeacherRegistration.valid_until`. A registration year (or any date range) lists the county's
active teachers whose own date falls inside it, each measured over their own window, the five
years before that date, by the rule of the province cycle the window overlaps most
(registration_windows.py says how a window that is not a cycle is measured).

A teacher with no date on record falls back to the province's cycle: the cycles (of the county's
province, or set for the county itself) whose day after the end falls inside the range, every
such teacher measured against each; their lines say the date is not on record, so the county
sees whom to chase. Before a cycle or window has ended the list says where each teacher stands
today (a year still running is not counted as unmet; the total already is: that is the hours
the teacher still has to earn before registration).

Cost: the county's teachers once (those due by their own date and those with none, one query),
the cycles once, `registration_windows.window_buckets` (two GROUP BY statements over the union
of the windows) and `registry.cycle_buckets` (two) per fallback cycle; the rule is applied in
Python. No query per teacher or per distinct date: a county of 6,000 teachers is six or eight
statements (bench/bench_registry.py).
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
from tisheng.ledger.models import HoursCycle, TeacherRegistration
from tisheng.ledger.registration_windows import (
    RegistrationWindow,
    WindowBook,
    window_buckets,
    window_standing,
    window_start,
)
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
from tisheng.orgs.models import Region
from tisheng.orgs.scope import scope_filter
from tisheng.orgs.selectors import counties_in_scope
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
    valid_until: dt.date | None = None  # the teacher's own date; None: not on record (the province cycle)

    @property
    def on_record(self) -> bool:
        return self.valid_until is not None

    def basis_text(self) -> str:
        """What the line is measured by, in words (the .xlsx's 学时核算依据)."""
        if self.on_record:
            return self.standing.cycle.rule_text
        return f"注册有效期未登记，按“{self.standing.cycle.name}”核算"

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
    cycles: list[HoursCycle]  # the province cycles the teachers without a date are measured against
    rows: list[DueTeacher] = field(default_factory=list)
    windows: list[RegistrationWindow] = field(default_factory=list)  # the teachers' own windows
    rules: list[HoursCycle] = field(default_factory=list)  # the cycles whose rules the windows use

    @property
    def missing_count(self) -> int:
        """Lines of teachers with no registration date on record."""
        return sum(1 for r in self.rows if not r.on_record)

    @property
    def empty_reason(self) -> bool:
        """Nobody can fall due: no teacher's date in the range and no cycle ending in time."""
        return not self.rows and not self.cycles

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
        today = timezone.localdate()
        return any(c.end_date >= today for c in [*self.cycles, *self.windows])

    def minimum_columns(self) -> list[tuple[str, str, str, Decimal | None]]:
        """(kind, code, label, minimum) of every level and category some listed cycle sets a
        minimum for: the list's shortfall columns (`minimum` None when the cycles differ)."""
        columns = []
        measured = [*self.cycles, *self.windows]
        for kind, labels, attr in (("level", LEVEL_LABELS, "min_by_level"),
                                   ("category", CATEGORY_LABELS, "min_by_category")):
            for code, label in labels.items():
                minimums = {Decimal(str((getattr(c, attr) or {}).get(code, 0))) for c in measured}
                if any(minimums):
                    columns.append((kind, code, label, minimums.pop() if len(minimums) == 1 else None))
        return columns


def _fmt(hours: Decimal) -> str:
    from tisheng.programs.completion import fmt_hours

    return fmt_hours(hours)


def registration_counties(actor) -> QuerySet[Region]:
    """The counties the actor may list: every county in or under their registry-report roots."""
    return counties_in_scope(actor, Cap.REGISTRY_REPORT)


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
    every_cycle = list(cycles_for(county.path))
    cycles = [c for c in every_cycle if start <= c.end_date + dt.timedelta(days=1) <= end]
    cycles.sort(key=lambda c: c.end_date)
    result = RegistrationList(county=county, start=start, end=end, cycles=cycles)
    teachers = (scope_filter(Teacher.objects.all(), actor, Cap.REGISTRY_REPORT)
                .filter(org_path__startswith=county.path + "/", status="active"))
    dated = teachers.filter(registration__valid_until__gte=start, registration__valid_until__lte=end)
    undated = teachers.filter(registration__isnull=True)
    due = Q(registration__valid_until__gte=start, registration__valid_until__lte=end)
    if cycles:
        due |= Q(registration__isnull=True)
    people = list(teachers.filter(due).select_related("school", "registration").only(
        "name", "id_encrypted", "id_last4", "stage", "subject", "started_work", "school__name", "org_path",
        "registration__valid_until").order_by("org_path", "name", "id"))
    own = [t for t in people if _valid_until(t) is not None]
    if own:
        book = WindowBook(every_cycle)
        first = min(window_start(_valid_until(t)) for t in own)
        buckets = window_buckets(dated, first, max(_valid_until(t) for t in own))
        for t in own:
            window = book.window(_valid_until(t))
            result.rows.append(_line(t, window_standing(window, buckets.get(t.pk, []), today=today),
                                     valid_until=window.end_date))
        result.windows, result.rules = book.windows(), book.rules()
    others = [t for t in people if _valid_until(t) is None]
    for cycle in cycles if others else []:
        buckets = cycle_buckets(cycle, undated)
        for t in others:
            if t.started_work is not None and t.started_work > cycle.end_date:
                continue  # started after the cycle: not due against it
            result.rows.append(_line(t, standing(cycle, buckets.get(t.pk, []), today=today)))
    order = {t.pk: i for i, t in enumerate(people)}
    result.rows.sort(key=lambda r: (order[r.teacher_id], r.standing.cycle.end_date))
    columns = result.minimum_columns()
    for row in result.rows:
        measures = {("level", m.label): m for m in row.standing.by_level}
        measures |= {("category", m.label): m for m in row.standing.by_category}
        row.minimums = [measures.get((kind, label)) for kind, _code, label, _minimum in columns]
    return result


def _valid_until(teacher: Teacher) -> dt.date | None:
    try:
        return teacher.registration.valid_until  # select_related: no query
    except TeacherRegistration.DoesNotExist:
        return None


def _line(t: Teacher, standing_: CycleStanding, *, valid_until: dt.date | None = None) -> DueTeacher:
    return DueTeacher(teacher_id=t.pk, name=t.name, school=t.school.name, stage=t.get_stage_display(),
                      subject=t.subject, id_encrypted=t.id_encrypted, id_last4=t.id_last4,
                      started_work=t.started_work, standing=standing_, valid_until=valid_until)


def registration_xlsx(data: RegistrationList, *, full_ids: bool) -> bytes:
    """The list as a workbook: a summary sheet, then one line per teacher with each minimum's
    hours and shortfall. `full_ids`: the national ID in full (the registration system keys by
    it; only for those allowed to see it, and the export is audited)."""
    columns = data.minimum_columns()
    book = XlsxBook(title="定期注册学时审核", widths=[6, 10, 22, 26, 8, 10, 24, 10, 10, 10, 10]
                    + [12] * (2 * len(columns)) + [40, 12, 14, 40])
    book.append([f"{data.county.name} 教师资格定期注册学时审核名单"], font=BOLD)
    book.append([f"注册时间 {data.start:%Y-%m-%d} 至 {data.end:%Y-%m-%d}；"
                 f"应注册 {len(data.rows)} 人次，达标 {data.met_count}，未达标 {data.unmet_count}"])
    if data.missing_count:
        book.append([f"其中 {data.missing_count} 人次未登记资格注册有效期，按全省继续教育周期核算：请学校登记其有效期"])
    if data.in_progress:
        book.append([f"周期尚未结束：学时截至 {timezone.localdate():%Y-%m-%d}，未达标者仍可在周期结束前补足"])
    header = ["序号", "姓名", "身份证号", "学校", "学段", "学科", "继续教育周期", "周期学时", "应修学时",
              "是否达标", "差额学时"]
    for _kind, _code, label, _minimum in columns:
        header += [f"{label}学时", f"{label}差额"]
    header += ["未达标项目", "周期内入职", "资格注册有效期至", "学时核算依据"]
    book.append(header, font=BOLD)
    for number, row in enumerate(data.rows, start=1):
        s = row.standing
        cells = [number, row.name, _full_id(row) if full_ids else row.masked_id, row.school, row.stage,
                 row.subject, s.cycle.name, s.total.hours, s.total.minimum, "达标" if s.met else "未达标",
                 s.shortfall]
        for m in row.minimums:
            cells += [m.hours if m else ZERO, m.shortfall if m else ZERO]
        cells += [row.unmet_text(), "是" if row.joined_during_cycle else "",
                  f"{row.valid_until:%Y-%m-%d}" if row.on_record else "未登记", row.basis_text()]
        book.append(cells)
    return book.to_bytes()


def _full_id(row: DueTeacher) -> str:
    try:
        return crypto.decrypt(row.id_encrypted)
    except (InvalidToken, ValueError):
        return row.masked_id
