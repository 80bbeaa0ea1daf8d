"""Model sites (创新实验区, 示范校, 示范性网络研修社区): a county office applies for its county, a
school administrator for their school, a community's leader or owning office for the community, with a plan and targets; the province designates for a period
with a reason, or declines with a reason; the applicant is told either way.

The evidence beside each application is what the platform already computes, read the same way
for the application, the decision and the public list:

- completion rate and 2.0 practice pass rate: the unit's latest monitoring roll-up (the most
  recent active program that has one), so no enrollment is read here;
- resources contributed (published) and the distinct people who used them, and how many are
  优质资源: the resource library, one aggregate over the unit's subtree;
- spot-check results: of the unit's sampled 2.0 points that a reviewer has checked, the share
  confirmed (pending ones do not count);
- on-time rate: the completion rate the unit's roll-up recorded on the deadline of the last
  program that has ended (the roll-ups are kept per day, so finishing late does not count);
- and the indicators of apps above this one, registered with `register_indicator`.

Each kind of site is one entry of a small registry (`register_site_kind`): its indicators, how
their values are read for one unit, and which units an actor may apply for. 创新实验区 and 示范校
are registered here (the numbers above, over an org node); 示范性网络研修社区 is registered by
`communities` from its AppConfig.ready() (members, activity, posts, points become hours), since
communities sits above this app and may not be imported here. Every function below goes through
the registry: no kind is a special case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from tisheng.accounts.models import RoleAssignment
from tisheng.accounts.roles import ROLE_CAPABILITIES, Cap
from tisheng.accounts.services import audit
from tisheng.monitoring.models import Rollup
from tisheng.notifications.models import Kind
from tisheng.notifications.services import notify
from tisheng.orgs.scope import path_in_scope
from tisheng.practice.checks.models import SpotCheckItem
from tisheng.resources.models import (
    Resource,
    ResourceState,
    ReviewVerdict,
    SiteApplication,
    SiteKind,
    SiteReview,
    SiteState,
)

NO_PLAN = gettext_noop("Describe the plan: what the unit will do, with whom and by when.")
BAD_UNIT = gettext_noop("You cannot apply for this unit.")
ALREADY_APPLIED = gettext_noop("This unit already has an application under review or a current designation.")
BAD_TARGET = gettext_noop("A target must be a number from 0 to 100,000.")
NOT_DESIGNATOR = gettext_noop("Only the province office designates model sites.")
ALREADY_DECIDED = gettext_noop("This application has already been decided.")
NEEDS_REASON = gettext_noop("Give the reason for the decision.")
BAD_PERIOD = gettext_noop("Give the period: a start date and an end date after it.")
DECIDED_TITLE = gettext_noop("%(unit)s: %(outcome)s as %(kind)s")
DECIDED_BODY = gettext_noop("%(outcome)s (%(period)s). Reason: %(reason)s")
OWN_APPLICATION = gettext_noop("You applied for this unit or are one of its leaders, so you may not decide on "
                               "its application or review it: another officer of the province office decides.")
NO_OTHER_DECIDER = gettext_noop("No other officer with the right to designate model sites covers this unit: ask "
                                "the province office to assign one.")


CHECKED = (SpotCheckItem.Outcome.CONFIRMED, SpotCheckItem.Outcome.FAILED)


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str  # "%" or "" (a count)


INDICATORS = [
    Indicator("completion", gettext_lazy("Training completion rate"), "%"),
    Indicator("practice_pass", gettext_lazy("2.0 practice pass rate"), "%"),
    Indicator("resources", gettext_lazy("Published resources contributed"), ""),
    Indicator("resource_users", gettext_lazy("People who used them"), ""),
    Indicator("excellent", gettext_lazy("High-quality resources"), ""),
    Indicator("spot_checks", gettext_lazy("Spot checks confirmed"), "%"),
    Indicator("on_time", gettext_lazy("Completed by the last deadline"), "%"),
]
INDICATOR_CODES = [i.code for i in INDICATORS]
# Indicators of apps above this one (achievements won, …): code → fn(unit path) → value.
_REGISTERED: dict[str, Callable[[str], float | None]] = {}


def register_indicator(indicator: Indicator, fn: Callable[[str], float | None]) -> None:
    """Another app's number for a county or a school, shown beside the others and targetable
    (from its AppConfig.ready(); calls go down, news goes up)."""
    if indicator.code not in _REGISTERED:
        INDICATORS.append(indicator)
        INDICATOR_CODES.append(indicator.code)
    _REGISTERED[indicator.code] = fn


@dataclass(frozen=True)
class ApplyUnit:
    kind: str
    path: str  # the unit's scope: who may see its applications
    name: str
    ref: str = ""  # which unit at that path, when several share it (a community's id)

    @property
    def key(self) -> str:
        """One form value naming the unit: "school:35/3501/…", "community:12"."""
        return f"{self.kind}:{self.ref or self.path}"

    @property
    def kind_label(self) -> str:
        return SiteKind(self.kind).label


@dataclass(frozen=True)
class SiteKindSource:
    """One kind of model site: its indicators (a list the caller may not change), their values for
    one unit (path, ref), the units an actor may apply for, and (optionally) the unit's own page."""

    kind: str
    indicators: list[Indicator]
    values: Callable[[str, str], dict[str, float | None]]
    units: Callable[[object], list[ApplyUnit]]
    unit_url: Callable[[str, str], str] | None = None
    # The user ids of the unit's leadership (path, ref), who may not decide on its application.
    leaders: Callable[[str, str], set[int]] | None = None


