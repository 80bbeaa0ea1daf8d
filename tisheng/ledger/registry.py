"""The continuing-education registry (继续教育学时档案): every credited hour of a teacher,
from every program and from outside the platform, by category and level, measured against
the province's cycles.

It is a selector over the ledger, not a table of its own. The ledger is append-only and every
row already names its teacher, program and date; a program says what its hours count as
(`registry_category`, `registry_level`), and hours from outside are `ExternalHoursRecord`s.
A copy kept in step would be a second truth to refresh after every credit, and the numbers do
not ask for one (bench/bench_registry.py): a teacher's page is three indexed queries
(ledger by teacher, external records by teacher, cycles — read once for the cycles and the
teacher's own window), whatever their history; a county's list with every measure is two
GROUP BY statements per cycle; the province's totals (hours and shortfall of each of 450,000
teachers) are one statement per cycle with the rule applied in SQL (registry_totals.py).

A credit that was reversed and its reversal are left out together, so the registry shows the
hours that stand and a reversal never lands in a later cycle than the credit it cancels.
Only verified external records count toward a cycle; the others are shown as 待核验.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import ExtractYear, TruncDate

from tisheng.ledger.models import ExternalHoursRecord, HoursCycle, LedgerEntry
from tisheng.people.models import Teacher
from tisheng.programs.models import RegistryCategory, RegistryLevel

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0")
PROGRAM_SOURCE_LABELS = {
    "course": "网络课程",
    "xapi": "培训平台上报",
    "practice_point": "能力点考核",
    "practice": "校本实践",
    "declaration": "个人申报（学校审核）",
    "offline": "线下培训",
    "manual": "人工录入",
}
EXTERNAL_SOURCE_LABELS = {
    ExternalHoursRecord.Source.NATIONAL_PLATFORM: "国家智慧教育平台",
    ExternalHoursRecord.Source.OTHER_PROVINCE: "外省转入",
    ExternalHoursRecord.Source.OTHER_PLATFORM: "其他培训平台",
}
LEVEL_LABELS = {
    RegistryLevel.NATIONAL: "国家级", RegistryLevel.PROVINCE: "省级", RegistryLevel.CITY: "市级",
    RegistryLevel.COUNTY: "县级", RegistryLevel.SCHOOL: "校本",
}
CATEGORY_LABELS = {
    RegistryCategory.IT_ABILITY: "信息技术应用能力", RegistryCategory.ETHICS: "师德师风",
    RegistryCategory.SUBJECT: "学科教学", RegistryCategory.GENERAL: "综合素养",
}
VERIFICATION_LABELS = {"verified": "已核验", "unverified": "待核验", "rejected": "未通过核验"}


@dataclass(frozen=True)
class RegistryRow:
    """One line of a teacher's registry."""

    date: dt.date
    title: str
    source: str
    category: str
    level: str
    hours: Decimal
    verification: str = "verified"
    external: bool = False
    certificate_no: str = ""  # an outside record's certificate number, as its platform issued it

    @property
    def counts(self) -> bool:
        return self.verification == "verified"

    @property
    def date_text(self) -> str:
        """2026-03-01: what the page shows (the `date` filter costs ten times more per row)."""
        return self.date.isoformat()

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def verification_label(self) -> str:
        return VERIFICATION_LABELS.get(self.verification, self.verification)


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a third of a standing
class Measure:
    """Hours against a minimum (`minimum` 0: nothing required, shown for information). A year
    still running is `in_progress`: what it lacks is shown, not counted as unmet."""

    label: str
    hours: Decimal
    minimum: Decimal
    in_progress: bool = False

    @property
    def met(self) -> bool:
        return self.hours >= self.minimum

    @property
    def shortfall(self) -> Decimal:
        return max(self.minimum - self.hours, ZERO)


@dataclass(slots=True)
class CycleStanding:
    """A teacher's totals in one cycle against its rule."""

    cycle: HoursCycle
    total: Measure
    in_progress: bool = False
    by_level: list[Measure] = field(default_factory=list)
    by_category: list[Measure] = field(default_factory=list)
    by_year: list[Measure] = field(default_factory=list)

    @property
    def unmet(self) -> list[Measure]:
        """Every minimum not met (yet), the total first; a year still running is not unmet."""
        measures = [self.total, *self.by_level, *self.by_category, *self.by_year]
        return [m for m in measures if m.minimum and not m.met and not m.in_progress]

    @property
    def met(self) -> bool:
        return not self.unmet

    @property
    def shortfall(self) -> Decimal:
        """Hours still needed: the total's gap, or the largest single minimum's gap when that
        is more (hours of a missing level also count toward the total)."""
        return max([m.shortfall for m in self.unmet] or [ZERO])


