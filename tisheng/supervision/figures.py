"""The platform's numbers for every unit of a round, computed together when the round is planned.

Cost: one read of the roll-up rows of the units (none of the teacher rows: the monitoring
roll-ups already hold them per node), one grouped query of approved school plans, one of the
schools per county and one of decided spot-check items: five statements whatever the number of
units. When the program has never been rolled up (a new install), the roll-up numbers are
computed in memory from the teacher rows once (monitoring's own `compute`), never stored here.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from tisheng.monitoring.models import Rollup
from tisheng.monitoring.selectors import latest_refresh
from tisheng.orgs.models import School
from tisheng.practice.checks.models import SpotCheckItem
from tisheng.practice.models import SchoolPlan
from tisheng.programs.models import Program

ROLLUP_FIELDS = ("enrolled", "exempt", "started", "complete", "approved", "points_passed", "detail")


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _rollup_rows(program: Program, paths: list[str]) -> tuple[dict[str, dict], dt.date | None]:
    run = latest_refresh(program)
    if run is not None:
        rows = Rollup.objects.filter(program=program, day=run.day, node_path__in=paths).values("node_path",
                                                                                               *ROLLUP_FIELDS)
        return {r["node_path"]: r for r in rows}, run.day
    from tisheng.monitoring.services.rollups import compute, today

    nodes = compute(program)
    wanted = set(paths)
    return {p: {**{f: n[f] for f in ROLLUP_FIELDS if f != "detail"}, "detail": {"dimensions": n["dimensions"]}}
            for p, n in nodes.items() if p in wanted}, today()


def unit_figures(program: Program, unit_level: str, paths: list[str]) -> tuple[dict[str, dict], dt.date | None]:
    """{unit path: {metric: percent or None}} and the day the roll-up numbers are from."""
    rollups, day = _rollup_rows(program, paths)
    approved = SchoolPlan.objects.filter(program=program, status=SchoolPlan.Status.APPROVED)
    decided = SpotCheckItem.objects.filter(spot_check__program=program).exclude(
        outcome=SpotCheckItem.Outcome.PENDING)
    if unit_level == "school":
        with_plan = set(approved.filter(school__path__in=paths).values_list("school__path", flat=True).distinct())
        schools = dict.fromkeys(paths, 1)
        plans = {p: (1 if p in with_plan else 0) for p in paths}
        checks = {r["school__path"]: r for r in decided.filter(school__path__in=paths).values("school__path")
                  .annotate(n=Count("pk"), ok=Count("pk", filter=Q(outcome=SpotCheckItem.Outcome.CONFIRMED)))
                  .order_by()}
    else:
        schools = dict(School.objects.filter(county__path__in=paths).values("county__path")
                       .annotate(n=Count("pk")).order_by().values_list("county__path", "n"))
        plans = dict(approved.filter(school__county__path__in=paths).values("school__county__path")
                     .annotate(n=Count("school", distinct=True)).order_by().values_list("school__county__path", "n"))
        checks = {r["spot_check__region_path"]: r for r in decided.filter(spot_check__region_path__in=paths)
                  .values("spot_check__region_path")
                  .annotate(n=Count("pk"), ok=Count("pk", filter=Q(outcome=SpotCheckItem.Outcome.CONFIRMED)))
                  .order_by()}
    out = {}
    for path in paths:
        r = rollups.get(path)
        base = (r["enrolled"] - r["exempt"]) if r else 0
        assessed = sum(c[2] for c in (r["detail"] or {}).get("dimensions", {}).values()) if r else 0
        check = checks.get(path)
        out[path] = {
            "participation": _percent(r["started"], base) if r else None,
            "completion": _percent(r["complete"], base) if r else None,
            "approved": _percent(r["approved"], base) if r else None,
            "practice_pass": _percent(r["points_passed"], assessed) if r else None,
            "plans_approved": _percent(plans.get(path, 0), schools.get(path, 0)),
            "spot_check_confirmed": _percent(check["ok"], check["n"]) if check else None,
            "teachers": base,
        }
    return out, day