_KINDS: dict[str, SiteKindSource] = {}


def register_site_kind(source: SiteKindSource) -> None:
    """Called once per kind: by this module for counties and schools, from AppConfig.ready() by
    the app that owns the units for the others."""
    _KINDS[source.kind] = source


def kind_source(kind: str) -> SiteKindSource:
    return _KINDS[kind]


def indicators_of(kind: str) -> list[Indicator]:
    source = _KINDS.get(kind)
    return source.indicators if source else []


def unit_url(application) -> str:
    source = _KINDS.get(application.kind)
    return source.unit_url(application.unit_path, application.unit_ref) if source and source.unit_url else ""


def _subtree(field: str, path: str) -> Q:
    return Q(**{field: path}) | Q(**{f"{field}__startswith": path + "/"})


def indicators_for(path: str, *, kind: str = SiteKind.EXPERIMENT_ZONE, ref: str = "") -> dict[str, float | None]:
    """The unit's indicators today (None: the platform has no number for it yet), read by its kind."""
    source = _KINDS.get(kind)
    return source.values(path, ref) if source else {}


def application_indicators(application: SiteApplication) -> dict[str, float | None]:
    return indicators_for(application.unit_path, kind=application.kind, ref=application.unit_ref)


def org_indicators(path: str, ref: str = "") -> dict[str, float | None]:
    """A county's or a school's numbers (see the module docstring): a few aggregates."""
    values: dict[str, float | None] = dict.fromkeys(INDICATOR_CODES)
    rollup = (Rollup.objects.filter(node_path=path, program__status="active")
              .order_by("-day", "-program_id").first())
    if rollup is not None:
        values["completion"] = round(100 * rollup.completion_rate, 1) if rollup.base else None
        dims = (rollup.detail or {}).get("dimensions", {}).values()
        assessed = sum(d[2] for d in dims)
        values["practice_pass"] = round(100 * sum(d[0] for d in dims) / assessed, 1) if assessed else None
    totals = Resource.objects.filter(_subtree("org_path", path), state=ResourceState.PUBLISHED).aggregate(
        n=Count("id"), users=Sum("usage_users"), excellent=Count("id", filter=Q(is_excellent=True)))
    values["resources"] = totals["n"]
    values["resource_users"] = totals["users"] or 0
    values["excellent"] = totals["excellent"]
    checked = SpotCheckItem.objects.filter(_subtree("org_path", path), outcome__in=CHECKED).aggregate(
        n=Count("id"), confirmed=Count("id", filter=Q(outcome=SpotCheckItem.Outcome.CONFIRMED)))
    values["spot_checks"] = round(100 * checked["confirmed"] / checked["n"], 1) if checked["n"] else None
    at_deadline = (Rollup.objects.filter(node_path=path, program__end_date__lt=timezone.localdate(),
                                         day__lte=F("program__end_date"))
                   .order_by("-program__end_date", "-day").first())
    values["on_time"] = round(100 * at_deadline.completion_rate, 1) if at_deadline and at_deadline.base else None
    for code, fn in _REGISTERED.items():
        values[code] = fn(path)
    return values


def _org_units(actor) -> list[ApplyUnit]:
    """Where the actor may apply as a county or a school: their county (county office) or school
    (school administrator)."""
    units = []
    for a in RoleAssignment.objects.filter(user=actor).select_related("region", "school").order_by("id"):
        if Cap.SITES_APPLY not in ROLE_CAPABILITIES.get(a.role, ()):
            continue
        if a.school_id:
            units.append(ApplyUnit(SiteKind.DEMO_SCHOOL, a.school.path, a.school.name))
        elif a.region_id and a.region.level == "county":
            units.append(ApplyUnit(SiteKind.EXPERIMENT_ZONE, a.region.path, a.region.name))
    return units