def _local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def registry_rows(teacher: Teacher) -> list[RegistryRow]:
    """The teacher's registry, oldest first: every standing ledger credit with its program,
    and every external record. The caller has fetched `teacher` through the scope filter.
    Two queries."""
    return registry_rows_for([teacher.pk]).get(teacher.pk, [])


def registry_rows_for(teacher_ids: Iterable[int], *, start: dt.date | None = None, end: dt.date | None = None,
                      ) -> dict[int, list[RegistryRow]]:
    """`registry_rows` of many teachers at once (already scoped by the caller), optionally only
    the rows dated from `start` to `end`: two queries whatever their number (the 职称 list)."""
    ids = list(teacher_ids)
    entries = (LedgerEntry.objects.filter(teacher_id__in=ids, reverses__isnull=True, reversed_by__isnull=True)
               .select_related("program").only("teacher_id", "at", "hours", "source_kind", "program__name",
                                                "program__registry_category", "program__registry_level"))
    external = ExternalHoursRecord.objects.filter(teacher_id__in=ids)
    if start is not None:
        entries, external = entries.filter(at__gte=_day_start(start)), external.filter(earned_on__gte=start)
    if end is not None:
        entries = entries.filter(at__lt=_day_start(end + dt.timedelta(days=1)))
        external = external.filter(earned_on__lte=end)
    result: dict[int, list[RegistryRow]] = defaultdict(list)
    for e in entries:
        result[e.teacher_id].append(RegistryRow(
            date=_local_date(e.at), title=e.program.name, source=PROGRAM_SOURCE_LABELS.get(e.source_kind, "平台项目"),
            category=e.program.registry_category, level=e.program.registry_level, hours=e.hours))
    for r in external:
        result[r.teacher_id].append(RegistryRow(
            date=r.earned_on, title=r.title, source=_external_source(r.source, r.platform),
            category=r.category, level=r.level, hours=r.hours, verification=r.verification, external=True,
            certificate_no=r.certificate_no))
    for rows in result.values():
        rows.sort(key=lambda r: (r.date, r.external))
    return result


def _external_source(source: str, platform: str) -> str:
    """"国家智慧教育平台", or "外省转入 · 江西省继续教育平台": the platform once when it is the source."""
    label = EXTERNAL_SOURCE_LABELS.get(source, source)
    return label if not platform or platform == label else f"{label} · {platform}"


def cycles_for(org_path: str) -> QuerySet[HoursCycle]:
    """The cycles set for the org path or any level above it, latest first."""
    parts = org_path.split("/")
    ancestors = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return HoursCycle.objects.filter(region_path__in=ancestors).order_by("-start_date", "id")


def _rule(cycle: HoursCycle) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """The cycle's minimums per level and per category as Decimals, parsed once per cycle
    object (a county's list or the province's totals measure every teacher against it)."""
    key = (repr(cycle.min_by_level), repr(cycle.min_by_category))
    cached = cycle.__dict__.get("_registry_rule")
    if cached is None or cached[0] != key:
        cached = (key, ({k: Decimal(str(v)) for k, v in (cycle.min_by_level or {}).items()},
                        {k: Decimal(str(v)) for k, v in (cycle.min_by_category or {}).items()}))
        cycle.__dict__["_registry_rule"] = cached
    return cached[1]


