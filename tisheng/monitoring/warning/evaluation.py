"""Evaluating the risk model on a synthetic history whose outcome is known.

A two-year program (WEEKS weeks, 80 hours: the Fujian 1.0 rules) and teachers who behave as
teachers do in a long program: steady ones who finish early or on time, a few who finish in the
first months, late starters who do nothing for most of the program and then catch up (most of
them make it, some start too late), teachers who stall after a good start (some resume and
cram), slow ones (some speed up at the end), crammers who trickle and rush, and some who never
start. Schools differ: in half of them stalling and never starting are twice as common. Once a
teacher has the hours they stop. Weekly hours are simulated for the whole program; the model is
run "as if today were" several points of the program's life (10 %, 50 % and 90 % of its span
and the deadline month), each time with only the hours before that day in the ledger, the
enrollments and the schools' roll-ups as they were then; what each teacher did by the deadline
says whether they completed. Everything is written inside a transaction that is rolled back,
so the real data is never touched.

At each point: the share of the open enrollments (teachers not yet complete) at each level,
and for "will not complete by the deadline", precision (of the teachers flagged, the share who
did not complete) and recall (of those who did not complete, the share flagged) of high risk
and of high + medium. The history also gives what teachers achieve while they study (the
median, over the teachers who completed, of their busiest four weeks in hours a day): the
estimate behind risk.ACHIEVABLE_HOURS_PER_DAY.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from tisheng.ledger.models import LedgerEntry
from tisheng.monitoring.warning.models import RiskLevel
from tisheng.monitoring.warning.risk import SHANGHAI, deadline_of, risk_compute
from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.people.models import Teacher
from tisheng.programs.completion import evaluate_sums
from tisheng.programs.models import Enrollment, EnrollmentState, Program
from tisheng.programs.rules import FUJIAN_2015

WEEKS = 104
REQUIRED = 80.0
START = dt.date(2024, 3, 4)  # a Monday
ONLINE_SHARE = Decimal("0.625")  # 50 of the 80 hours are online, 30 practice
PATTERNS = {"steady": 0.22, "early": 0.08, "late": 0.20, "stalled": 0.16, "slow": 0.12, "crammer": 0.10,
            "never": 0.12}
# The points of the program's life the model is run at: a share of its span, or "deadline
# month" (15 days before the deadline).
POINTS = (("10%", 0.10), ("50%", 0.50), ("90%", 0.90), ("deadline month", None))
DEADLINE_MONTH_DAYS = 15


@dataclass
class History:
    pattern: str
    school: int
    weekly: list[float]

    def hours(self, weeks: float) -> dict[str, Decimal]:
        whole = int(weeks)
        total = Decimal(str(round(sum(self.weekly[:whole]), 2)))
        online = (total * ONLINE_SHARE).quantize(Decimal("0.01"))
        return {"online": online, "practice": total - online}


@dataclass
class PointResult:
    label: str
    as_of: dt.date
    days_left: int
    open: int  # enrollments not yet complete, the ones scored
    levels: dict[str, int]
    precision_high: float
    recall_high: float
    precision_high_medium: float
    recall_high_medium: float
    not_completed: int
    by_pattern: dict[str, dict[str, int]] = field(default_factory=dict)

    def share(self, level: str) -> float:
        return self.levels.get(level, 0) / self.open if self.open else 0.0

    def line(self) -> str:
        return (f"{self.label:>14} as_of={self.as_of} days_left={self.days_left} open={self.open} "
                f"high={self.share(RiskLevel.HIGH):.0%} medium={self.share(RiskLevel.MEDIUM):.0%} "
                f"low={self.share(RiskLevel.LOW):.0%} "
                f"high: precision={self.precision_high:.2f} recall={self.recall_high:.2f} "
                f"high+medium: precision={self.precision_high_medium:.2f} recall={self.recall_high_medium:.2f}")


@dataclass
class EvaluationResult:
    teachers: int
    not_completed: int
    achievable_per_day: float  # the history's estimate of what teachers achieve while they study
    points: list[PointResult]

    def at(self, label: str) -> PointResult:
        return next(p for p in self.points if p.label == label)

    def by_pattern_total(self, pattern: str) -> int:
        return self.points[0].by_pattern.get(pattern, {}).get("teachers", 0) if self.points else 0

    def line(self) -> str:
        return (f"teachers={self.teachers} not_completed={self.not_completed} "
                f"({self.not_completed / self.teachers:.0%}) achievable_hours_per_day={self.achievable_per_day:.2f}")


def _study(rng: random.Random, weekly: list[float], start: int, until: int, rate: tuple[float, float], *,
           skip: float = 0.2) -> None:
    for week in range(max(start, 0), min(until, WEEKS)):
        if rng.random() >= skip:
            weekly[week] += rng.uniform(*rate)


def _week(share: float) -> int:
    return round(share * WEEKS)


def _pace_for(start: int, finish: int) -> tuple[float, float]:
    """Weekly hours that reach REQUIRED between two weeks, ± 20 %, counting skipped weeks."""
    rate = REQUIRED / max(finish - start, 1) / 0.8
    return rate * 0.8, rate * 1.2


def simulate(n: int, seed: int) -> list[History]:
    """Weekly hours of `n` teachers over the whole program (pure; deterministic by seed)."""
    rng = random.Random(seed)
    histories = []
    names, weights = list(PATTERNS), list(PATTERNS.values())
    for i in range(n):
        school = i % 10
        lagging = school % 2 == 1
        w = [wt * (2 if lagging and name in ("stalled", "never") else 1) for name, wt in zip(names, weights, strict=True)]
        pattern = rng.choices(names, w)[0]
        weekly = [0.0] * WEEKS
        if pattern == "steady":
            start = _week(rng.uniform(0, 0.15))
            _study(rng, weekly, start, WEEKS, _pace_for(start, _week(rng.uniform(0.5, 0.95))))
        elif pattern == "early":
            _study(rng, weekly, 0, WEEKS, _pace_for(0, _week(rng.uniform(0.15, 0.3))), skip=0.1)
        elif pattern == "late":  # nothing for most of the program, then a catch-up at 4–14 h a week
            _study(rng, weekly, _week(rng.uniform(0.45, 0.9)), WEEKS, (4.0, rng.uniform(6.0, 14.0)), skip=0.1)
        elif pattern == "stalled":
            start = _week(rng.uniform(0, 0.3))
            _study(rng, weekly, start, _week(rng.uniform(0.35, 0.75)), _pace_for(start, _week(0.9)))
            if rng.random() < 0.4:
                _study(rng, weekly, _week(rng.uniform(0.78, 0.92)), WEEKS, (5.0, 12.0), skip=0.1)
        elif pattern == "slow":
            lo, hi = _pace_for(0, WEEKS)
            factor = rng.uniform(0.5, 0.9)
            _study(rng, weekly, 0, _week(0.8), (lo * factor, hi * factor))
            fast = rng.random() < 0.5
            _study(rng, weekly, _week(0.8), WEEKS, (lo * factor * (2.5 if fast else 1), hi * factor * (2.5 if fast else 1)))
        elif pattern == "crammer":
            _study(rng, weekly, 0, _week(0.85), (0.0, 1.0), skip=0.6)
            _study(rng, weekly, _week(rng.uniform(0.85, 0.95)), WEEKS, (8.0, 16.0), skip=0.0)
        # "never": no hours at all.
        done = 0.0
        target = REQUIRED + rng.uniform(0, 4)
        for week, hours in enumerate(weekly):  # once the hours are there, a teacher stops
            weekly[week] = round(min(hours, max(target - done, 0.0)), 2)
            done += weekly[week]
        histories.append(History(pattern=pattern, school=school, weekly=weekly))
    return histories


def achievable_per_day(histories: list[History]) -> float:
    """The median, over the teachers who completed, of their busiest four weeks (hours a day)."""
    best = [max(sum(h.weekly[w:w + 4]) for w in range(WEEKS - 3)) / 28 for h in histories
            if sum(h.weekly) >= REQUIRED - 0.01]
    return statistics.median(best) if best else 0.0


class _Rollback(Exception):
    pass


def _build(histories: list[History], seed: int) -> tuple[Program, str, list[Teacher]]:
    end = START + dt.timedelta(weeks=WEEKS) - dt.timedelta(days=1)
    program = Program.objects.create(code=f"warning-eval-{seed}", name="预警模型评估（模拟）", status="active",
                                      start_date=START, end_date=end, reference_date=START, rules=FUJIAN_2015)
    province = Region.objects.create(code="99", name="模拟省", level=RegionLevel.PROVINCE, path="99")
    city = Region.objects.create(code="9901", name="模拟市", level=RegionLevel.CITY, parent=province, path="99/9901")
    county = Region.objects.create(code="990101", name="模拟县", level=RegionLevel.COUNTY, parent=city,
                                   path="99/9901/990101")
    schools = [School.objects.create(code=f"99010100{k:02d}", name=f"模拟学校{k + 1}", county=county, stage="primary")
               for k in range(10)]
    teachers = Teacher.objects.bulk_create([
        Teacher(name=f"模拟教师{i + 1}", id_hash=f"warning-eval-{seed}-{i}", id_encrypted="-", id_last4="0000",
                birth_date=dt.date(1985, 1, 1), sex="F", school=schools[h.school], org_path=schools[h.school].path,
                stage="primary", subject="语文")
        for i, h in enumerate(histories)])
    Enrollment.objects.bulk_create([
        Enrollment(program=program, teacher=t, school=t.school, org_path=t.org_path, state=EnrollmentState.ENROLLED)
        for t in teachers], batch_size=2000)
    return program, county.path, teachers


def _entries(program: Program, teacher: Teacher, h: History, weeks: range, seed: int) -> list[LedgerEntry]:
    out = []
    for week in weeks:
        hours = Decimal(str(h.weekly[week]))
        if hours <= 0:
            continue
        day = START + dt.timedelta(weeks=week, days=(teacher.pk + week) % 5)
        at = dt.datetime.combine(day, dt.time(20), tzinfo=SHANGHAI)
        online = (hours * ONLINE_SHARE).quantize(Decimal("0.01"))
        for category, value in (("online", online), ("practice", hours - online)):
            if value > 0:
                out.append(LedgerEntry(teacher=teacher, program=program, category=category, hours=value,
                                       source_kind="simulation", source_id=f"{week}",
                                       idempotency_key=f"eval-{seed}-{teacher.pk}-{week}-{category}",
                                       granted_by_system="simulation", at=at))
    return out


def _as_of_dates(program: Program) -> list[tuple[str, dt.datetime]]:
    deadline = deadline_of(program)
    start = dt.datetime.combine(program.start_date, dt.time(), tzinfo=SHANGHAI)
    return [(label, start + (deadline - start) * share if share is not None
             else deadline - dt.timedelta(days=DEADLINE_MONTH_DAYS)) for label, share in POINTS]


def warning_evaluate(*, n: int = 400, seed: int = 20240304) -> EvaluationResult:
    """Simulate, score at each point of the program's life, compare with the outcome at the
    deadline."""
    from tisheng.monitoring.services.rollups import rollups_refresh

    histories = simulate(n, seed)
    rules = Program(rules=FUJIAN_2015).ruleset
    missed = {i for i, h in enumerate(histories) if not evaluate_sums(rules, h.hours(WEEKS)).complete}
    points: list[PointResult] = []
    try:
        with transaction.atomic():
            program, path, teachers = _build(histories, seed)
            index = {t.pk: i for i, t in enumerate(teachers)}
            written = 0  # weeks already in the ledger
            for label, as_of in _as_of_dates(program):
                # The weeks whose entries fall on or before `as_of` (an entry is at most 4 days into its week).
                upto = max(w for w in range(WEEKS + 1)
                           if w == 0 or dt.datetime.combine(START + dt.timedelta(weeks=w - 1, days=4), dt.time(20),
                                                            tzinfo=SHANGHAI) <= as_of)
                LedgerEntry.objects.bulk_create(
                    [e for t, h in zip(teachers, histories, strict=True) for e in _entries(program, t, h, range(written, upto), seed)
                     if e.at <= as_of], batch_size=2000)
                written = upto
                _enrollments_as_of(program, rules, as_of)
                rollups_refresh(program, day=as_of.date())
                rows = risk_compute(program, path, as_of)
                levels = {index[r.teacher_id]: r.level for r in rows}
                points.append(_score(label, as_of, program, histories, missed, levels))
            raise _Rollback
    except _Rollback:
        pass
    return EvaluationResult(teachers=n, not_completed=len(missed), achievable_per_day=achievable_per_day(histories),
                            points=points)


def _enrollments_as_of(program: Program, rules, as_of: dt.datetime) -> None:
    """Each enrollment's state and hours as they were at `as_of`, from the ledger written so far."""
    from django.db.models import Sum

    sums: dict[int, dict[str, Decimal]] = {}
    for row in (LedgerEntry.objects.filter(program=program, at__lte=as_of).values("teacher_id", "category")
                .annotate(total=Sum("hours")).order_by()):
        sums.setdefault(row["teacher_id"], {})[row["category"]] = row["total"]
    enrollments = list(Enrollment.objects.filter(program=program))
    for e in enrollments:
        hours = sums.get(e.teacher_id, {})
        evaluation = evaluate_sums(rules, hours)
        e.state = (EnrollmentState.COMPLETE if evaluation.complete
                   else EnrollmentState.IN_PROGRESS if evaluation.any_hours else EnrollmentState.ENROLLED)
        e.online_hours = hours.get("online", Decimal(0))
        e.practice_hours = hours.get("practice", Decimal(0))
        e.total_hours = e.online_hours + e.practice_hours
    Enrollment.objects.bulk_update(enrollments, ["state", "online_hours", "practice_hours", "total_hours"],
                                   batch_size=2000)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _score(label: str, as_of: dt.datetime, program: Program, histories: list[History], missed: set[int],
           levels: dict[int, str]) -> PointResult:
    high = {i for i, level in levels.items() if level == RiskLevel.HIGH}
    flagged = high | {i for i, level in levels.items() if level == RiskLevel.MEDIUM}
    by_pattern: dict[str, Counter] = {}
    for i, h in enumerate(histories):
        c = by_pattern.setdefault(h.pattern, Counter())
        c["teachers"] += 1
        c["open"] += i in levels
        c["not_completed"] += i in missed
        c["high"] += i in high
        c["medium"] += i in flagged and i not in high
    return PointResult(
        label=label, as_of=as_of.date(), days_left=(deadline_of(program) - as_of).days, open=len(levels),
        levels=dict(Counter(levels.values())),
        precision_high=_ratio(len(high & missed), len(high)), recall_high=_ratio(len(high & missed), len(missed)),
        precision_high_medium=_ratio(len(flagged & missed), len(flagged)),
        recall_high_medium=_ratio(len(flagged & missed), len(missed)), not_completed=len(missed),
        by_pattern={k: dict(v) for k, v in sorted(by_pattern.items())})
