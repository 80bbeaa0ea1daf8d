"""The risk model: how likely an enrolled teacher is to miss the program's deadline.

Risk weighs the time left against the work left. The central number is the *pressure*: the
pace a teacher now needs (hours still missing ÷ days left) over the pace teachers actually
achieve while they study (ACHIEVABLE_HOURS_PER_DAY, estimated on the synthetic history of
`tisheng warning-evaluate`, which prints its estimate). A teacher who has not started with
1,000 days left needs 0.05 h a day (pressure 0.06): no risk, only a calm note; the same teacher
with 30 days left needs 1.7 h a day (pressure 2.1): high risk.

The pressure becomes an urgency between 0 and 1: 0 up to CALM_PRESSURE (0.2: the time left
is ample), rising linearly to 1 at FULL_PRESSURE (0.6: the pace needed is well over half of
what teachers achieve at their busiest, which few who are behind sustain) and beyond; from
BEYOND_PRESSURE (1.0) the reason says the pace needed is beyond what teachers achieved.
The thresholds were chosen on the synthetic history (`tisheng warning-evaluate`): nobody high
in the first half of the program, the best precision and recall from 90 % of it on.

Transparent rules with weights (points out of 100), each multiplied by the urgency and each
with a reason in Chinese and the numbers behind it:

  pace        up to 60  the teacher's own pace over the last 21 days against the pace needed
                        (all 60 at half the needed pace or less); one who studies but too
                        slowly has at least PROJECTION_POINTS (25) whatever the time left
                        ("按当前进度将于截止日后 682 天完成")
                        ("剩余 30 天，还差 40 学时，需每天 1.3 学时，超出以往同类教师的进度")
  inactivity  up to 25  days since the last ledger entry, video heartbeat or practice upload
                        ("近 40 天无学习记录"; "尚未开始学习")
  practice    up to 20  2.0 only: capability points chosen / submitted / passed against the
                        rule set's minimum; its urgency counts DAYS_PER_POINT days of work per
                        point still missing against the days left
  school      up to 10  the school's own pace: the share of its teachers who started, read from
                        the school's roll-up row (no teacher scan); the larger urgency applies

High risk at HIGH_AT (50) points or more, medium at MEDIUM_AT (25). A teacher with no points
who has not started gets a calm note instead of a reason ("尚未开始学习；剩余 1000 天，
时间充裕"). `risk_refresh(program, path)` computes a whole county or province set-based — per
county a handful of grouped queries, whatever the number of teachers — and replaces the stored
rows (RiskScore) under that path, with each school's counts per level (SchoolRisk) that the
home pages read.
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
from tisheng.monitoring.warning.models import RiskLevel, RiskRun, RiskScore, SchoolRisk
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import path_q
from tisheng.playback.models import PlaybackSession
from tisheng.programs.completion import evaluate_sums, fmt_hours
from tisheng.programs.models import Enrollment, EnrollmentState, Program
from tisheng.programs.rules import RuleSet

SHANGHAI = ZoneInfo("Asia/Shanghai")

RECENT_DAYS = 21
# What teachers achieve while they study (hours a day): the median pace of the teachers of the
# synthetic history in the weeks they studied (`tisheng warning-evaluate` prints it).
ACHIEVABLE_HOURS_PER_DAY = 0.8
# Pressure (pace needed ÷ ACHIEVABLE_HOURS_PER_DAY) up to which the time left is ample
# (urgency 0), and from which every rule gives its full points (urgency 1): chosen on the
# synthetic history, where they give the best precision and recall near the deadline while
# flagging nobody high in the first half (see evaluation.py).
CALM_PRESSURE = 0.2
FULL_PRESSURE = 0.6
# From this pressure the pace needed is beyond what teachers achieve, and the reason says so.
BEYOND_PRESSURE = 1.0
# Days of work one capability point still missing takes (practise, upload, review).
DAYS_PER_POINT = 30
# Rule weights (points); the list page shows them.
PACE_POINTS = 60
# At half the needed pace or less, the pace rule gives all its points.
PACE_FULL_SHORTFALL = 0.5
# A teacher who studies, but slower than needed, has at least these points (at half the
# needed pace or less; in proportion above), however much time is left: their own pace says
# they will finish after the deadline.
PROJECTION_POINTS = 25
INACTIVE_POINTS = 25
PRACTICE_POINTS = 20
SCHOOL_POINTS = 10
HIGH_AT = 50
MEDIUM_AT = 25
# Days without activity → points (the first threshold reached, from the top).
INACTIVE_STEPS = ((28, INACTIVE_POINTS), (14, 15), (7, 5))
# Below this share of a school's teachers having started, the school's pace adds points.
SCHOOL_STARTED_TARGET = 0.5

# The states in which a teacher still has to reach completion.
OPEN_STATES = (EnrollmentState.ENROLLED, EnrollmentState.IN_PROGRESS, EnrollmentState.RETURNED)

RULES_SHOWN = (
    ("紧迫度", None, f"所需进度（还差学时 ÷ 剩余天数）与以往教师的实际进度（每天约 {ACHIEVABLE_HOURS_PER_DAY} 学时）之比："
                    f"不超过 {CALM_PRESSURE} 时时间充裕，以下各项不计分；达到 {FULL_PRESSURE} 时各项计满分，其间按比例计分"),
    ("学习进度", PACE_POINTS, f"近 21 天的每天学时低于所需进度（不足所需一半时计满分）；正在学习但按当前进度无法按期完成的，"
                             f"无论剩余时间多少至少计 {PROJECTION_POINTS} 分（不足所需一半时）"),
    ("学习中断", INACTIVE_POINTS, "距最近一次学习（学时、视频、实践提交）的天数：≥7 天 5 分，≥14 天 15 分，≥28 天或从未学习 25 分"),
    ("实践能力点", PRACTICE_POINTS, f"2.0：能力点已选、已提交、已通过数低于要求（每个能力点按约 {DAYS_PER_POINT} 天计算紧迫度）"),
    ("本校进度", SCHOOL_POINTS, "本校已开始学习的教师不足 50%"),
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


def level_for(score: int) -> str:
    if score >= HIGH_AT:
        return RiskLevel.HIGH
    return RiskLevel.MEDIUM if score >= MEDIUM_AT else RiskLevel.LOW


def urgency_of(pressure: float) -> float:
    """0 while the time left is ample, 1 once the pace needed is what teachers achieve."""
    return min(1.0, max(0.0, (pressure - CALM_PRESSURE) / (FULL_PRESSURE - CALM_PRESSURE)))


def _per_day(value: float) -> str:
    return f"{value:.2f}" if value < 0.1 else f"{value:.1f}"


def assess(rules: RuleSet, program: Program, inputs: TeacherInputs, as_of: dt.datetime) -> Risk:
    """Score one enrollment (pure: no queries)."""
    micro = (inputs.points_passed, inputs.dimensions_passed)
    evaluation = evaluate_sums(rules, inputs.hours, micro)
    need = sum(evaluation.missing.values(), Decimal(0)) + evaluation.missing_any
    days_left = max((deadline_of(program) - as_of).total_seconds() / 86400, 0.0)
    days_shown = math.ceil(days_left)
    pace = float(max(inputs.recent_hours, Decimal(0))) / RECENT_DAYS  # hours a day, lately
    reasons: list[str] = []
    points: dict[str, int] = {}

    # The pace needed against what teachers achieve: the urgency of the hours.
    needed = float(need) / days_left if need > 0 and days_left > 0 else None
    pressure = 0.0 if need <= 0 else math.inf if needed is None else needed / ACHIEVABLE_HOURS_PER_DAY
    urgency = urgency_of(pressure)
    # The capability points still missing (2.0): their own urgency.
    need_points = rules.micro_abilities.min_points if rules.micro_abilities else 0
    points_missing = max(need_points - inputs.points_passed, 0)
    practice_pressure = (0.0 if not points_missing else math.inf if days_left <= 0
                         else points_missing * DAYS_PER_POINT / days_left)
    practice_urgency = urgency_of(practice_pressure)

    late_days = None
    if need > 0:
        if needed is None:
            points["pace"] = PACE_POINTS
            reasons.append(f"已过截止日期，还差 {fmt_hours(need)} 学时")
        else:
            shortfall = min(1.0, max(0.0, 1 - pace / needed) / PACE_FULL_SHORTFALL)
            points["pace"] = round(max(urgency * PACE_POINTS, PROJECTION_POINTS if pace > 0 else 0) * shortfall)
            if points["pace"]:
                line = f"剩余 {days_shown} 天，还差 {fmt_hours(need)} 学时，需每天 {_per_day(needed)} 学时"
                if pressure >= BEYOND_PRESSURE:
                    line += "，超出以往同类教师的进度"
                elif pace > 0:
                    line += f"，近 {RECENT_DAYS} 天每天 {_per_day(pace)} 学时"
                reasons.append(line)
                if pace > 0:
                    late_days = math.ceil(float(need) / pace - days_left)
                    if late_days > 0:
                        reasons.append(f"按当前进度将于截止日后 {late_days} 天完成")
    else:
        points["pace"] = 0

    # Inactivity, as urgent as the hours (or the points, when only those are missing).
    inactivity_urgency = urgency if need > 0 else practice_urgency
    if inputs.last_activity is None:
        idle_days = None
        points["inactivity"] = round(inactivity_urgency * INACTIVE_POINTS)
        if points["inactivity"]:
            reasons.append(f"尚未开始学习，还差 {fmt_hours(need)} 学时" if need > 0 else "尚未开始学习")
    else:
        idle_days = max((as_of - inputs.last_activity).days, 0)
        steps = next((p for days, p in INACTIVE_STEPS if idle_days >= days), 0)
        points["inactivity"] = round(inactivity_urgency * steps)
        if points["inactivity"]:
            reasons.append(f"近 {idle_days} 天无学习记录")

    # Practice (2.0).
    if points_missing:
        submitted_only = max(inputs.points_submitted - inputs.points_passed, 0)
        chosen_only = max(inputs.points_chosen - inputs.points_submitted, 0)
        progress = min(1.0, (inputs.points_passed + 0.5 * submitted_only + 0.25 * chosen_only) / need_points)
        points["practice"] = round(practice_urgency * PRACTICE_POINTS * (1 - progress))
        if points["practice"]:
            reasons.append(f"剩余 {days_shown} 天，能力点已选 {inputs.points_chosen} 个、已提交 {inputs.points_submitted} 个、"
                           f"已通过 {inputs.points_passed} 个（需 {need_points} 个）")
    else:
        points["practice"] = 0

    # The school's own pace.
    share = inputs.school_started_share
    if share is not None and share < SCHOOL_STARTED_TARGET:
        points["school"] = round(max(urgency, practice_urgency) * SCHOOL_POINTS * (1 - share / SCHOOL_STARTED_TARGET))
        if points["school"]:
            reasons.append(f"本校仅 {round(share * 100)}% 的教师已开始学习")
    else:
        points["school"] = 0

    score = min(100, sum(points.values()))
    note = ""
    if not reasons and inputs.last_activity is None and (need > 0 or points_missing):
        note = f"尚未开始学习；剩余 {days_shown} 天，时间充裕"
        if needed is not None:
            note = f"尚未开始学习；剩余 {days_shown} 天，还差 {fmt_hours(need)} 学时，每天只需 {_per_day(needed)} 学时，时间充裕"
    factors = {
        "points": points, "need_hours": float(need), "recent_hours": float(inputs.recent_hours),
        "pace_per_day": round(pace, 3), "needed_per_day": round(needed, 3) if needed is not None else None,
        "days_left": round(days_left, 1),
        "pressure": None if math.isinf(pressure) else round(pressure, 2), "urgency": round(urgency, 2),
        "practice_urgency": round(practice_urgency, 2), "idle_days": idle_days, "late_days": late_days,
        "points_chosen": inputs.points_chosen, "points_submitted": inputs.points_submitted,
        "points_passed": inputs.points_passed, "school_started_share": share, "note": note,
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
            # The schools they left lose a row elsewhere: recounted below.
            left = set(RiskScore.objects.filter(teacher_id__in=moved_in, program=program)
                       .exclude(path_q("org_path", [chunk])).values_list("school_id", flat=True))
            RiskScore.objects.filter(path_q("org_path", [chunk]) | Q(teacher_id__in=moved_in), program=program).delete()
            RiskScore.objects.bulk_create(rows, batch_size=2000)
            _school_counts_replace(program, chunk, rows)
            if left:
                school_risk_recount(program, left)
        for r in rows:
            counts[r.level] += 1
    run.rows = sum(counts.values())
    run.high, run.medium = counts[RiskLevel.HIGH], counts[RiskLevel.MEDIUM]
    run.finished_at = timezone.now()
    run.save(update_fields=["rows", "high", "medium", "finished_at"])
    run.seconds = time.monotonic() - started
    return run


def _school_counts_replace(program: Program, path: str, rows: list[RiskScore]) -> None:
    """Each school's counts under `path`, from the rows just written (no query over them)."""
    counts: dict[int, SchoolRisk] = {}
    now = timezone.now()
    for r in rows:
        school = counts.get(r.school_id)
        if school is None:
            school = counts[r.school_id] = SchoolRisk(program=program, school_id=r.school_id, org_path=r.org_path,
                                                      computed_at=now)
        setattr(school, r.level, getattr(school, r.level) + 1)
    SchoolRisk.objects.filter(path_q("org_path", [path]), program=program).delete()
    SchoolRisk.objects.bulk_create(counts.values(), batch_size=2000)


def school_risk_recount(program: Program, school_ids) -> None:
    """Count again, from the stored scores, the levels of the given schools (one grouped
    query): for schools a moved teacher left, and for scores written outside a refresh."""
    rows = (RiskScore.objects.filter(program=program, school_id__in=school_ids).values("school_id")
            .annotate(org_path=Max("org_path"), high=Count("pk", filter=Q(level=RiskLevel.HIGH)),
                      medium=Count("pk", filter=Q(level=RiskLevel.MEDIUM)),
                      low=Count("pk", filter=Q(level=RiskLevel.LOW))).order_by())
    SchoolRisk.objects.filter(program=program, school_id__in=school_ids).delete()
    SchoolRisk.objects.bulk_create((SchoolRisk(program=program, **row) for row in rows), batch_size=2000)


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