def standing(cycle: HoursCycle, buckets: Iterable[tuple[int, str, str, Decimal]], *,
             today: dt.date | None = None, periods: list[tuple[int, str, bool]] | None = None) -> CycleStanding:
    """Totals of (year, level, category, hours) buckets against the cycle's rule. About 40 µs
    (bench/bench_registry.py): plain dicts, the rule parsed once per cycle. `periods` (key,
    label, in progress) replaces the cycle's calendar years for the yearly minimum: a teacher's
    own registration window counts its own years (registration_windows.py)."""
    today = today or dt.datetime.now(SHANGHAI).date()  # timezone.localdate() costs ten times more
    by_year: dict[int, Decimal] = {}
    by_level: dict[str, Decimal] = {}
    by_category: dict[str, Decimal] = {}
    total = ZERO
    for year, level, category, hours in buckets:
        by_year[year] = by_year.get(year, ZERO) + hours
        by_level[level] = by_level.get(level, ZERO) + hours
        by_category[category] = by_category.get(category, ZERO) + hours
        total += hours
    min_level, min_category = _rule(cycle)
    result = CycleStanding(cycle=cycle, total=Measure("合计", total, cycle.required_hours),
                           in_progress=today <= cycle.end_date)
    for code, label in LEVEL_LABELS.items():
        if code in by_level or code in min_level:
            result.by_level.append(Measure(label, by_level.get(code, ZERO), min_level.get(code, ZERO)))
    for code, label in CATEGORY_LABELS.items():
        if code in by_category or code in min_category:
            result.by_category.append(Measure(label, by_category.get(code, ZERO), min_category.get(code, ZERO)))
    if periods is None:
        periods = [(year, f"{year} 年", year >= today.year)
                   for year in range(cycle.start_date.year, min(cycle.end_date.year, today.year) + 1)]
    for key, label, running in periods:
        result.by_year.append(Measure(label, by_year.get(key, ZERO), cycle.min_hours_per_year, in_progress=running))
    return result


def teacher_standings(teacher: Teacher, rows: list[RegistryRow], *, today: dt.date | None = None,
                      cycles: Iterable[HoursCycle] | None = None) -> list[CycleStanding]:
    """Each cycle of the teacher's province with the teacher's counted rows inside it. `cycles`:
    the teacher's `cycles_for`, when the caller has them already (the registry page reads them
    once for these and for the teacher's own registration window)."""
    result = []
    for cycle in cycles_for(teacher.org_path) if cycles is None else cycles:
        buckets = [(r.date.year, r.level, r.category, r.hours) for r in rows
                   if r.counts and cycle.start_date <= r.date <= cycle.end_date]
        result.append(standing(cycle, buckets, today=today))
    return result


def counted_buckets(teachers: QuerySet[Teacher], start: dt.date, end: dt.date, *, by_day: bool = False
                    ) -> dict[int, list[tuple[int | dt.date, str, str, Decimal]]]:
    """(bucket, level, category, hours) per teacher of `teachers` (already scoped by the caller)
    from `start` to `end` inclusive — the bucket the year, or the day with `by_day` — over what
    counts: standing ledger credits and verified outside records. Two GROUP BY statements,
    whatever the number of teachers."""
    result: dict[int, list] = defaultdict(list)
    at = (TruncDate if by_day else ExtractYear)("at", tzinfo=SHANGHAI)
    # NOT EXISTS rather than `reversed_by__isnull` (a LEFT JOIN … IS NULL that PostgreSQL
    # estimates at one row and joins the program and teacher to in nested loops).
    reversed_later = LedgerEntry.objects.filter(reverses=OuterRef("pk"))
    ledger = (LedgerEntry.objects.filter(teacher__in=teachers.values("pk"), at__gte=_day_start(start),
                                         at__lt=_day_start(end + dt.timedelta(days=1)), reverses__isnull=True)
              .filter(~Exists(reversed_later))
              .values_list("teacher_id", at, "program__registry_level", "program__registry_category")
              .annotate(hours=Sum("hours")).order_by())
    earned = "earned_on" if by_day else ExtractYear("earned_on")
    external = (ExternalHoursRecord.objects.filter(
        teacher__in=teachers.values("pk"), earned_on__gte=start, earned_on__lte=end,
        verification=ExternalHoursRecord.Verification.VERIFIED)
        .values_list("teacher_id", earned, "level", "category")
        .annotate(hours=Sum("hours")).order_by())
    for rows in (ledger, external):
        for teacher_id, bucket, level, category, hours in rows:
            result[teacher_id].append((bucket, level, category, hours))
    return result


def cycle_buckets(cycle: HoursCycle, teachers: QuerySet[Teacher]) -> dict[int, list[tuple[int, str, str, Decimal]]]:
    """(year, level, category, hours) per teacher in the cycle: what the 定期注册 list and the
    bench run."""
    return counted_buckets(teachers, cycle.start_date, cycle.end_date)

