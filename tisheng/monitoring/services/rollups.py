"""Refreshing the roll-ups, and checking them.

`rollups_refresh(program)` aggregates the program's enrollments per school in one grouped
query (plus one for course selections' and one for micro-ability points' contributions, folded
into the same pass), sums the schools up into their county, city and province in Python (a
province has ~12,000 schools: milliseconds), and replaces the day's rows in one transaction.
At province scale (450,000 enrollments) that is a few seconds of PostgreSQL time, so a
background job runs it every few minutes and pages show the time of the last run.

`rollups_check(program)` recomputes every node's numbers another way — grouping the teacher
rows directly by each level's path prefix instead of summing schools — and lists where the
stored rows differ.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from tisheng.learning.models import CourseSelection
from tisheng.monitoring.models import COUNT_FIELDS, HOUR_FIELDS, NodeKind, Rollup, RollupRun
from tisheng.orgs.models import Region, School
from tisheng.programs.models import Enrollment, EnrollmentState, Program

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0")
COMPLETE_STATES = (EnrollmentState.COMPLETE, EnrollmentState.UNDER_REVIEW, EnrollmentState.APPROVED,
                   EnrollmentState.CERTIFIED)
APPROVED_STATES = (EnrollmentState.APPROVED, EnrollmentState.CERTIFIED)
# Path prefix length of each region level: GB/T 2260 codes are 2, 4 and 6 digits ("35/3501/350102").
PREFIX_LENGTH = {NodeKind.PROVINCE: 2, NodeKind.CITY: 7, NodeKind.COUNTY: 14}
LEVEL_KIND = {"province": NodeKind.PROVINCE, "city": NodeKind.CITY, "county": NodeKind.COUNTY}
SPLIT_FIELDS = ("schools", "enrolled", "exempt", "started", "complete", "online_hours", "practice_hours")
ENROLLMENT_FIELDS = ("enrolled", "exempt", "selected", "started", "complete", "approved", "certified", "returned",
                     *HOUR_FIELDS)


def today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def _enrollment_aggregates(program: Program) -> dict:
    """The aggregate expressions over a program's enrollments, whatever they are grouped by."""
    selections = CourseSelection.objects.filter(teacher_id=OuterRef("teacher_id"), program_id=program.pk)
    not_exempt = ~Q(state=EnrollmentState.EXEMPT)
    return {
        "enrolled": Count("pk"),
        "exempt": Count("pk", filter=Q(state=EnrollmentState.EXEMPT)),
        "selected": Count("pk", filter=not_exempt & Q(Exists(selections))),
        "started": Count("pk", filter=not_exempt & (Q(total_hours__gt=0)
                                                     | Q(Exists(selections.filter(started_at__isnull=False))))),
        "complete": Count("pk", filter=Q(state__in=COMPLETE_STATES)),
        "approved": Count("pk", filter=Q(state__in=APPROVED_STATES)),
        "certified": Count("pk", filter=Q(state=EnrollmentState.CERTIFIED)),
        "returned": Count("pk", filter=Q(state=EnrollmentState.RETURNED)),
        **{field: Sum(field) for field in HOUR_FIELDS},
    }


def _assessed_points(program: Program):
    """2.0 capability points the school assessment team has decided (and not sent back)."""
    from tisheng.practice.models import PointResult

    return PointResult.objects.filter(program=program, status=PointResult.Status.ASSESSED)


def _point_aggregates() -> dict:
    from tisheng.practice.models import Grade

    return {"assessed": Count("pk"), "passed": Count("pk", filter=Q(result__in=[Grade.PASS, Grade.EXCELLENT])),
            "excellent": Count("pk", filter=Q(result=Grade.EXCELLENT))}


def _empty() -> dict:
    numbers = {field: 0 for field in COUNT_FIELDS}
    numbers.update({field: ZERO for field in HOUR_FIELDS})
    numbers["dimensions"] = defaultdict(lambda: [0, 0, 0])  # passed, excellent, assessed
    numbers["rural"] = {field: 0 for field in SPLIT_FIELDS}
    numbers["urban"] = {field: 0 for field in SPLIT_FIELDS}
    return numbers


def _json_number(value):
    return float(value) if isinstance(value, Decimal) else value


def compute(program: Program) -> dict[str, dict]:
    """Every node's numbers (keyed by node path) from the current data, with `name`, `kind`,
    `parent_path` and `is_rural`."""
    per_school = {row.pop("school_id"): row for row in Enrollment.objects.filter(program=program)
                  .values("school_id").annotate(**_enrollment_aggregates(program)).order_by()}
    schools = {s["path"]: s for s in School.objects.filter(pk__in=list(per_school))
               .values("pk", "path", "name", "is_rural")}
    points: dict[str, list] = defaultdict(list)
    for row in (_assessed_points(program).values("org_path", "point__dimension")
                .annotate(**_point_aggregates()).order_by()):
        points[row["org_path"]].append(row)
    regions = {r["path"]: r for r in Region.objects.values("path", "name", "level")}

    nodes: dict[str, dict] = {}
    for path, school in schools.items():
        numbers = per_school[school["pk"]]
        row = _empty()
        for field in ENROLLMENT_FIELDS:
            row[field] = numbers[field] or (ZERO if field in HOUR_FIELDS else 0)
        row["schools"] = 1
        for p in points.get(path, ()):
            row["points_passed"] += p["passed"]
            row["points_excellent"] += p["excellent"]
            counts = row["dimensions"][p["point__dimension"]]
            counts[0] += p["passed"]
            counts[1] += p["excellent"]
            counts[2] += p["assessed"]
        split = row["rural" if school["is_rural"] else "urban"]
        for field in SPLIT_FIELDS:
            split[field] = row[field]
        parent = path.rsplit("/", 1)[0]
        row.update(name=school["name"], kind=NodeKind.SCHOOL, parent_path=parent, is_rural=school["is_rural"])
        nodes[path] = row
        # Sum the school into its county, city and province.
        parts = parent.split("/")
        for depth in range(len(parts), 0, -1):
            region_path = "/".join(parts[:depth])
            region = regions.get(region_path)
            if region is None:
                continue
            node = nodes.get(region_path)
            if node is None:
                node = nodes[region_path] = _empty()
                node.update(name=region["name"], kind=LEVEL_KIND[region["level"]],
                            parent_path="/".join(parts[:depth - 1]), is_rural=None)
            for field in (*COUNT_FIELDS, *HOUR_FIELDS):
                node[field] += row[field]
            for dimension, counts in row["dimensions"].items():
                for i, n in enumerate(counts):
                    node["dimensions"][dimension][i] += n
            for side in ("rural", "urban"):
                for field in SPLIT_FIELDS:
                    node[side][field] += row[side][field]
    return nodes


