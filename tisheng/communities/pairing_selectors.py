"""Reads of pairs (结对帮扶), always scoped to the actor.

Who sees a pair: offices whose area holds it (its creating office's node) or either of its
schools; the administrators of either school; the staff of the assisting institution; the
teachers of its mentoring pairs. One Q; anything else 404s.

Coverage for an office is three grouped queries whatever the size of its area: rural schools per
county with and without a pair in force today (one GROUP BY over schools with an EXISTS), the
activity count per pair per month over the last six months (one GROUP BY over the log), and the
pairs gone silent (in force, nothing logged for SILENT_DAYS: one filter on the pair's
`last_activity_on`, which the log keeps)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import Cap, Role
from tisheng.communities.models import AssistedRegion, MentorPair, PairActivity, SchoolPair
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import NOTHING, capability_paths, grants_for, path_q

SILENT_DAYS = 30
MONTHS = 6


def _org_ids(actor) -> list[int]:
    return list(RoleAssignment.objects.filter(user=actor, role__in=(Role.INSTITUTION, Role.TEACHER_COLLEGE),
                                              organization__isnull=False).values_list("organization_id", flat=True))


def _school_admin_paths(actor) -> list[str]:
    return [p for g in grants_for(actor) if g.role == Role.SCHOOL_ADMIN for p in g.paths]


def visible_q(actor) -> Q:
    if actor is None or not getattr(actor, "is_authenticated", False) or not grants_for(actor):
        return NOTHING
    oversee = capability_paths(actor, Cap.COMMUNITIES_OVERSEE)
    q = path_q("scope_path", oversee) | path_q("school__path", oversee) | path_q("strong_school__path", oversee)
    schools = _school_admin_paths(actor)
    if schools:
        q |= Q(school__path__in=schools) | Q(strong_school__path__in=schools)
    orgs = _org_ids(actor) if any(g.role in (Role.INSTITUTION, Role.TEACHER_COLLEGE) for g in grants_for(actor)) \
        else []
    if orgs:
        q |= Q(organization_id__in=orgs)
    q |= Q(Exists(MentorPair.objects.filter(pair=OuterRef("pk")).filter(
        Q(mentor_user=actor) | Q(mentee__user=actor))))
    return q


def pairs_for(actor) -> QuerySet[SchoolPair]:
    return (SchoolPair.objects.filter(visible_q(actor))
            .select_related("strong_school", "organization", "school", "school__county")
            .annotate(activity_count=Count("activities", distinct=True))
            .order_by("-starts_on", "-id"))


def get_pair_for_user(actor, pk: int) -> SchoolPair:
    pair = (SchoolPair.objects.filter(visible_q(actor), pk=pk)
            .select_related("strong_school", "organization", "school", "school__county").first())
    if pair is None:
        raise Http404
    return pair


def can_manage(actor, pair: SchoolPair) -> bool:
    """The creating office (or one above it): edit mentors, end the pair."""
    p = pair.scope_path
    return any(p == r or p.startswith(r + "/") for r in capability_paths(actor, Cap.COMMUNITIES_PAIRS_MANAGE))


def can_log(actor, pair: SchoolPair) -> bool:
    """Keep the activity log: either school's administrators, the assisting organization, the
    pair's mentors and mentees, and the managing office."""
    schools = set(_school_admin_paths(actor))
    if pair.school.path in schools or (pair.strong_school_id and pair.strong_school.path in schools):
        return True
    if pair.organization_id and pair.organization_id in _org_ids(actor):
        return True
    if MentorPair.objects.filter(pair=pair).filter(Q(mentor_user=actor) | Q(mentee__user=actor)).exists():
        return True
    return can_manage(actor, pair)


def manage_scopes(actor) -> list[tuple[str, str]]:
    paths = capability_paths(actor, Cap.COMMUNITIES_PAIRS_MANAGE)
    names = dict(Region.objects.filter(path__in=paths).values_list("path", "name"))
    return [(p, names.get(p, p)) for p in paths]


def in_force_q(today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(starts_on__lte=today, ends_on__gte=today)


def coverage(actor, *, today: dt.date | None = None) -> dict:
    """Rural schools of the actor's area with and without a pair in force, per county, with the
    county's assisted-region tag; totals. Two queries."""
    today = today or timezone.localdate()
    roots = capability_paths(actor, Cap.COMMUNITIES_OVERSEE)
    if not roots:
        return {"rows": [], "rural": 0, "paired": 0, "unpaired": 0}
    paired = SchoolPair.objects.filter(in_force_q(today), school=OuterRef("pk"))
    rows = list(School.objects.filter(path_q("path", roots), is_rural=True)
                .values("county_id", "county__name", "county__path")
                .annotate(rural=Count("id"), paired=Count("id", filter=Q(Exists(paired))))
                .order_by("county__path"))
    tags = dict(AssistedRegion.objects.filter(region_id__in=[r["county_id"] for r in rows])
                .values_list("region_id", "tag"))
    for r in rows:
        r["unpaired"] = r["rural"] - r["paired"]
        r["tag"] = tags.get(r["county_id"], "")
    rural = sum(r["rural"] for r in rows)
    paired_total = sum(r["paired"] for r in rows)
    return {"rows": rows, "rural": rural, "paired": paired_total, "unpaired": rural - paired_total}


def months_back(today: dt.date, n: int = MONTHS) -> list[dt.date]:
    """The first days of the last `n` months, oldest first (this month last)."""
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def activity_by_month(pairs: list[SchoolPair], *, today: dt.date | None = None) -> tuple[list[dt.date], dict]:
    """(months, pair id → [count per month]) over the last MONTHS months: one query."""
    today = today or timezone.localdate()
    months = months_back(today)
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * len(months))
    index = {m: i for i, m in enumerate(months)}
    rows = (PairActivity.objects.filter(pair__in=[p.pk for p in pairs], held_on__gte=months[0])
            .annotate(month=TruncMonth("held_on")).values("pair_id", "month").annotate(n=Count("id")))
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]
        if month in index:
            counts[r["pair_id"]][index[month]] = r["n"]
    return months, counts


def is_silent(pair: SchoolPair, today: dt.date | None = None) -> bool:
    """In force, and nothing logged for SILENT_DAYS (counting from its start when never)."""
    today = today or timezone.localdate()
    if not (pair.starts_on <= today <= pair.ends_on):
        return False
    since = pair.last_activity_on or pair.starts_on
    return (today - since).days >= SILENT_DAYS


def silent_pairs_q(today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=SILENT_DAYS)
    return in_force_q(today) & (Q(last_activity_on__lte=cutoff) | Q(last_activity_on__isnull=True,
                                                                    starts_on__lte=cutoff))
