"""Reads for funding, scoped to the actor.

An office sees budgets and statements of its subtree (the statement's paying region); an
institution sees only its own statements, wherever its contracts reach (its scope paths would
also cover other institutions' statements in the same regions, so it is matched by id).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap, Role
from tisheng.funding.models import BudgetLine, LineKind, Source, Statement, StatementLine
from tisheng.learning.models import Contract
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import NOTHING, capability_paths, grants_for, path_q


def institution_ids(actor) -> list[int]:
    """The institutions the actor checks statements for (their institution role's node)."""
    from tisheng.accounts.models import RoleAssignment

    if not any(g.role == Role.INSTITUTION and Cap.FUNDING_CHECK in ROLE_CAPABILITIES.get(g.role, ())
               for g in grants_for(actor)):
        return []
    return list(RoleAssignment.objects.filter(user=actor, role=Role.INSTITUTION).values_list(
        "organization_id", flat=True))


def statements_for(actor) -> QuerySet[Statement]:
    q = path_q("region_path", capability_paths(actor, Cap.FUNDING_VIEW))
    ids = institution_ids(actor)
    if ids:
        q |= Q(institution_id__in=ids)
    if q == NOTHING:
        return Statement.objects.none()
    return Statement.objects.filter(q).select_related("institution", "region", "program")


def get_statement_for_user(actor, pk: int) -> Statement:
    statement = statements_for(actor).select_related("rate", "drafted_by").filter(pk=pk).first()
    if statement is None:
        raise Http404
    return statement


def draftable_contracts(actor) -> QuerySet[Contract]:
    """Contracts whose paying office the actor works at (the region of one of their grants)."""
    regions = [p for g in grants_for(actor) if Cap.FUNDING_SETTLE in ROLE_CAPABILITIES.get(g.role, ())
               for p in g.paths]
    if not regions:
        return Contract.objects.none()
    return (Contract.objects.filter(region_path__in=regions).select_related("institution", "program", "region")
            .order_by("program_id", "institution__name"))


def budget_nodes(actor) -> list[Region | School]:
    """The nodes whose budget pages the actor may open: the regions and schools their roles are
    held at (offices enter budgets for their own level; the page links the levels below)."""
    from tisheng.accounts.models import RoleAssignment

    nodes: list[Region | School] = []
    grants = {g.role for g in grants_for(actor) if Cap.FUNDING_VIEW in ROLE_CAPABILITIES.get(g.role, ())}
    for a in RoleAssignment.objects.filter(user=actor, role__in=grants).select_related("region", "school"):
        node = a.region or a.school
        if node is not None and node not in nodes:
            nodes.append(node)
    return nodes


def node_for_user(actor, path: str) -> Region | School:
    """A region or school inside the actor's funding scope, 404 otherwise."""
    roots = capability_paths(actor, Cap.FUNDING_VIEW)
    if not any(path == r or path.startswith(r + "/") for r in roots):
        raise Http404
    node = Region.objects.filter(path=path).first() or School.objects.filter(path=path).first()
    if node is None:
        raise Http404
    return node


@dataclass
class SourceRow:
    source: str
    label: str
    budget: Decimal = Decimal(0)
    settled: Decimal = Decimal(0)  # confirmed statements
    pending: Decimal = Decimal(0)  # statements not yet confirmed

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.settled - self.pending

    @property
    def used_percent(self) -> int:
        return int((self.settled + self.pending) * 100 / self.budget) if self.budget > 0 else 0


@dataclass
class BudgetSummary:
    node: Region | School
    year: int
    rows: list[SourceRow] = field(default_factory=list)
    lines: list[BudgetLine] = field(default_factory=list)
    children: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (path, name, budget)

    @property
    def total(self) -> SourceRow:
        t = SourceRow(source="", label="")
        for r in self.rows:
            t.budget, t.settled, t.pending = t.budget + r.budget, t.settled + r.settled, t.pending + r.pending
        return t


def budget_summary(node: Region | School, year: int) -> BudgetSummary:
    """The node's budget lines for the year by source, against what its statements charge to
    each source: the online and adjustment lines of the statements it pays; the rural
    subsidies of all statements charge the province (the notice's 奖补 is the province's).
    Four grouped queries whatever the number of statements."""
    summary = BudgetSummary(node=node, year=year)
    rows = {s.value: SourceRow(source=s.value, label=str(s.label)) for s in Source}
    summary.lines = list(BudgetLine.objects.filter(path=node.path, year=year).select_related("created_by"))
    for line in summary.lines:
        rows[line.source].budget += line.amount
    if isinstance(node, Region):
        lines = StatementLine.objects.filter(statement__period_start__year=year)
        q = Q(statement__region_id=node.pk) & ~Q(kind=LineKind.RURAL)
        if node.parent_id is None:
            q |= Q(kind=LineKind.RURAL)
        for r in (lines.filter(q).values("source", "statement__state").annotate(total=Sum("amount"))
                  .order_by()):
            row = rows[r["source"]]
            if r["statement__state"] == Statement.State.CONFIRMED:
                row.settled += r["total"]
            else:
                row.pending += r["total"]
        children = (list(Region.objects.filter(parent=node).values_list("path", "name"))
                    or list(School.objects.filter(county=node).values_list("path", "name")[:500]))
        budgets: dict[str, Decimal] = defaultdict(Decimal)
        for path, total in (BudgetLine.objects.filter(path__in=[p for p, _n in children], year=year)
                            .values_list("path").annotate(total=Sum("amount")).order_by()):
            budgets[path] = total
        summary.children = [(p, n, budgets.get(p, Decimal(0))) for p, n in children]
    summary.rows = [r for r in rows.values() if r.budget or r.settled or r.pending]
    return summary
