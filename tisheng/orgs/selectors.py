"""Reads of the org tree, always scoped to the actor.

The tree browser shows, for a node, its children with their school and teacher counts.
Counts come from `School.teacher_count` (kept up to date by the people services), added up
per child region in one GROUP BY over the schools below the node, so a province page reads
~12,000 school rows at most and never the teacher table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr
from django.http import Http404

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import Organization, Region, RegionLevel, School
from tisheng.orgs.scope import capability_paths, path_in_scope, path_q, scope_filter

Node = Region | School | Organization


@dataclass
class TreeEntry:
    """One row of the tree browser: a region or school with the totals below it."""

    node: Node
    school_count: int = 0
    teacher_count: int = 0
    children: list[TreeEntry] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return node_kind(self.node)

    @property
    def code(self) -> str:
        return self.node.code

    @property
    def name(self) -> str:
        return self.node.name


def node_kind(node: Node) -> str:
    """"province", "city", "county", "school", "institution" or "teacher_college"."""
    if isinstance(node, Region):
        return node.level
    if isinstance(node, School):
        return "school"
    return node.kind


def _subtree(field_name: str, path: str) -> Q:
    return path_q(field_name, [path])


def tree_roots(actor) -> list[Node]:
    """The nodes at the top of the actor's tree: one per subtree they may view (a province
    officer gets the province, a principal their school). Paths resolve to regions, schools
    or organizations in three queries at most."""
    paths = capability_paths(actor, Cap.ORGS_VIEW)
    if not paths:
        return []
    by_path: dict[str, Node] = {}
    for model in (Region, School, Organization):
        missing = [p for p in paths if p not in by_path]
        if not missing:
            break
        by_path.update({n.path: n for n in model.objects.filter(path__in=missing)})
    return [by_path[p] for p in paths if p in by_path]


def node_for_user(actor, code: str) -> Node:
    """The region or school with `code`, if the actor may view it; else 404 (the same answer
    as for a code that does not exist)."""
    node: Node | None = Region.objects.filter(code=code).first() or School.objects.filter(code=code).first()
    if node is None or not path_in_scope(actor, Cap.ORGS_VIEW, node.path):
        raise Http404
    return node


def breadcrumbs(actor, node: Node) -> list[Node]:
    """The path from the actor's root down to `node` (inclusive), never above the root the
    actor was given: a county officer's trail starts at their county."""
    roots = capability_paths(actor, Cap.ORGS_VIEW)
    parts = node.path.split("/")
    ancestor_paths = ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]
    visible = [p for p in ancestor_paths if any(p == r or p.startswith(r + "/") for r in roots)]
    regions = {r.path: r for r in Region.objects.filter(path__in=visible)} if visible else {}
    return [regions[p] for p in visible if p in regions] + [node]


def _school_totals_by_prefix(actor, node: Region, prefix_lengths: set[int]) -> dict[str, tuple[int, int]]:
    """{child path: (schools, teachers)} for the schools below `node`, grouped on the
    prefix of their path that names the child region, separator included, so a child
    "35/351" never counts the schools of a sibling "35/3510". Children's codes nearly
    always share one length (2/4/6 digits by level), so this is one GROUP BY."""
    totals: dict[str, tuple[int, int]] = {}
    schools = scope_filter(School.objects.filter(_subtree("path", node.path)), actor, Cap.ORGS_VIEW)
    for length in sorted(prefix_lengths):
        rows = (
            schools.order_by()
            .annotate(prefix=Substr("path", 1, length + 1))
            .values("prefix")
            .annotate(schools=Count("id"), teachers=Coalesce(Sum("teacher_count"), 0))
            .values_list("prefix", "schools", "teachers")
        )
        for prefix, n_schools, n_teachers in rows:
            if prefix.endswith("/"):
                totals[prefix[:-1]] = (n_schools, n_teachers)
    return totals


def tree_children(actor, node: Node) -> list[TreeEntry]:
    """The children of `node` the actor may view, each with its school and teacher counts.

    Under a province or city: its child regions (2 queries). Under a county: its schools with
    their own teacher counts (1 query). A school or an organization has no children here;
    its teachers are on the teacher list."""
    if isinstance(node, Region) and node.level != RegionLevel.COUNTY:
        children = list(scope_filter(Region.objects.filter(parent=node), actor, Cap.ORGS_VIEW).order_by(
            "sort_order", "code"))
        totals = _school_totals_by_prefix(actor, node, {len(c.path) for c in children})
        return [TreeEntry(c, *totals.get(c.path, (0, 0))) for c in children]
    if isinstance(node, Region):
        schools = scope_filter(School.objects.filter(county=node), actor, Cap.ORGS_VIEW).order_by("code")
        return [TreeEntry(s, 1, s.teacher_count) for s in schools]
    return []


def node_totals(actor, node: Node) -> tuple[int, int]:
    """(schools, teachers) at and below `node` within the actor's scope, in one query."""
    if isinstance(node, Organization):
        return (0, 0)
    schools = scope_filter(School.objects.filter(_subtree("path", node.path)), actor, Cap.ORGS_VIEW)
    agg = schools.order_by().aggregate(schools=Count("id"), teachers=Coalesce(Sum("teacher_count"), 0))
    return agg["schools"], agg["teachers"]


def tree_entries(actor, nodes: list[Node]) -> list[TreeEntry]:
    """`nodes` (e.g. the actor's roots) with their totals; one aggregate per node."""
    return [TreeEntry(n, *node_totals(actor, n)) for n in nodes]


def region_choices(actor) -> QuerySet[Region]:
    """The cities and counties the actor may filter by (regions inside their scope)."""
    return scope_filter(Region.objects.exclude(level=RegionLevel.PROVINCE), actor, Cap.ORGS_VIEW).order_by("path")


def counties_in_scope(actor, capability: str) -> QuerySet[Region]:
    """The counties at or under the actor's roots for `capability` (a county-wide report's
    choices)."""
    return scope_filter(Region.objects.filter(level=RegionLevel.COUNTY), actor, capability).order_by("path")


def region_for_user(actor, code: str) -> Region | None:
    """The region with `code` if the actor may view it, else None."""
    if not code:
        return None
    return scope_filter(Region.objects.filter(code=code), actor, Cap.ORGS_VIEW).first()


def school_list(actor, filters: Mapping[str, Any] | None = None) -> QuerySet[School]:
    """Schools the actor may view, ordered by path (county, then code).

    `filters` (all optional): `q` (name contains or code equals), `region` (a Region or a
    division code: schools at or below it), `county` (same, kept for forms), `stage`,
    `is_rural` (bool), `environment` ("A"/"B"/"C")."""
    filters = filters or {}
    qs = scope_filter(School.objects.select_related("county"), actor, Cap.ORGS_VIEW)
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code=q))
    for key in ("region", "county"):
        region = filters.get(key)
        if region:
            region_path = region.path if isinstance(region, Region) else (
                Region.objects.filter(code=str(region)).values_list("path", flat=True).first())
            qs = qs.filter(_subtree("path", region_path)) if region_path else qs.none()
    if filters.get("stage"):
        qs = qs.filter(stage=filters["stage"])
    if filters.get("is_rural") is not None:
        qs = qs.filter(is_rural=bool(filters["is_rural"]))
    if filters.get("environment"):
        qs = qs.filter(environment=filters["environment"])
    return qs.order_by("path")