def _org_units_of(kind: str) -> Callable[[object], list[ApplyUnit]]:
    return lambda actor: [u for u in _org_units(actor) if u.kind == kind]


def _roles_with(capability: str) -> list[str]:
    return [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]


def _org_leaders(path: str, ref: str = "") -> set[int]:
    """Who holds an office of the county or school itself (its county office, its school
    administrators): one query."""
    return set(RoleAssignment.objects.filter(Q(region__path=path) | Q(school__path=path),
                                             role__in=_roles_with(Cap.SITES_APPLY))
               .values_list("user_id", flat=True))


register_site_kind(SiteKindSource(SiteKind.EXPERIMENT_ZONE, INDICATORS, org_indicators,
                                  _org_units_of(SiteKind.EXPERIMENT_ZONE), leaders=_org_leaders))
register_site_kind(SiteKindSource(SiteKind.DEMO_SCHOOL, INDICATORS, org_indicators,
                                  _org_units_of(SiteKind.DEMO_SCHOOL), leaders=_org_leaders))


def _interested(application: SiteApplication) -> set[int]:
    """The applicant and the unit's leadership: the people who may not decide on it."""
    source = _KINDS.get(application.kind)
    leaders = source.leaders(application.unit_path, application.unit_ref) if source and source.leaders else set()
    return leaders | {application.submitted_by_id}


def decision_conflict(actor, application: SiteApplication) -> bool:
    """Whether the actor applied for the unit or is one of its leaders (one or two queries)."""
    return actor.pk in _interested(application)


def other_deciders(actor, application: SiteApplication, limit: int = 10) -> list:
    """The people who may decide on the application in the actor's place: holders of the right to
    designate over the unit (a role at the unit's node or above it), none of them interested."""
    from django.contrib.auth import get_user_model

    parts = application.unit_path.split("/")
    above = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    holders = RoleAssignment.objects.filter(
        Q(region__path__in=above) | Q(school__path__in=above), role__in=_roles_with(Cap.SITES_DESIGNATE)).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())).values("user_id")
    return list(get_user_model().objects.filter(pk__in=holders, is_active=True)
                .exclude(pk__in=_interested(application) | {actor.pk}).order_by("name", "pk")[:limit])


def _check_no_conflict(actor, application: SiteApplication) -> None:
    if decision_conflict(actor, application):
        raise PermissionDenied(_(OWN_APPLICATION))


def apply_units(actor) -> list[ApplyUnit]:
    """Every unit the actor may apply for, of every registered kind."""
    return [u for source in _KINDS.values() for u in source.units(actor)]


def current_designation(kind: str, path: str, ref: str = "") -> SiteApplication | None:
    """The unit's current designation, if it has one (for a badge on the unit's own page)."""
    return (current_designations().filter(kind=kind, unit_path=path, unit_ref=ref)
            .order_by("-period_end", "-id").first())


