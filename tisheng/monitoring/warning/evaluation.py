"""Evaluating the risk model on a synthetic history whose outcome is known.

Teachers follow one of six activity patterns over a 26-week program (80 hours: the Fujian
1.0 rules): steady, slow (behind the needed pace, half of them speed up at the end), late
starters, stopped (a quarter resume and cram), never started (a fifth cram at the end) and
crammers (a trickle, then a rush). Schools differ: in half of them the stopping patterns are
twice as common. Weekly hours are simulated for the whole program; only the weeks before the
cut-off (week 16) are written to the ledger, the model runs at the cut-off, and what each
teacher did by the deadline says whether they completed. Everything is written inside a
transaction that is rolled back, so the real data is never touched.

Precision = of the teachers flagged high risk, the share who did not complete; recall = of
those who did not complete, the share flagged high risk.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from tisheng.ledger.models import LedgerEntry
from tisheng.monitoring.warning.models import RiskLevel
from tisheng.monitoring.warning.risk import SHANGHAI, risk_compute
from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.people.models import Teacher
from tisheng.programs.completion import evaluate_sums
from tisheng.programs.models import Enrollment, EnrollmentState, Program
from tisheng.programs.rules import FUJIAN_2015

WEEKS = 26
CUTOFF_WEEK = 16
START = dt.date(2024, 3, 4)  # a Monday
ONLINE_SHARE = Decimal("0.625")  # 50 of the 80 hours are online, 30 practice
PATTERNS = {"steady": 0.30, "slow": 0.12, "late": 0.12, "stopped": 0.16, "never": 0.12, "crammer": 0.18}


@dataclass
class History:
    pattern: str
    school: int
    weekly: list[float]

    def hours(self, weeks: int) -> dict[str, Decimal]:
        total = Decimal(str(round(sum(self.weekly[:weeks]), 2)))
        online = (total * ONLINE_SHARE).quantize(Decimal("0.01"))
        return {"online": online, "practice": total - online}


@dataclass
class EvaluationResult:
    teachers: int
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int
    not_completed: int
    flagged: int
    by_pattern: dict[str, dict[str, int]] = field(default_factory=dict)

    def line(self) -> str:
        return (f"precision={self.precision:.3f} recall={self.recall:.3f} teachers={self.teachers} "
                f"not_completed={self.not_completed} flagged_high={self.flagged} tp={self.true_positives} "
                f"fp={self.false_positives} fn={self.false_negatives}")


def _run(rng: random.Random, start: int, rate: tuple[float, float], weekly: list[float], *,
         until: int = WEEKS, skip: float = 0.15) -> None:
    for week in range(start, until):
        if rng.random() >= skip:
            weekly[week] += rng.uniform(*rate)


def simulate(n: int, seed: int) -> list[History]:
    """Weekly hours of `n` teachers over the whole program (pure; deterministic by seed)."""
    rng = random.Random(seed)
    histories = []
    names, weights = list(PATTERNS), list(PATTERNS.values())
    for i in range(n):
        school = i % 10
        lagging = school % 2 == 1
        w = [wt * (2 if lagging and name in ("stopped", "never") else 1) for name, wt in zip(names, weights, strict=True)]
        pattern = rng.choices(names, w)[0]
        weekly = [0.0] * WEEKS
        if pattern == "steady":
            _run(rng, rng.randint(0, 2), (3.6, 5.5), weekly)
        elif pattern == "slow":
            _run(rng, 0, (2.0, 3.2), weekly, until=WEEKS - 6)
            _run(rng, WEEKS - 6, (3.0, 6.0) if rng.random() < 0.5 else (2.0, 3.2), weekly)
        elif pattern == "late":
            _run(rng, rng.randint(6, 12), (5.0, 8.0), weekly)
        elif pattern == "stopped":
            _run(rng, 0, (3.0, 5.0), weekly, until=rng.randint(3, 11))
            if rng.random() < 0.25:
                _run(rng, rng.randint(19, 22), (9.0, 15.0), weekly, skip=0.0)
        elif pattern == "never":
            if rng.random() < 0.2:
                _run(rng, rng.randint(19, 22), (10.0, 16.0), weekly, skip=0.0)
        else:  # crammer
            _run(rng, 0, (0.0, 1.5), weekly, until=CUTOFF_WEEK, skip=0.5)
            _run(rng, rng.randint(17, 21), (11.0, 18.0), weekly, skip=0.0)
        histories.append(History(pattern=pattern, school=school, weekly=[round(h, 2) for h in weekly]))
    return histories


class _Rollback(Exception):
    pass


def _build(histories: list[History], seed: int) -> tuple[Program, str, dt.datetime]:
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
    entries, enrollments = [], []
    rules = program.ruleset
    for teacher, h in zip(teachers, histories, strict=True):
        for week in range(CUTOFF_WEEK):
            hours = Decimal(str(h.weekly[week]))
            if hours <= 0:
                continue
            day = START + dt.timedelta(weeks=week, days=(teacher.pk + week) % 5)
            at = dt.datetime.combine(day, dt.time(20), tzinfo=SHANGHAI)
            online = (hours * ONLINE_SHARE).quantize(Decimal("0.01"))
            for category, value in (("online", online), ("practice", hours - online)):
                if value > 0:
                    entries.append(LedgerEntry(teacher=teacher, program=program, category=category, hours=value,
                                               source_kind="simulation", source_id=f"{week}",
                                               idempotency_key=f"eval-{seed}-{teacher.pk}-{week}-{category}",
                                               granted_by_system="simulation", at=at))
        sums = h.hours(CUTOFF_WEEK)
        evaluation = evaluate_sums(rules, sums)
        state = (EnrollmentState.COMPLETE if evaluation.complete
                 else EnrollmentState.IN_PROGRESS if evaluation.any_hours else EnrollmentState.ENROLLED)
        enrollments.append(Enrollment(program=program, teacher=teacher, school=teacher.school, org_path=teacher.org_path,
                                      state=state, online_hours=sums["online"], practice_hours=sums["practice"],
                                      total_hours=sums["online"] + sums["practice"]))
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    Enrollment.objects.bulk_create(enrollments, batch_size=2000)
    from tisheng.monitoring.services.rollups import rollups_refresh

    rollups_refresh(program)  # the schools' own pace, as the model reads it
    cutoff = dt.datetime.combine(START + dt.timedelta(weeks=CUTOFF_WEEK), dt.time(), tzinfo=SHANGHAI)
    return program, county.path, cutoff


def warning_evaluate(*, n: int = 400, seed: int = 20240304) -> EvaluationResult:
    """Simulate, score at the cut-off, compare with the outcome at the deadline."""
    histories = simulate(n, seed)
    rules = Program(rules=FUJIAN_2015).ruleset
    completed = [evaluate_sums(rules, h.hours(WEEKS)).complete for h in histories]
    result: EvaluationResult | None = None
    try:
        with transaction.atomic():
            program, path, cutoff = _build(histories, seed)
            teacher_ids = list(Teacher.objects.filter(org_path__startswith=path + "/").order_by("pk")
                               .values_list("pk", flat=True))
            index = {pk: i for i, pk in enumerate(teacher_ids)}
            high = {index[r.teacher_id] for r in risk_compute(program, path, cutoff) if r.level == RiskLevel.HIGH}
            result = _score(histories, completed, high)
            raise _Rollback
    except _Rollback:
        pass
    assert result is not None
    return result


def _score(histories: list[History], completed: list[bool], high: set[int]) -> EvaluationResult:
    missed = {i for i, done in enumerate(completed) if not done}
    tp, fp, fn = len(high & missed), len(high - missed), len(missed - high)
    by_pattern: dict[str, Counter] = {}
    for i, h in enumerate(histories):
        c = by_pattern.setdefault(h.pattern, Counter())
        c["teachers"] += 1
        c["not_completed"] += i in missed
        c["flagged_high"] += i in high
    return EvaluationResult(
        teachers=len(histories), precision=tp / (tp + fp) if tp + fp else 0.0, recall=tp / (tp + fn) if tp + fn else 0.0,
        true_positives=tp, false_positives=fp, false_negatives=fn, not_completed=len(missed), flagged=len(high),
        by_pattern={k: dict(v) for k, v in sorted(by_pattern.items())})