def _rollup(program: Program, day: dt.date, path: str, numbers: dict) -> Rollup:
    detail = {"dimensions": dict(numbers["dimensions"]),
              "rural": {k: _json_number(v) for k, v in numbers["rural"].items()},
              "urban": {k: _json_number(v) for k, v in numbers["urban"].items()}}
    return Rollup(program=program, day=day, node_path=path, node_kind=numbers["kind"],
                  parent_path=numbers["parent_path"], name=numbers["name"], is_rural=numbers["is_rural"],
                  detail=detail, **{field: numbers[field] for field in (*COUNT_FIELDS, *HOUR_FIELDS)})


def rollups_refresh(program: Program, *, day: dt.date | None = None) -> RollupRun:
    """Recompute the program's roll-ups and replace the day's rows (today by default)."""
    day = day or today()
    run = RollupRun(program=program, kind=RollupRun.Kind.REFRESH, day=day, started_at=timezone.now())
    nodes = compute(program)
    with transaction.atomic():
        Rollup.objects.filter(program=program, day=day).delete()
        Rollup.objects.bulk_create([_rollup(program, day, path, numbers) for path, numbers in nodes.items()],
                                   batch_size=2000)
        run.rows = len(nodes)
        run.finished_at = timezone.now()
        run.save()
    return run


def rollups_refresh_all() -> list[RollupRun]:
    return [rollups_refresh(program) for program in Program.objects.order_by("pk")]


def rollups_refresh_if_stale(*, minutes: int | None = None) -> list[RollupRun]:
    """Refresh every program whose last refresh is older than `minutes` (the periodic work)."""
    minutes = settings.ROLLUP_REFRESH_MINUTES if minutes is None else minutes
    fresh_since = timezone.now() - dt.timedelta(minutes=minutes)
    runs = []
    for program in Program.objects.order_by("pk"):
        if not RollupRun.objects.filter(program=program, kind=RollupRun.Kind.REFRESH,
                                        finished_at__gte=fresh_since).exists():
            runs.append(rollups_refresh(program))
    return runs


def _direct(program: Program) -> dict[str, dict]:
    """Each node's numbers straight from the teacher rows, grouped by the node's path prefix."""
    aggregates = _enrollment_aggregates(program)
    found: dict[str, dict] = defaultdict(_empty)
    levels = [(kind, Substr("org_path", 1, length)) for kind, length in PREFIX_LENGTH.items()]
    levels.append((NodeKind.SCHOOL, F("org_path")))
    for _kind, prefix in levels:
        for row in (Enrollment.objects.filter(program=program).annotate(node=prefix).values("node")
                    .annotate(**aggregates).order_by()):
            node = found[row["node"]]
            for field in ENROLLMENT_FIELDS:
                node[field] = row[field] or (ZERO if field in HOUR_FIELDS else 0)
        for row in (_assessed_points(program).annotate(node=prefix).values("node")
                    .annotate(**_point_aggregates()).order_by()):
            found[row["node"]]["points_passed"] = row["passed"]
            found[row["node"]]["points_excellent"] = row["excellent"]
    return found


def rollups_check(program: Program) -> RollupRun:
    """Compare the latest refreshed day's rows with a recomputation from the teacher rows."""
    run = RollupRun(program=program, kind=RollupRun.Kind.CHECK, day=today(), started_at=timezone.now())
    latest = (RollupRun.objects.filter(program=program, kind=RollupRun.Kind.REFRESH, finished_at__isnull=False)
              .order_by("-finished_at").first())
    stored = {r.node_path: r for r in Rollup.objects.filter(program=program, day=latest.day)} if latest else {}
    direct = _direct(program)
    compared = [f for f in (*COUNT_FIELDS, *HOUR_FIELDS) if f != "schools"]
    differences = []
    for path in sorted(set(stored) | {p for p, n in direct.items() if n["enrolled"]}):
        row, fresh = stored.get(path), direct.get(path, _empty())
        for field in compared:
            have = getattr(row, field) if row is not None else (ZERO if field in HOUR_FIELDS else 0)
            if have != fresh[field]:
                differences.append({"node": path, "field": field, "stored": _json_number(have),
                                    "recomputed": _json_number(fresh[field])})
    run.day = latest.day if latest else run.day
    run.rows = len(stored)
    run.differences = differences[:1000]
    run.finished_at = timezone.now()
    run.save()
    return run
