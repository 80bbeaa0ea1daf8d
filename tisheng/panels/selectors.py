"""Panel reads, already scoped: managers see the panels under their panels.manage scope; an
expert sees only their own assignments (and, once a panel closes, its frozen results)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from tisheng.accounts.models import User
from tisheng.accounts.roles import Cap
from tisheng.orgs.scope import capability_paths, path_q
from tisheng.panels.models import ConflictDeclaration, Panel, PanelAssignment, Score


def panel_list(actor: User) -> QuerySet[Panel]:
    return Panel.objects.filter(path_q("scope_path", capability_paths(actor, Cap.PANELS_MANAGE)))


def get_panel_for_manager(actor: User, pk: int) -> Panel:
    panel = panel_list(actor).filter(pk=pk).first()
    if panel is None:
        raise Http404
    return panel


def expert_assignments(actor: User) -> QuerySet[PanelAssignment]:
    """The actor's own assignments, with whether they declared a conflict (`declared`)."""
    declared = ConflictDeclaration.objects.filter(item=OuterRef("item"), expert=OuterRef("expert"))
    return (PanelAssignment.objects.filter(expert__user=actor)
            .annotate(declared=Exists(declared))
            .select_related("item__panel", "expert")
            .order_by("-item__panel__created_at", "item__panel_id", "item_id"))


def get_assignment_for_expert(actor: User, pk: int) -> PanelAssignment:
    assignment = expert_assignments(actor).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    return assignment


def own_scores(assignment: PanelAssignment) -> dict[str, Score]:
    return {s.criterion: s for s in Score.objects.filter(item_id=assignment.item_id, expert_id=assignment.expert_id)}


def panel_progress(panel: Panel) -> dict:
    """The manager's matrix while the panel is open: for each item and expert, whether the item
    is assigned, submitted or declared — never the values (they stay blind until closing)."""
    experts = list(panel.experts.select_related("user"))
    items = list(panel.items.select_related("organization"))
    state: dict[tuple[int, int], str] = {}
    for item_id, expert_id, submitted in PanelAssignment.objects.filter(item__panel=panel).values_list(
            "item_id", "expert_id", "submitted_at"):
        state[(item_id, expert_id)] = "submitted" if submitted else "assigned"
    conflicts = {(c.item_id, c.expert_id): c for c in ConflictDeclaration.objects.filter(item__panel=panel)}
    for key in conflicts:
        state[key] = "declared"
    rows = [{"item": i, "cells": [{"expert": e, "state": state.get((i.pk, e.pk), ""),
                                   "conflict": conflicts.get((i.pk, e.pk))} for e in experts]} for i in items]
    counts = {"assigned": sum(1 for s in state.values() if s in ("assigned", "submitted")),
              "submitted": sum(1 for s in state.values() if s == "submitted"),
              "declared": len(conflicts)}
    return {"experts": experts, "rows": rows, "counts": counts}


def expert_may_read(actor: User, round_key: str, item_key: str) -> bool:
    """Whether the actor is an expert assigned to this item of this round's panel (and did not
    declare a conflict with it): the owning app's item page asks this before showing it."""
    declared = ConflictDeclaration.objects.filter(item=OuterRef("item"), expert=OuterRef("expert"))
    return PanelAssignment.objects.filter(expert__user=actor, item__panel__round_key=round_key,
                                          item__key=item_key).exclude(Exists(declared)).exists()
