"""The risk model: how likely an enrolled teacher is to miss the program's deadline.

Transparent rules with weights (points out of 100), each with a reason in Chinese and the
numbers behind it:

  pace        up to 50  hours per week over the last 21 days against the hours still missing
                        per remaining week (all 50 at half the needed pace or less) ("按当前进度将于截止日后 40 天完成")
  inactivity  up to 25  days since the last ledger entry, video heartbeat or practice upload
                        ("近 21 天无学习记录"; "尚未开始学习")
  practice    up to 20  2.0 only: capability points chosen / submitted / passed against the
                        rule set's minimum
  (pace and inactivity points are multiplied by the urgency: the weekly hours still needed
  over the program's planned weekly hours, at most 1; 0.5 when only practice points are left)
  school      up to 10  the school's own pace: the share of its teachers who started, read from
                        the school's roll-up row (no teacher scan)

High risk at 50 points or more, medium at 25. `risk_refresh(program, path)` computes a whole
county or province set-based — per county a handful of grouped queries, whatever the number
of teachers — and replaces the stored rows (RiskScore) under that path.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from tisheng.ledger.models import LedgerEntry
from tisheng.monitoring.models import Rollup
from tisheng.monitoring.warning.models import RiskLevel, RiskRun, RiskScore
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import path_q
from tisheng.playback.models import PlaybackSession
from tisheng.programs.completion import evaluate_sums, fmt_hours
from tisheng.programs.models import Enrollment, EnrollmentState, Program
from tisheng.programs.rules import RuleSet

SHANGHAI = ZoneInfo("Asia/Shanghai")

RECENT_DAYS = 21
# Rule weights (points); the list page shows them.
PACE_POINTS = 50
# At half the needed pace or less, the pace rule gives all its points.
PACE_FULL_SHORTFALL = 0.5
INACTIVE_POINTS = 25
PRACTICE_POINTS = 20
SCHOOL_POINTS = 10
HIGH_AT = 50
MEDIUM_AT = 25
# Days without activity → points (the first threshold reached, from the top).
INACTIVE_STEPS = ((28, INACTIVE_POINTS), (14, 15), (7, 5))
# Below this share of a school's teachers having started, the school's pace adds points.
SCHOOL_STARTED_TARGET = 0.5
# A teacher who never started is only unusual once the program has run this long.
GRACE_DAYS = 14

# The states in which a teacher still has to reach completion.
OPEN_STATES = (EnrollmentState.ENROLLED, EnrollmentState.IN_PROGRESS, EnrollmentState.RETURNED)

RULES_SHOWN = (
    ("学习进度", PACE_POINTS, "近 21 天的每周学时低于剩余每周所需学时（不足所需一半时计满分）"),
    ("学习中断", INACTIVE_POINTS, "距最近一次学习（学时、视频、实践提交）的天数：≥7 天 5 分，≥14 天 15 分，≥28 天或从未学习 25 分"),
    ("实践能力点", PRACTICE_POINTS, "2.0：能力点已选、已提交、已通过数低于要求"),
    ("本校进度", SCHOOL_POINTS, "本校已开始学习的教师不足 50%"),
    ("紧迫度", None, "学习进度与学习中断两项分值乘以紧迫度：剩余每周所需学时 ÷ 项目计划每周学时（最多为 1；只差能力点时为 0.5）"),
)


@dataclass
class TeacherInputs:
    """What the model knows about one enrollment at `as_of`."""

    hours: dict[str, Decimal] = field(default_factory=dict)  # ledger sums per category
    recent_hours: Decimal = Decimal(0)  # over the last RECENT_DAYS
    last_activity: dt.datetime | None = None
    points_chosen: int = 0
    points_submitted: int = 0
    points_passed: int = 0
    dimensions_passed: int = 0
    school_started_share: float | None = None  # None when the school has no roll-up yet


@dataclass(frozen=True)
class Risk:
    score: int
    level: str
    reasons: list[str]
    factors: dict


def deadline_of(program: Program) -> dt.datetime:
    """The end of the program's last day, in Shanghai."""
    return dt.datetime.combine(program.end_date + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)


def _start(program: Program) -> dt.datetime:
    return dt.datetime.combine(program.start_date, dt.time(), tzinfo=SHANGHAI)


