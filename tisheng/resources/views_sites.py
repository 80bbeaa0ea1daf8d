"""Model sites' pages: the public list of current designations, applying (a county office for
创新实验区, a school administrator for 示范校, a community's leader or owning office for
示范性网络研修社区) with a plan and targets beside today's numbers, the applications in scope, and
one application with its indicators and the province's decision (its applicant sees it too)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.roles import Cap
from tisheng.orgs.scope import get_object_for_user, has_capability, scope_filter
from tisheng.resources.models import ReviewVerdict, SiteApplication, SiteKind
from tisheng.resources.services import sites

APPLIED = gettext_lazy("The application is submitted; the province office will decide on it.")
DESIGNATED = gettext_lazy("Designated; the applicant is told.")
DECLINED = gettext_lazy("Declined with your reason; the applicant is told.")
REVIEWED = gettext_lazy("The yearly review is recorded; the unit is told.")


def _rows(application: SiteApplication, today: dict) -> list[dict]:
    return [{"label": i.label, "unit": i.unit, "target": application.targets.get(i.code),
             "today": today.get(i.code), "at_decision": application.indicators_at_decision.get(i.code)}
            for i in sites.indicators_of(application.kind)]


def _get_site(request, pk: int) -> SiteApplication:
    """The applicant sees their own application (a community's leader holds no office scope);
    anyone else through the scope of SITES_VIEW, 404 outside it."""
    own = SiteApplication.objects.filter(pk=pk, submitted_by=request.user).first()
    if own is not None:
        return own
    if not has_capability(request.user, Cap.SITES_VIEW):
        raise Http404
    return get_object_for_user(request.user, SiteApplication, Cap.SITES_VIEW, pk=pk)


@require_GET
def sites_public(request):
    """Public: no sign-in needed."""
    current = list(sites.current_designations().order_by("kind", "unit_path"))
    return render(request, "resources/sites_public.html", {
        "zones": [a for a in current if a.kind == SiteKind.EXPERIMENT_ZONE],
        "schools": [a for a in current if a.kind == SiteKind.DEMO_SCHOOL],
        "communities": [a for a in current if a.kind == SiteKind.COMMUNITY],
        "can_apply": request.user.is_authenticated and bool(sites.apply_units(request.user)),
        "can_view": request.user.is_authenticated and has_capability(request.user, Cap.SITES_VIEW)})


@login_required
def site_apply(request):
    units = sites.apply_units(request.user)
    if not units:
        raise PermissionDenied
    chosen = request.POST.get("unit") or request.GET.get("unit") or units[0].key
    # The unit's key ("community:12"); a county's or school's bare path is still understood. A
    # unit the actor may not apply for is not found (never silently another of theirs).
    unit = next((u for u in units if chosen in (u.key, u.path)), None)
    if unit is None:
        raise Http404
    indicators = sites.indicators_of(unit.kind)
    error, status = "", 200
    if request.method == "POST":
        targets = {i.code: request.POST.get(f"target_{i.code}", "") for i in indicators}
        try:
            application = sites.site_apply(actor=request.user, unit_path=unit.path, unit_ref=unit.ref,
                                           plan=request.POST.get("plan", ""), targets=targets)
        except ValidationError as e:
            error, status = " ".join(e.messages), 400
        else:
            messages.success(request, APPLIED)
            return redirect("resources:site", application.pk)
    today = sites.indicators_for(unit.path, kind=unit.kind, ref=unit.ref)
    rows = [{"code": i.code, "label": i.label, "unit": i.unit, "today": today.get(i.code),
             "value": request.POST.get(f"target_{i.code}", "")} for i in indicators]
    return render(request, "resources/site_apply.html", {
        "units": units, "unit": unit, "rows": rows, "plan": request.POST.get("plan", ""), "error": error},
        status=status)


@login_required
@require_GET
def site_list(request):
    if not has_capability(request.user, Cap.SITES_VIEW):
        raise PermissionDenied
    applications = list(scope_filter(SiteApplication.objects.all(), request.user, Cap.SITES_VIEW)
                        .select_related("submitted_by")[:300])
    return render(request, "resources/site_list.html", {"applications": applications})


@login_required
@require_GET
def site_detail(request, pk: int):
    application = _get_site(request, pk)
    indicators = sites.indicators_of(application.kind)
    designator = has_capability(request.user, Cap.SITES_DESIGNATE)
    # Whoever applied for the unit or leads it decides nothing about it: the page says why and
    # who may decide instead.
    conflict = designator and sites.decision_conflict(request.user, application)
    designator = designator and not conflict
    return render(request, "resources/site_detail.html", {
        "a": application, "rows": _rows(application, sites.application_indicators(application)),
        "unit_url": sites.unit_url(application),
        "conflict": conflict, "others": sites.other_deciders(request.user, application) if conflict else [],
        "can_decide": application.state == "submitted" and designator,
        "can_review": designator and sites.current_designations().filter(pk=application.pk).exists(),
        "reviews": [{"r": r, "rows": [{"label": i.label, "unit": i.unit, "target": application.targets.get(i.code),
                                       "value": r.indicators.get(i.code)} for i in indicators]}
                    for r in application.reviews.select_related("reviewed_by")],
        "verdicts": ReviewVerdict.choices, "year": timezone.localdate().year,
        "today": timezone.localdate().isoformat()})


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@login_required
@require_POST
def site_decide(request, pk: int):
    application = _get_site(request, pk)
    designate = request.POST.get("decision") == "designate"
    try:
        sites.site_decide(actor=request.user, application=application, designate=designate,
                          reason=request.POST.get("reason", ""), period_start=_date(request.POST.get("start", "")),
                          period_end=_date(request.POST.get("end", "")))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    except PermissionDenied as e:
        if not str(e):
            raise
        messages.error(request, str(e))
    else:
        messages.success(request, DESIGNATED if designate else DECLINED)
    return redirect("resources:site", application.pk)


@login_required
@require_POST
def site_review(request, pk: int):
    application = _get_site(request, pk)
    try:
        sites.site_review(actor=request.user, application=application, verdict=request.POST.get("verdict", ""),
                          comment=request.POST.get("comment", ""))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    except PermissionDenied as e:
        messages.error(request, str(e))
    else:
        messages.success(request, REVIEWED)
    return redirect("resources:site", application.pk)
