"""What the dashboards read: roll-up rows only (never teacher rows), within the actor's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from tisheng.accounts.roles import Cap
from tisheng.diagnostics.models import MicroDimension
from tisheng.monitoring.models import Rollup, RollupRun
from tisheng.orgs.scope import capability_paths, path_in_scope
from tisheng.programs.models import Program

CAPABILITY = Cap.REPORTS_VIEW


@dataclass
class Dashboard:
    program: Program
    node: Rollup | None
    children: list[Rollup]
    trail: list[Rollup]  # the node's ancestors inside the actor's scope, province first
    trend: list[dict]
    plan: list[dict]
    refreshed_at: dt.datetime | None
    day: dt.date | None

    @property
    def age_minutes(self) -> int | None:
        if self.refreshed_at is None:
            return None
        return int((timezone.now() - self.refreshed_at).total_seconds() // 60)


def scope_roots(actor) -> list[str]:
    return capability_paths(actor, CAPABILITY)


def latest_refresh(program: Program) -> RollupRun | None:
    return (RollupRun.objects.filter(program=program, kind=RollupRun.Kind.REFRESH, finished_at__isnull=False)
            .order_by("-finished_at").first())


def plan_points(program: Program) -> list[dict]:
    """The rule set's yearly quotas as a cumulative plan: the share to be complete at each year's end."""
    total, points = Decimal("0"), []
    for year, share in sorted(program.ruleset.yearly_quotas.items()):
        total += share
        points.append({"day": f"{year}-12-31", "share": float(min(total, Decimal("1")))})
    return points


def dashboard(actor, program: Program, node_path: str | None) -> Dashboard | None:
    """The dashboard of one node (default: the actor's own top node); None when the node is
    outside the actor's scope or has no numbers yet."""
    roots = scope_roots(actor)
    if not roots:
        return None
    node_path = node_path or roots[0]
    if not path_in_scope(actor, CAPABILITY, node_path):
        return None
    run = latest_refresh(program)
    if run is None:
        return Dashboard(program, None, [], [], [], plan_points(program), None, None)
    ancestors = [p for p in _ancestor_paths(node_path) if path_in_scope(actor, CAPABILITY, p)]
    rows = {r.node_path: r for r in Rollup.objects.filter(program=program, day=run.day,
                                                          node_path__in=[*ancestors, node_path])}
    node = rows.get(node_path)
    children = list(Rollup.objects.filter(program=program, day=run.day, parent_path=node_path))
    children.sort(key=lambda r: (-r.completion_rate, r.node_path))
    trend = [{"day": d.isoformat(), "complete": c, "approved": a, "base": e - x}
             for d, c, a, e, x in Rollup.objects.filter(program=program, node_path=node_path)
             .order_by("day").values_list("day", "complete", "approved", "enrolled", "exempt")]
    return Dashboard(program, node, children, [rows[p] for p in ancestors if p in rows], trend,
                     plan_points(program), run.finished_at, run.day)


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def chart_data(board: Dashboard) -> dict:
    """What the dashboard's charts draw (ECharts options are built in dashboard.js)."""
    node = board.node
    if node is None:
        return {}
    base = node.base
    funnel = [
        {"key": "base", "value": base},
        {"key": "selected", "value": node.selected},
        {"key": "started", "value": node.started},
        {"key": "complete", "value": node.complete},
        {"key": "approved", "value": node.approved},
        {"key": "certified", "value": node.certified},
    ]
    ranking = [{"name": c.name, "path": c.node_path, "rate": round(100 * c.completion_rate, 1)}
               for c in board.children]
    hours = [{"name": c.name, "online": float(c.online_hours), "practice": float(c.practice_hours)}
             for c in board.children]
    dimensions = []
    for dimension in MicroDimension.values:
        passed, excellent, assessed = node.detail.get("dimensions", {}).get(dimension, [0, 0, 0])
        dimensions.append({"name": dimension, "passed": passed, "excellent": excellent, "assessed": assessed,
                           "pass_rate": round(100 * passed / assessed, 1) if assessed else 0,
                           "excellent_rate": round(100 * excellent / assessed, 1) if assessed else 0})
    split = []
    for side in ("urban", "rural"):
        numbers = node.detail.get(side, {})
        side_base = numbers.get("enrolled", 0) - numbers.get("exempt", 0)
        split.append({"side": side, "schools": numbers.get("schools", 0), "base": side_base,
                      "complete_rate": round(100 * numbers.get("complete", 0) / side_base, 1) if side_base else 0,
                      "started_rate": round(100 * numbers.get("started", 0) / side_base, 1) if side_base else 0})
    trend = [{"day": t["day"], "rate": round(100 * t["complete"] / t["base"], 1) if t["base"] else 0}
             for t in board.trend]
    plan = [{"day": p["day"], "rate": round(100 * p["share"], 1)} for p in board.plan]
    return {"funnel": funnel, "ranking": ranking, "hours": hours, "dimensions": dimensions, "split": split,
            "trend": trend, "plan": plan, "is_v2": board.program.ruleset.micro_abilities is not None}