def level_for(score: int) -> str:
    if score >= HIGH_AT:
        return RiskLevel.HIGH
    return RiskLevel.MEDIUM if score >= MEDIUM_AT else RiskLevel.LOW


def assess(rules: RuleSet, program: Program, inputs: TeacherInputs, as_of: dt.datetime) -> Risk:
    """Score one enrollment (pure: no queries)."""
    micro = (inputs.points_passed, inputs.dimensions_passed)
    evaluation = evaluate_sums(rules, inputs.hours, micro)
    need = sum(evaluation.missing.values(), Decimal(0)) + evaluation.missing_any
    deadline = deadline_of(program)
    days_left = max((deadline - as_of).total_seconds() / 86400, 0.0)
    weeks_left = days_left / 7
    pace = float(max(inputs.recent_hours, Decimal(0))) / (RECENT_DAYS / 7)
    reasons: list[str] = []
    points: dict[str, int] = {}

    # Urgency: the pace still needed against the program's planned pace (required hours over
    # its whole length), at most 1. A teacher well ahead of the plan, with years left, loses
    # little by a pause; anyone behind the plan gets the pace and inactivity points in full.
    planned_pace = float(rules.required_hours) / max((deadline - _start(program)).days / 7, 1)
    urgency = 1.0 if weeks_left <= 0 else min(1.0, float(need) / weeks_left / planned_pace) if need > 0 else 0.5
    # Pace against what is still needed.
    late_days = None
    needed_pace = None
    if need > 0:
        if weeks_left <= 0:
            points["pace"] = PACE_POINTS
            reasons.append(f"已过截止日期，还差 {fmt_hours(need)} 学时")
        else:
            needed_pace = float(need) / weeks_left
            shortfall = max(0.0, 1 - pace / needed_pace)
            points["pace"] = round(urgency * PACE_POINTS * min(1.0, shortfall / PACE_FULL_SHORTFALL))
            if pace > 0:
                finish_days = float(need) / pace * 7
                late_days = math.ceil(finish_days - days_left)
                if late_days > 0:
                    reasons.append(f"按当前进度将于截止日后 {late_days} 天完成")
            elif inputs.last_activity is not None:  # one who never started is told so below
                reasons.append(f"近 {RECENT_DAYS} 天无新增学时，还差 {fmt_hours(need)} 学时，"
                               f"每周需 {needed_pace:.1f} 学时")
    else:
        points["pace"] = 0

    # Inactivity.
    started_days = (as_of.date() - program.start_date).days
    if inputs.last_activity is None:
        idle_days = None
        points["inactivity"] = round(urgency * INACTIVE_POINTS) if started_days >= GRACE_DAYS else 0
        if points["inactivity"]:
            reasons.append(f"尚未开始学习，还差 {fmt_hours(need)} 学时" if need > 0 else "尚未开始学习")
    else:
        idle_days = max((as_of - inputs.last_activity).days, 0)
        points["inactivity"] = round(urgency * next((p for days, p in INACTIVE_STEPS if idle_days >= days), 0))
        if points["inactivity"]:
            reasons.append(f"近 {idle_days} 天无学习记录")

    # Practice (2.0).
    need_points = rules.micro_abilities.min_points if rules.micro_abilities else 0
    if need_points and inputs.points_passed < need_points:
        submitted_only = max(inputs.points_submitted - inputs.points_passed, 0)
        chosen_only = max(inputs.points_chosen - inputs.points_submitted, 0)
        progress = min(1.0, (inputs.points_passed + 0.5 * submitted_only + 0.25 * chosen_only) / need_points)
        points["practice"] = round(PRACTICE_POINTS * (1 - progress))
        if points["practice"]:
            reasons.append(f"能力点已选 {inputs.points_chosen} 个、已提交 {inputs.points_submitted} 个、"
                           f"已通过 {inputs.points_passed} 个（需 {need_points} 个）")
    else:
        points["practice"] = 0

    # The school's own pace.
    share = inputs.school_started_share
    if share is not None and share < SCHOOL_STARTED_TARGET:
        points["school"] = round(SCHOOL_POINTS * (1 - share / SCHOOL_STARTED_TARGET))
        if points["school"]:
            reasons.append(f"本校仅 {round(share * 100)}% 的教师已开始学习")
    else:
        points["school"] = 0

    score = min(100, sum(points.values()))
    factors = {
        "points": points, "need_hours": float(need), "recent_hours": float(inputs.recent_hours),
        "pace_per_week": round(pace, 2), "needed_per_week": round(needed_pace, 2) if needed_pace else None,
        "weeks_left": round(weeks_left, 1), "urgency": round(urgency, 2), "idle_days": idle_days, "late_days": late_days,
        "points_chosen": inputs.points_chosen, "points_submitted": inputs.points_submitted,
        "points_passed": inputs.points_passed, "school_started_share": share,
    }
    return Risk(score=score, level=level_for(score), reasons=reasons, factors=factors)


