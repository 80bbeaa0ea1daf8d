"""A teacher's own standing in each program: where they are, what is left, and whether their
pace reaches the deadline — the teacher's end of the monitoring (their own rows only)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from tisheng.learning.models import CourseSelection
from tisheng.ledger.models import LedgerEntry
from tisheng.monitoring.services.rollups import SHANGHAI
from tisheng.people.models import Teacher
from tisheng.programs.completion import Evaluation, evaluate
from tisheng.programs.models import Enrollment, EnrollmentState

PACE_DAYS = 28  # the pace is the hours credited in the last four weeks
ZERO = Decimal("0")


@dataclass
class Standing:
    enrollment: Enrollment
    evaluation: Evaluation
    days_left: int
    remaining: Decimal  # hours still needed, all categories together
    pace_per_week: Decimal  # hours credited per week over the last PACE_DAYS
    needed_per_week: Decimal | None  # to finish by the deadline (None: nothing left or no time left)
    projected_finish: dt.date | None  # at the current pace (None: nothing left, or no pace)
    courses_selected: int = 0
    courses_started: int = 0
    practice: dict = field(default_factory=dict)

    @property
    def percent(self) -> int:
        required = self.evaluation.required or Decimal(1)
        return min(100, int(100 * (required - self.remaining) / required))

    @property
    def late_by_days(self) -> int | None:
        if self.projected_finish is None:
            return None
        deadline = self.enrollment.program.end_date
        return (self.projected_finish - deadline).days if self.projected_finish > deadline else 0

    @property
    def done(self) -> bool:
        return self.enrollment.state not in (EnrollmentState.ENROLLED, EnrollmentState.IN_PROGRESS,
                                             EnrollmentState.RETURNED)


def standings(teacher: Teacher, *, now: dt.datetime | None = None) -> list[Standing]:
    now = (now or timezone.now()).astimezone(SHANGHAI)
    today = now.date()
    enrollments = list(Enrollment.objects.filter(teacher=teacher).exclude(state=EnrollmentState.EXEMPT)
                       .select_related("program").order_by("-program__start_date"))
    if not enrollments:
        return []
    program_ids = [e.program_id for e in enrollments]
    recent = dict(LedgerEntry.objects.filter(teacher=teacher, program_id__in=program_ids,
                                             at__gte=now - dt.timedelta(days=PACE_DAYS))
                  .values_list("program_id").annotate(total=Sum("hours")).order_by())
    courses = {row["program_id"]: row for row in CourseSelection.objects.filter(teacher=teacher)
               .values("program_id").annotate(selected=Count("pk"),
                                              started=Count("pk", filter=Q(started_at__isnull=False))).order_by()}
    practice = _practice(teacher, program_ids)
    result = []
    for enrollment in enrollments:
        evaluation = evaluate(enrollment)
        remaining = sum(evaluation.missing.values(), ZERO) + evaluation.missing_any
        days_left = (enrollment.program.end_date - today).days
        pace = (Decimal(recent.get(enrollment.program_id) or 0) * 7 / PACE_DAYS).quantize(Decimal("0.1"))
        needed = None
        if remaining > 0 and days_left > 0:
            needed = (remaining * 7 / days_left).quantize(Decimal("0.1"))
        projected = None
        if remaining > 0 and pace > 0:
            projected = today + dt.timedelta(days=math.ceil(float(remaining / pace) * 7))
        row = courses.get(enrollment.program_id, {})
        result.append(Standing(enrollment=enrollment, evaluation=evaluation, days_left=days_left,
                               remaining=remaining, pace_per_week=pace, needed_per_week=needed,
                               projected_finish=projected, courses_selected=row.get("selected", 0),
                               courses_started=row.get("started", 0),
                               practice=practice.get(enrollment.program_id, {})))
    return result


def _practice(teacher: Teacher, program_ids: list[int]) -> dict[int, dict]:
    from tisheng.practice.models import Grade, PointChoice, PointResult, Submission

    found: dict[int, dict] = {pid: {"chosen": 0, "submitted": 0, "passed": 0, "excellent": 0} for pid in program_ids}
    for pid, n in (PointChoice.objects.filter(teacher=teacher, program_id__in=program_ids)
                   .values_list("program_id").annotate(n=Count("pk")).order_by()):
        found[pid]["chosen"] = n
    for pid, n in (Submission.objects.filter(teacher=teacher, program_id__in=program_ids, is_current=True)
                   .values_list("program_id").annotate(n=Count("task__point_version__point", distinct=True))
                   .order_by()):
        found[pid]["submitted"] = n
    for pid, passed, excellent in (PointResult.objects.filter(
            teacher=teacher, program_id__in=program_ids, status=PointResult.Status.ASSESSED,
            result__in=[Grade.PASS, Grade.EXCELLENT]).values_list("program_id")
            .annotate(passed=Count("pk"), excellent=Count("pk", filter=Q(result=Grade.EXCELLENT))).order_by()):
        found[pid].update(passed=passed, excellent=excellent)
    return found
