"""Registry totals of many teachers in one cycle, computed in the database: for each teacher,
the hours that count in the cycle and the hours still needed (`registry.standing`'s
`shortfall`: the largest gap of the total, a level's, a category's or a finished year's
minimum). One statement per cycle, whatever the number of teachers: the province's 450,000
teachers are a single GROUP BY over the ledger rows and outside records of the cycle's dates,
with no ORM object and no Python loop per teacher (bench/bench_registry.py).

`standing` stays the one definition of the rule for a teacher's page and the 定期注册 list
(which show every measure); this is the same rule as SQL for the totals of a whole province,
and tests/test_registry_totals.py holds the two to the same answers.

What counts is what `registry.counted_buckets` reads: standing ledger credits (a credit that
was reversed and its reversal left out together: NOT EXISTS, which PostgreSQL plans as an
anti-join) and verified outside records, dated in the cycle (the ledger by its day in Shanghai).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, F, IntegerField, OuterRef, QuerySet
from django.db.models.functions import Cast, ExtractYear, Round

from tisheng.ledger.models import ExternalHoursRecord, HoursCycle, LedgerEntry
from tisheng.ledger.registry import CATEGORY_LABELS, LEVEL_LABELS, SHANGHAI, _day_start, _rule
from tisheng.people.models import Teacher

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Totals:
    """A teacher's hours in a cycle and what they still need (0: every minimum met so far)."""

    hours: Decimal
    shortfall: Decimal

    @property
    def met(self) -> bool:
        return not self.shortfall


def standing_ledger(teachers: QuerySet[Teacher], start: dt.date, end: dt.date) -> QuerySet:
    """The ledger credits that stand, of `teachers` from `start` to `end`: (teacher, year, level,
    category, hours) rows, not grouped."""
    reversed_later = LedgerEntry.objects.filter(reverses=OuterRef("pk"))
    return (LedgerEntry.objects.filter(teacher__in=teachers.values("pk"), at__gte=_day_start(start),
                                       at__lt=_day_start(end + dt.timedelta(days=1)), reverses__isnull=True)
            .filter(~Exists(reversed_later))
            .values(b_teacher=F("teacher_id"), b_year=ExtractYear("at", tzinfo=SHANGHAI),
                         b_level=F("program__registry_level"), b_category=F("program__registry_category"),
                         b_cents=_cents("hours")).order_by())


def verified_external(teachers: QuerySet[Teacher], start: dt.date, end: dt.date) -> QuerySet:
    """The verified outside records of `teachers` from `start` to `end`, in the same columns."""
    return (ExternalHoursRecord.objects.filter(
        teacher__in=teachers.values("pk"), earned_on__gte=start, earned_on__lte=end,
        verification=ExternalHoursRecord.Verification.VERIFIED)
        .values(b_teacher=F("teacher_id"), b_year=ExtractYear("earned_on"), b_level=F("level"),
                     b_category=F("category"), b_cents=_cents("hours")).order_by())


def _cents(field: str) -> Cast:
    """Hours as whole cents: PostgreSQL sums integers in a small fixed state where a numeric sum
    keeps a large one (measured with a rule of a dozen sums: 2.7 KB of hash table a teacher with
    numeric, 0.3 KB with integers; 1.2 GB against 140 MB for the province's 450,000)."""
    return Cast(Round(F(field) * 100), IntegerField())


def _hours(cents) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(CENT)


def _c(hours) -> int:
    return int((Decimal(str(hours)) * 100).to_integral_value())


def cycle_totals(cycle: HoursCycle, teachers: QuerySet[Teacher], *, today: dt.date | None = None
                 ) -> dict[int, Totals]:
    """Totals of every teacher of `teachers` (already scoped by the caller) in `cycle`, teachers
    without hours included. One statement."""
    today = today or dt.datetime.now(SHANGHAI).date()
    min_level, min_category = _rule(cycle)
    gaps: list[tuple[str, list]] = [("%s - COALESCE(SUM(b.b_cents), 0)", [_c(cycle.required_hours)])]
    for column, minimums, codes in (("b_level", min_level, LEVEL_LABELS), ("b_category", min_category, CATEGORY_LABELS)):
        for code, minimum in minimums.items():
            if minimum and code in codes:  # as `standing`: only the levels and categories it knows
                gaps.append((f"%s - COALESCE(SUM(CASE WHEN b.{column} = %s THEN b.b_cents END), 0)",
                             [_c(minimum), code]))
    if cycle.min_hours_per_year:  # the years over; a year still running is not unmet
        for year in range(cycle.start_date.year, min(cycle.end_date.year, today.year - 1) + 1):
            gaps.append(("%s - COALESCE(SUM(CASE WHEN b.b_year = %s THEN b.b_cents END), 0)",
                         [_c(cycle.min_hours_per_year), year]))
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    ledger_sql, ledger_params = standing_ledger(teachers, cycle.start_date, cycle.end_date).query.sql_with_params()
    external_sql, external_params = verified_external(teachers, cycle.start_date, cycle.end_date
                                                      ).query.sql_with_params()
    people_sql, people_params = teachers.values(b_id=F("pk")).order_by().query.sql_with_params()
    sql = (f"SELECT t.b_id, COALESCE(SUM(b.b_cents), 0), {greatest}(0, {', '.join(g for g, _p in gaps)}) "
           f"FROM ({people_sql}) t "
           f"LEFT JOIN ({ledger_sql} UNION ALL {external_sql}) b ON b.b_teacher = t.b_id GROUP BY t.b_id")
    params = [*(p for _g, ps in gaps for p in ps), *people_params, *ledger_params, *external_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tid: Totals(_hours(hours), _hours(short)) for tid, hours, short in cursor.fetchall()}