def _chunks(path: str) -> list[str]:
    """The counties under `path` (or `path` itself when it is a county or deeper): each is
    refreshed in its own few queries and its own transaction."""
    depth = path.count("/")
    if depth >= 2:
        return [path]
    return list(Region.objects.filter(path_q("path", [path]), level=RegionLevel.COUNTY)
                .order_by("path").values_list("path", flat=True))


def _school_started_shares(program: Program, path: str) -> dict[str, float]:
    """Share of each school's teachers (enrolled, not exempt) who started, from the school
    roll-ups of the latest day (two queries)."""
    day = Rollup.objects.filter(program=program, node_kind="school").aggregate(day=Max("day"))["day"]
    if day is None:
        return {}
    rows = Rollup.objects.filter(path_q("node_path", [path]), program=program, day=day,
                                 node_kind="school").values_list("node_path", "enrolled", "exempt", "started")
    return {p: started / (enrolled - exempt) for p, enrolled, exempt, started in rows if enrolled - exempt > 0}


def gather(program: Program, path: str, as_of: dt.datetime) -> tuple[list[dict], dict[int, TeacherInputs]]:
    """The open enrollments under `path` and what the model needs about each, in grouped
    queries (the count does not grow with the teachers)."""
    enrollments = list(Enrollment.objects.filter(path_q("org_path", [path]), program=program,
                                                 state__in=OPEN_STATES)
                       .values("teacher_id", "school_id", "org_path"))
    inputs: dict[int, TeacherInputs] = defaultdict(TeacherInputs)
    if not enrollments:
        return [], inputs
    since = as_of - dt.timedelta(days=RECENT_DAYS)
    teacher_in_path = path_q("teacher__org_path", [path])

    ledger = (LedgerEntry.objects.filter(teacher_in_path, program=program, at__lte=as_of)
              .values("teacher_id", "category")
              .annotate(total=Sum("hours"), recent=Sum("hours", filter=Q(at__gt=since)), last=Max("at")).order_by())
    for row in ledger:
        t = inputs[row["teacher_id"]]
        t.hours[row["category"]] = row["total"] or Decimal(0)
        t.recent_hours += row["recent"] or Decimal(0)
        t.last_activity = max(filter(None, (t.last_activity, row["last"])), default=None)

    beats = (PlaybackSession.objects.filter(teacher_in_path, last_beat_ts__lte=as_of.timestamp())
             .values("teacher_id").annotate(last=Max("last_beat_ts")).order_by())
    for row in beats:
        t = inputs[row["teacher_id"]]
        at = dt.datetime.fromtimestamp(row["last"], dt.UTC)
        t.last_activity = max(filter(None, (t.last_activity, at)), default=None)

    _practice(program, path, as_of, inputs)

    shares = _school_started_shares(program, path)
    for e in enrollments:
        inputs[e["teacher_id"]].school_started_share = shares.get(e["org_path"])
    return enrollments, inputs