def _clean_targets(targets: dict, kind: str) -> dict[str, float]:
    clean = {}
    for code in (i.code for i in indicators_of(kind)):
        raw = str(targets.get(code, "") or "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise ValidationError(_(BAD_TARGET)) from None
        if not 0 <= value <= 100_000 or value != value:
            raise ValidationError(_(BAD_TARGET))
        clean[code] = value
    return clean


def current_designations(today: dt.date | None = None) -> QuerySet[SiteApplication]:
    today = today or timezone.localdate()
    return SiteApplication.objects.filter(state=SiteState.DESIGNATED, period_start__lte=today,
                                          period_end__gte=today)


def site_apply(*, actor, unit_path: str, plan: str, targets: dict, unit_ref: str = "") -> SiteApplication:
    unit = next((u for u in apply_units(actor) if u.path == unit_path and u.ref == unit_ref), None)
    if unit is None:
        raise PermissionDenied(_(BAD_UNIT))
    plan = (plan or "").strip()
    if len(plan) < 10:
        raise ValidationError(_(NO_PLAN))
    clean = _clean_targets(targets, unit.kind)
    with transaction.atomic():
        busy = SiteApplication.objects.select_for_update().filter(
            kind=unit.kind, unit_path=unit.path, unit_ref=unit.ref).filter(
            Q(state=SiteState.SUBMITTED) | Q(state=SiteState.DESIGNATED, period_end__gte=timezone.localdate()))
        if busy.exists():
            raise ValidationError(_(ALREADY_APPLIED))
        application = SiteApplication(kind=unit.kind, unit_path=unit.path, unit_ref=unit.ref, unit_name=unit.name,
                                      plan=plan[:8000],
                                      targets=clean, submitted_by=actor)
        application.full_clean()
        application.save()
        audit(actor=actor, action="resources.site_apply", obj=application, kind=unit.kind)
    return application


def site_decide(*, actor, application: SiteApplication, designate: bool, reason: str,
                period_start: dt.date | None = None, period_end: dt.date | None = None) -> SiteApplication:
    """The province designates (for a period) or declines, with a reason; the applicant is told."""
    if not path_in_scope(actor, Cap.SITES_DESIGNATE, application.unit_path):
        raise PermissionDenied(_(NOT_DESIGNATOR))
    _check_no_conflict(actor, application)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_(NEEDS_REASON))
    if designate and (period_start is None or period_end is None or period_end <= period_start):
        raise ValidationError(_(BAD_PERIOD))
    with transaction.atomic():
        application = SiteApplication.objects.select_for_update().get(pk=application.pk)
        if application.state != SiteState.SUBMITTED:
            raise ValidationError(_(ALREADY_DECIDED))
        application.state = SiteState.DESIGNATED if designate else SiteState.REJECTED
        application.decided_by, application.decided_at, application.reason = actor, timezone.now(), reason[:2000]
        if designate:
            application.period_start, application.period_end = period_start, period_end
        application.indicators_at_decision = application_indicators(application)
        application.save()
        audit(actor=actor, action="resources.site_designate" if designate else "resources.site_decline",
              obj=application, reason=reason)
        outcome = _("designated") if designate else _("not designated")
        period = f"{period_start:%Y-%m-%d} – {period_end:%Y-%m-%d}" if designate else "—"
        notify(application.submitted_by, kind=Kind.OTHER,
               title=(_(DECIDED_TITLE) % {"unit": application.unit_name, "outcome": outcome,
                                          "kind": application.get_kind_display()})[:128],
               body=_(DECIDED_BODY) % {"outcome": outcome, "period": period, "reason": reason},
               url=reverse("resources:site", args=[application.pk]))
    return application


NOT_DESIGNATED = gettext_noop("Only a current designation is reviewed.")
ALREADY_REVIEWED = gettext_noop("This site has already been reviewed for %(year)s.")
BAD_VERDICT = gettext_noop("Choose the review's verdict.")
NEEDS_COMMENT = gettext_noop("Say what the review found (at least 4 characters).")
REVIEWED_TITLE = gettext_noop("%(unit)s: yearly review %(year)s — %(verdict)s")


def site_review(*, actor, application: SiteApplication, verdict: str, comment: str,
                year: int | None = None) -> SiteReview:
    """The province's yearly review of a current designation: today's indicators frozen beside
    the targets, a verdict and a comment; a revoked designation ends yesterday. The unit is told."""
    if not path_in_scope(actor, Cap.SITES_DESIGNATE, application.unit_path):
        raise PermissionDenied(_(NOT_DESIGNATOR))
    _check_no_conflict(actor, application)
    if verdict not in ReviewVerdict.values:
        raise ValidationError(_(BAD_VERDICT), code="bad_verdict")
    comment = (comment or "").strip()
    if len(comment) < 4:
        raise ValidationError(_(NEEDS_COMMENT), code="needs_comment")
    today = timezone.localdate()
    year = year or today.year
    with transaction.atomic():
        application = SiteApplication.objects.select_for_update().get(pk=application.pk)
        if not current_designations(today).filter(pk=application.pk).exists():
            raise ValidationError(_(NOT_DESIGNATED), code="not_designated")
        if application.reviews.filter(year=year).exists():
            raise ValidationError(_(ALREADY_REVIEWED) % {"year": year}, code="already_reviewed")
        review = SiteReview.objects.create(application=application, year=year, verdict=verdict,
                                           comment=comment[:2000], reviewed_by=actor,
                                           indicators=application_indicators(application))
        if verdict == ReviewVerdict.REVOKED:
            application.period_end = max(today - dt.timedelta(days=1), application.period_start)
            application.save(update_fields=["period_end"])
        audit(actor=actor, action="resources.site_review", obj=application, year=year, verdict=verdict)
        notify(application.submitted_by, kind=Kind.OTHER,
               title=(_(REVIEWED_TITLE) % {"unit": application.unit_name, "year": year,
                                           "verdict": review.get_verdict_display()})[:128],
               body=comment, url=reverse("resources:site", args=[application.pk]))
    return review
