"""Who sees which part of supervision, as one SQL condition each.

- The office: an office role with `supervision.manage` whose region covers the round's region
  sees the round and every unit in it, and decides rectifications.
- An inspector: `supervision.inspect` and assigned to the unit; nothing else of the round.
- The inspected unit: a role with `supervision.respond` held AT the unit (the county office of
  an inspected county, the school admin of an inspected school) sees its own inspection and
  answers its items. A county office that plans a round of its schools is that round's office,
  never the answering side.

Anyone else gets 404 (the same answer as "does not exist").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap, Role
from tisheng.monitoring.services.rollups import today as shanghai_today
from tisheng.orgs.scope import capability_paths, grants_for, has_capability, path_in_scope, path_q
from tisheng.supervision.models import Inspection, Rectification, Round

MANAGE, INSPECT, RESPOND = Cap.SUPERVISION_MANAGE, Cap.SUPERVISION_INSPECT, Cap.SUPERVISION_RESPOND
AWAITING_UNIT = (Rectification.Status.OPEN, Rectification.Status.REOPENED)
# Who answers for an inspected unit, by the unit's level.
UNIT_ROLES = {"county": (Role.COUNTY_OFFICE,), "school": (Role.SCHOOL_ADMIN,)}


@dataclass(frozen=True)
class Access:
    office: bool
    inspector: bool
    unit: bool


def unit_paths(actor) -> list[str]:
    """The nodes the actor answers for: where a `supervision.respond` role is held."""
    return sorted({p for g in grants_for(actor) if not g.self_only and RESPOND in ROLE_CAPABILITIES.get(g.role, ())
                   for p in g.paths})


def _assigned(actor, outer: str = "pk") -> Q:
    # EXISTS rather than a join: a join to the inspectors would repeat a row per inspector.
    through = Inspection.inspectors.through.objects.filter(inspection_id=OuterRef(outer), user_id=actor.pk)
    return Q(Exists(through))


def rounds_managed(actor) -> QuerySet[Round]:
    return Round.objects.filter(path_q("region_path", capability_paths(actor, MANAGE))).select_related("program")


def inspections_visible(actor, *, prefix: str = "") -> Q:
    """The condition on inspections (or, with `prefix="inspection__"`, on their items)."""
    q = path_q(f"{prefix}round__region_path", capability_paths(actor, MANAGE))
    if has_capability(actor, INSPECT):
        q |= _assigned(actor, "pk" if not prefix else prefix.rstrip("_") + "_id")
    paths = unit_paths(actor)
    if paths:
        q |= Q(**{f"{prefix}unit_path__in": paths})
    return q


def inspection_list(actor) -> QuerySet[Inspection]:
    return Inspection.objects.filter(inspections_visible(actor)).select_related("round")


def assigned_inspections(actor) -> QuerySet[Inspection]:
    if not has_capability(actor, INSPECT):
        return Inspection.objects.none()
    return Inspection.objects.filter(_assigned(actor)).select_related("round").order_by("round__ends_on", "unit_path")


def own_unit_inspections(actor) -> QuerySet[Inspection]:
    return (Inspection.objects.filter(unit_path__in=unit_paths(actor)).select_related("round")
            .order_by("-round__created_at", "unit_path"))


def access_for(actor, inspection: Inspection) -> Access:
    office = path_in_scope(actor, MANAGE, inspection.round.region_path)
    inspector = has_capability(actor, INSPECT) and inspection.inspectors.filter(pk=actor.pk).exists()
    unit = not office and inspection.unit_path in unit_paths(actor)
    return Access(office=office, inspector=inspector, unit=unit)


def get_round_for_user(actor, pk: int) -> Round:
    found = rounds_managed(actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_inspection_for_user(actor, pk: int) -> tuple[Inspection, Access]:
    inspection = inspection_list(actor).filter(pk=pk).select_related("round__program", "round__region").first()
    if inspection is None:
        raise Http404
    return inspection, access_for(actor, inspection)


def get_rectification_for_user(actor, pk: int) -> tuple[Rectification, Access]:
    item = (Rectification.objects.filter(inspections_visible(actor, prefix="inspection__"), pk=pk)
            .select_related("inspection__round", "owner").first())
    if item is None:
        raise Http404
    return item, access_for(actor, item.inspection)


def overdue_rectifications(actor, *, on: dt.date | None = None) -> QuerySet[Rectification]:
    """Items past their deadline that still wait for the unit (open or reopened), on both sides:
    the office's rounds, the inspector's units and the unit's own items. For the home page.
    A closed round's items are no one's to-do: nothing can be answered or decided there."""
    on = on or shanghai_today()
    return (Rectification.objects.filter(inspections_visible(actor, prefix="inspection__"),
                                         status__in=AWAITING_UNIT, deadline__lt=on,
                                         inspection__round__status=Round.Status.OPEN)
            .select_related("inspection__round", "owner").order_by("deadline", "pk"))


def awaiting_decision(actor) -> QuerySet[Rectification]:
    """Answered items of the office's rounds that wait for it to accept or reopen them."""
    return (Rectification.objects.filter(path_q("inspection__round__region_path", capability_paths(actor, MANAGE)),
                                         status=Rectification.Status.ANSWERED,
                                         inspection__round__status=Round.Status.OPEN)
            .select_related("inspection__round", "owner").order_by("deadline", "pk"))


def todo_counts(actor, *, on: dt.date) -> dict[str, int]:
    """One aggregate for the home page: overdue items (either side), the unit's items still to
    answer before their deadline, and the answers the office has to decide."""
    waiting = Q(status__in=AWAITING_UNIT)
    paths = unit_paths(actor)
    return (Rectification.objects.filter(inspections_visible(actor, prefix="inspection__"),
                                         inspection__round__status=Round.Status.OPEN)
            .aggregate(overdue=Count("pk", filter=waiting & Q(deadline__lt=on)),
                       to_answer=Count("pk", filter=waiting & Q(deadline__gte=on, inspection__unit_path__in=paths)),
                       to_decide=Count("pk", filter=Q(status=Rectification.Status.ANSWERED) & path_q(
                           "inspection__round__region_path", capability_paths(actor, MANAGE)))))


def _active_assignments():
    return RoleAssignment.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


def inspector_candidates(round_: Round) -> list:
    """Users holding the inspector role at the round's region, above it or below it."""
    parts = round_.region_path.split("/")
    around = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    rows = (_active_assignments().filter(role=Role.INSPECTOR)
            .filter(Q(region__path__in=around) | Q(region__path__startswith=round_.region_path + "/"))
            .select_related("user").order_by("user__name", "user_id"))
    seen, users = set(), []
    for a in rows:
        if a.user_id not in seen and a.user.is_active:
            seen.add(a.user_id)
            users.append(a.user)
    return users


def owner_candidates(inspection: Inspection) -> list:
    """Who can own a rectification item: the people who answer for the inspected unit."""
    roles = UNIT_ROLES[inspection.round.unit_level]
    rows = (_active_assignments().filter(role__in=roles)
            .filter(Q(region__path=inspection.unit_path) | Q(school__path=inspection.unit_path))
            .select_related("user").order_by("user__name", "user_id"))
    seen, users = set(), []
    for a in rows:
        if a.user_id not in seen and a.user.is_active:
            seen.add(a.user_id)
            users.append(a.user)
    return users