def _practice(program: Program, path: str, as_of: dt.datetime, inputs: dict[int, TeacherInputs]) -> None:
    """Practice uploads count as activity; for 2.0 the points chosen, submitted and passed."""
    from tisheng.practice.models import PointChoice, PointResult, Submission

    teacher_in_path = path_q("teacher__org_path", [path])
    uploads = (Submission.objects.filter(teacher_in_path, program=program, created_at__lte=as_of)
               .values("teacher_id")
               .annotate(last=Max("created_at"), points=Count("task__point_version__point", distinct=True))
               .order_by())
    for row in uploads:
        t = inputs[row["teacher_id"]]
        t.last_activity = max(filter(None, (t.last_activity, row["last"])), default=None)
        t.points_submitted = row["points"]
    choices = (PointChoice.objects.filter(teacher_in_path, program=program, chosen_at__lte=as_of)
               .values("teacher_id").annotate(n=Count("id")).order_by())
    for row in choices:
        inputs[row["teacher_id"]].points_chosen = row["n"]
    passed = (PointResult.objects.filter(path_q("org_path", [path]), program=program, decided_at__lte=as_of,
                                         status=PointResult.Status.ASSESSED, result__in=("excellent", "pass"))
              .values("teacher_id")
              .annotate(n=Count("id"), d=Count("point_version__dimension", distinct=True)).order_by())
    for row in passed:
        t = inputs[row["teacher_id"]]
        t.points_passed, t.dimensions_passed = row["n"], row["d"]


def risk_compute(program: Program, path: str, as_of: dt.datetime) -> list[RiskScore]:
    """Unsaved RiskScore rows for every open enrollment under `path`."""
    rules = program.ruleset
    enrollments, inputs = gather(program, path, as_of)
    now = timezone.now()
    rows = []
    for e in enrollments:
        risk = assess(rules, program, inputs[e["teacher_id"]], as_of)
        rows.append(RiskScore(program=program, teacher_id=e["teacher_id"], school_id=e["school_id"],
                              org_path=e["org_path"], score=risk.score, level=risk.level, reasons=risk.reasons,
                              factors=risk.factors, as_of=as_of, computed_at=now))
    return rows


def risk_refresh(program: Program, path: str | None = None, *, as_of: dt.datetime | None = None) -> RiskRun:
    """Recompute and replace the risk scores of `program` under `path` (the province by
    default), county by county."""
    as_of = as_of or timezone.now()
    if path is None:
        path = Region.objects.filter(parent__isnull=True).order_by("path").values_list("path", flat=True).first() or ""
    run = RiskRun.objects.create(program=program, path=path, as_of=as_of)
    started = time.monotonic()
    counts = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 0, RiskLevel.LOW: 0}
    for chunk in _chunks(path):
        with transaction.atomic():
            rows = risk_compute(program, chunk, as_of)
            # A teacher who moved here keeps one row: drop theirs wherever it was.
            moved_in = Enrollment.objects.filter(path_q("org_path", [chunk]), program=program).values("teacher_id")
            RiskScore.objects.filter(path_q("org_path", [chunk]) | Q(teacher_id__in=moved_in), program=program).delete()
            RiskScore.objects.bulk_create(rows, batch_size=2000)
        for r in rows:
            counts[r.level] += 1
    run.rows = sum(counts.values())
    run.high, run.medium = counts[RiskLevel.HIGH], counts[RiskLevel.MEDIUM]
    run.finished_at = timezone.now()
    run.save(update_fields=["rows", "high", "medium", "finished_at"])
    run.seconds = time.monotonic() - started
    return run


def latest_run(program: Program, path: str) -> RiskRun | None:
    """The newest finished refresh that covered `path` (its own path or an ancestor's)."""
    prefixes = [path[:i] for i in range(len(path), 0, -1) if i == len(path) or path[i] == "/"]
    return (RiskRun.objects.filter(program=program, path__in=prefixes, finished_at__isnull=False)
            .order_by("-finished_at").first())


def risk_refresh_if_stale(*, hours: int | None = None) -> list[RiskRun]:
    """The periodic refresh: every active program whose province-wide scores are older than
    `hours` (WARNING_REFRESH_HOURS) is scored again."""
    hours = settings.WARNING_REFRESH_HOURS if hours is None else hours
    root = Region.objects.filter(parent__isnull=True).order_by("path").values_list("path", flat=True).first()
    if root is None:
        return []
    runs = []
    for program in Program.objects.filter(status=Program.Status.ACTIVE).order_by("pk"):
        latest = latest_run(program, root)
        if latest is None or latest.finished_at < timezone.now() - dt.timedelta(hours=hours):
            runs.append(risk_refresh(program, root))
    return runs
