"""Each teacher's own registration window: the five years before their 教师资格定期注册 falls
due (`TeacherRegistration.valid_until`), measured against the province's rule.

A window seldom coincides with a province cycle (a teacher registered in March 2022 falls due
in March 2027, across the cycles 2022—2026 and 2027—2031). It is measured by the rule of the
cycle it overlaps most (by days; the later one on a tie), as the county applies "the cycle's
rule" to a registration:

- the total, per-level and per-category minimums are that cycle's, scaled by five years over
  the cycle's length in whole years (1 for the MOE's 5-year cycles, so exactly as set);
- the yearly minimum applies to each of the window's own five years, counted from its first
  day (2022-03-15 to 2023-03-14 is its first year), not to calendar years it cuts in two;
- with no cycle overlapping the window at all, the MOE default: 360 学时, no minimums.

A window still running is in progress like a cycle: what it lacks is shown, a year not over is
not counted as unmet.

Cost (`window_buckets`): one GROUP BY over the ledger and one over verified outside records,
per teacher and day, from the earliest window's first day to the latest window's last day; each
row is kept only for the teacher whose window holds its day. A county of 6,000 teachers with
6,000 different dates is still two statements (bench/bench_registry.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from tisheng.ledger.models import HoursCycle
from tisheng.ledger.registry import CycleStanding, RegistryRow, counted_buckets, standing

WINDOW_YEARS = 5
MOE_DEFAULT_HOURS = Decimal("360")
CENT = Decimal("0.01")


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def window_start(valid_until: dt.date) -> dt.date:
    """The first day of the five years before `valid_until` (valid_until 2027-03-14 → 2022-03-15)."""
    return add_years(valid_until, -WINDOW_YEARS) + dt.timedelta(days=1)


def valid_until_from(last_registered: dt.date) -> dt.date:
    """A registration of `last_registered` is valid five years: to the day before its anniversary."""
    return add_years(last_registered, WINDOW_YEARS) - dt.timedelta(days=1)


def year_index(start: dt.date, day: dt.date) -> int:
    """Which of the window's own years (0 = the first) `day` falls in."""
    return day.year - start.year - (1 if (day.month, day.day) < (start.month, start.day) else 0)


@dataclass(eq=False)
class RegistrationWindow:
    """A teacher's window with the rule it is measured by. It has the attributes of an
    HoursCycle that `registry.standing` and the pages read (name, dates, minimums), so the
    list, the .xlsx and the registry page show it as they show a cycle."""

    start_date: dt.date
    end_date: dt.date
    rule: HoursCycle | None  # None: the MOE default
    required_hours: Decimal = MOE_DEFAULT_HOURS
    min_hours_per_year: Decimal = Decimal(0)
    min_by_level: dict = field(default_factory=dict)
    min_by_category: dict = field(default_factory=dict)
    scale: Decimal = Decimal(1)

    own = True  # a teacher's own window, not a province cycle

    @property
    def name(self) -> str:
        return f"本人注册周期 {self.start_date:%Y-%m-%d}—{self.end_date:%Y-%m-%d}"

    @property
    def rule_text(self) -> str:
        """What the window is measured by, in words (the list's and the .xlsx's 核算依据)."""
        if self.rule is None:
            return "按教育部默认规则（5 年 360 学时）"
        text = f"按“{self.rule.name}”的规则"
        return text if self.scale == 1 else f"{text}（按 5 年折算）"

    def periods(self, today: dt.date) -> list[tuple[int, str, bool]]:
        """(index, label, in progress) of the window's years begun by `today`."""
        result = []
        for index in range(WINDOW_YEARS):
            begins = add_years(self.start_date, index)
            if begins > today:
                break
            ends = add_years(self.start_date, index + 1) - dt.timedelta(days=1)
            result.append((index, f"第 {index + 1} 年（{begins:%Y-%m-%d} 起）", today <= ends))
        return result


def _scaled(value, scale: Decimal) -> Decimal:
    return (Decimal(str(value)) * scale).quantize(CENT, rounding=ROUND_HALF_UP).normalize() if value else Decimal(0)


def _cycle_years(cycle: HoursCycle) -> int:
    return max(1, round(((cycle.end_date - cycle.start_date).days + 1) / 365.25))


def rule_for(start: dt.date, end: dt.date, cycles: Iterable[HoursCycle]) -> tuple[HoursCycle | None, Decimal]:
    """The cycle overlapping [start, end] most (the later on a tie) and the scale of its rule."""
    best, best_days = None, 0
    for cycle in cycles:
        days = (min(end, cycle.end_date) - max(start, cycle.start_date)).days + 1
        if days > best_days or (days == best_days and best is not None and cycle.start_date > best.start_date):
            best, best_days = cycle, days
    if best is None:
        return None, Decimal(1)
    years = _cycle_years(best)
    return best, Decimal(1) if years == WINDOW_YEARS else Decimal(WINDOW_YEARS) / Decimal(years)


class WindowBook:
    """The windows of many teachers, one object per distinct due date (teachers who fall due on
    the same day share it, and `standing` parses its rule once)."""

    def __init__(self, cycles: Iterable[HoursCycle]) -> None:
        self.cycles = list(cycles)
        self._windows: dict[dt.date, RegistrationWindow] = {}

    def window(self, valid_until: dt.date) -> RegistrationWindow:
        found = self._windows.get(valid_until)
        if found is None:
            start = window_start(valid_until)
            rule, scale = rule_for(start, valid_until, self.cycles)
            found = RegistrationWindow(start_date=start, end_date=valid_until, rule=rule, scale=scale)
            if rule is not None:
                found.required_hours = _scaled(rule.required_hours, scale)
                found.min_hours_per_year = Decimal(rule.min_hours_per_year)
                found.min_by_level = {k: f"{_scaled(v, scale):f}" for k, v in (rule.min_by_level or {}).items()}
                found.min_by_category = {k: f"{_scaled(v, scale):f}" for k, v in (rule.min_by_category or {}).items()}
            self._windows[valid_until] = found
        return found

    def windows(self) -> list[RegistrationWindow]:
        return sorted(self._windows.values(), key=lambda w: w.end_date)

    def rules(self) -> list[HoursCycle]:
        """The province cycles whose rules the windows so far are measured by."""
        seen: dict[int, HoursCycle] = {}
        for w in self._windows.values():
            if w.rule is not None:
                seen.setdefault(w.rule.pk, w.rule)
        return sorted(seen.values(), key=lambda c: c.end_date)


def window_standing(window: RegistrationWindow, days: Iterable[tuple[dt.date, str, str, Decimal]], *,
                    today: dt.date) -> CycleStanding:
    """(day, level, category, hours) of one teacher, the days outside the window left out,
    against the window's rule."""
    start, end = window.start_date, window.end_date
    buckets = [(year_index(start, day), level, category, hours) for day, level, category, hours in days
               if start <= day <= end]
    return standing(window, buckets, today=today, periods=window.periods(today))  # type: ignore[arg-type]


def rows_standing(window: RegistrationWindow, rows: list[RegistryRow], *, today: dt.date) -> CycleStanding:
    """A teacher's registry page: their counted rows against their own window."""
    return window_standing(window, ((r.date, r.level, r.category, r.hours) for r in rows if r.counts), today=today)


def window_buckets(teachers: QuerySet, start: dt.date, end: dt.date
                   ) -> dict[int, list[tuple[dt.date, str, str, Decimal]]]:
    """(day, level, category, hours) per teacher of `teachers` (already scoped by the caller),
    from `start` to `end` (the union of their windows): two GROUP BY statements."""
    return counted_buckets(teachers, start, end, by_day=True)
