"""Reads for the early-warning pages, all scoped by the actor's REPORTS_VIEW subtree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tisheng.accounts.roles import Cap
from tisheng.ledger.models import LedgerEntry
from tisheng.monitoring.warning.models import Intervention, RiskLevel, RiskScore
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import capability_paths, path_in_scope, path_q, scope_filter
from tisheng.playback.models import PlaybackSession
from tisheng.programs.models import Program

CAPABILITY = Cap.REPORTS_VIEW
EFFECT_DAYS = 7
SORTS = {"score": ("score", "org_path", "teacher_id"), "-score": ("-score", "org_path", "teacher_id"),
         "school": ("org_path", "-score", "teacher_id")}


@dataclass(frozen=True)
class Node:
    path: str
    name: str
    is_school: bool


def node_for(actor, path: str | None) -> Node | None:
    """The org node the actor asked for (their own top node by default); None outside scope."""
    roots = capability_paths(actor, CAPABILITY)
    if not roots:
        return None
    path = path or roots[0]
    if not path_in_scope(actor, CAPABILITY, path):
        return None
    school = School.objects.filter(path=path).values_list("name", flat=True).first()
    if school is not None:
        return Node(path=path, name=school, is_school=True)
    region = Region.objects.filter(path=path).values_list("name", flat=True).first()
    return Node(path=path, name=region, is_school=False) if region is not None else None


def risk_list(actor, program: Program, node: Node, *, level: str = "", sort: str = "-score") -> QuerySet:
    """The teachers of `node` with a risk score, scoped, with their last intervention."""
    qs = scope_filter(RiskScore.objects.filter(program=program), actor, CAPABILITY).filter(
        path_q("org_path", [node.path]))
    if level in RiskLevel.values:
        qs = qs.filter(level=level)
    last = Intervention.objects.filter(program=program, teacher_id=OuterRef("teacher_id")).order_by("-created_at")
    return (qs.select_related("teacher", "school")
            .annotate(last_intervention=Subquery(last.values("created_at")[:1]))
            .order_by(*SORTS.get(sort, SORTS["-score"])))


def level_counts(actor, program: Program, node: Node) -> dict[str, int]:
    rows = (scope_filter(RiskScore.objects.filter(program=program), actor, CAPABILITY)
            .filter(path_q("org_path", [node.path])).values("level").annotate(n=Count("id")).order_by())
    counts = {level: 0 for level in RiskLevel.values}
    counts.update({r["level"]: r["n"] for r in rows})
    return counts


def children_summary(actor, program: Program, node: Node) -> list[dict]:
    """Per child of the node (schools of a county, counties of a city, cities of the
    province): teachers scored and how many at each level, highest first. One query."""
    scoped = scope_filter(RiskScore.objects.filter(program=program), actor, CAPABILITY).filter(
        path_q("org_path", [node.path]))
    if node.is_school:
        return []
    if node.path.count("/") >= 2:  # a county: its schools
        rows = (scoped.values("org_path", "school__name")
                .annotate(total=Count("id"), high=Count("id", filter=Q(level=RiskLevel.HIGH)),
                          medium=Count("id", filter=Q(level=RiskLevel.MEDIUM))).order_by())
        out = [{"path": r["org_path"], "name": r["school__name"], "total": r["total"], "high": r["high"],
                "medium": r["medium"]} for r in rows]
    else:  # a province or city: its child regions, as conditional counts in one pass
        children = list(Region.objects.filter(parent__path=node.path).order_by("sort_order", "path")
                        .values_list("path", "name"))
        if not children:
            return []
        aggregates = {}
        for i, (path, _name) in enumerate(children):
            inside = Q(org_path__startswith=path + "/")
            aggregates[f"t{i}"] = Count("id", filter=inside)
            aggregates[f"h{i}"] = Count("id", filter=inside & Q(level=RiskLevel.HIGH))
            aggregates[f"m{i}"] = Count("id", filter=inside & Q(level=RiskLevel.MEDIUM))
        totals = scoped.aggregate(**aggregates)
        out = [{"path": path, "name": name, "total": totals[f"t{i}"], "high": totals[f"h{i}"],
                "medium": totals[f"m{i}"]} for i, (path, name) in enumerate(children) if totals[f"t{i}"]]
    return sorted(out, key=lambda r: (-r["high"], -r["medium"], r["path"]))


def _window(field: str) -> ExpressionWrapper:
    return ExpressionWrapper(OuterRef(field) + dt.timedelta(days=EFFECT_DAYS), output_field=DateTimeField())


def interventions(actor, program: Program, node: Node) -> QuerySet:
    """Interventions about the node's teachers, newest first, each with whether the teacher
    was active (ledger entry or video session) within 7 days after it."""
    from tisheng.practice.models import Submission

    def active_after(qs, at: str) -> Exists:
        return Exists(qs.filter(teacher_id=OuterRef("teacher_id"), **{f"{at}__gt": OuterRef("created_at"),
                                                                       f"{at}__lte": _window("created_at")}))

    return (scope_filter(Intervention.objects.filter(program=program), actor, CAPABILITY)
            .filter(path_q("org_path", [node.path])).select_related("teacher", "actor")
            .annotate(ledger_after=active_after(LedgerEntry.objects.all(), "at"),
                      playback_after=active_after(PlaybackSession.objects.all(), "started_at"),
                      upload_after=active_after(Submission.objects.all(), "created_at"))
            .order_by("-created_at", "-id"))


def effect_of(intervention: Intervention, now: dt.datetime | None = None) -> str:
    """"active" (activity within 7 days after), "waiting" (no activity yet, the 7 days not
    over) or "none"."""
    if intervention.ledger_after or intervention.playback_after or intervention.upload_after:
        return "active"
    now = now or timezone.now()
    return "waiting" if now < intervention.created_at + dt.timedelta(days=EFFECT_DAYS) else "none"


def effect_summary(items: list[Intervention]) -> dict[str, int]:
    out = {"active": 0, "waiting": 0, "none": 0}
    for i in items:
        out[effect_of(i)] += 1
    return out

