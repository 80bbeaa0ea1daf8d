"""Exit pages (province): the decisions so far (lift a suspension), and the form whose first
step previews what a suspension or termination affects and whose second confirms it."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tisheng.accounts.evaluators import today
from tisheng.accounts.roles import Cap
from tisheng.institutions.models import ExitKind
from tisheng.institutions.services import exit as svc
from tisheng.orgs.models import Organization, Region, RegionLevel
from tisheng.orgs.scope import capability_paths

BAD_DATE = _("Enter the dates as YYYY-MM-DD.")
CHOOSE_INSTITUTION = _("Choose the institution.")


def _province(request: HttpRequest) -> Region:
    region = Region.objects.filter(path__in=capability_paths(request.user, Cap.INSTITUTIONS_MANAGE),
                                   level=RegionLevel.PROVINCE).first()
    if region is None:
        raise Http404
    return region


def _choices(province: Region) -> dict:
    return {"institutions": Organization.objects.filter(kind="institution", path__startswith=province.path + "/")
            .order_by("name"),
            "regions": Region.objects.filter(path__startswith=province.path + "/",
                                             level__in=[RegionLevel.CITY, RegionLevel.COUNTY]).order_by("path"),
            "kinds": ExitKind.choices}


def _form(request: HttpRequest) -> dict:
    return {"institution": request.POST.get("institution", "")[:12], "kind": request.POST.get("kind", "")[:16],
            "regions": [r[:12] for r in request.POST.getlist("regions")[:200]],
            "reason": request.POST.get("reason", "")[:2000],
            "effective_on": request.POST.get("effective_on", "")[:10]}


@login_required
def exit_list(request: HttpRequest) -> HttpResponse:
    province = _province(request)
    form = {"institution": request.GET.get("institution", "")[:12], "kind": ExitKind.SUSPEND, "regions": [],
            "reason": "", "effective_on": today().isoformat()}
    decisions = list(svc.exit_list(request.user))
    names = dict(Region.objects.filter(path__in={p for d in decisions for p in d.region_paths})
                 .values_list("path", "name"))
    for d in decisions:
        d.where = "、".join(names.get(p, p) for p in d.region_paths)
    return render(request, "institutions/exits.html", {"decisions": decisions, "form": form, "today": today(),
                                                      **_choices(province)})


@login_required
@require_POST
def exit_preview(request: HttpRequest) -> HttpResponse:
    """Step 1 (preview) and step 2 (confirm, `confirm=1`) of a suspension or termination."""
    province = _province(request)
    form = _form(request)
    context = {"form": form, "today": today(), **_choices(province)}
    try:
        institution = context["institutions"].filter(pk=form["institution"] or 0).first() \
            if form["institution"].isdigit() else None
        if institution is None:
            raise ValidationError(CHOOSE_INSTITUTION)
        regions = svc.regions_from_ids(province, form["regions"])
        try:
            effective_on = dt.date.fromisoformat(form["effective_on"])
        except ValueError as exc:
            raise ValidationError(BAD_DATE) from exc
        if request.POST.get("confirm") == "1":
            decision = svc.exit_decide(actor=request.user, province=province, institution=institution,
                                       kind=form["kind"], regions=regions, reason=form["reason"],
                                       effective_on=effective_on)
            if decision.applied_at:
                messages.success(request, _("%(institution)s is %(what)s from today; %(teachers)s teachers with "
                                            "unfinished courses were told.") % {
                    "institution": institution.name, "what": decision.get_kind_display(),
                    "teachers": decision.affected.get("teachers", 0)})
                if decision.affected.get("carried_teachers"):
                    messages.info(request, _("%(hours)s hours of completed lessons were carried over for %(teachers)s "
                                             "teachers, as their programs' rules say.") % {
                        "hours": decision.affected["carried_hours"], "teachers": decision.affected["carried_teachers"]})
            else:
                messages.success(request, _("%(institution)s will be %(what)s from %(date)s; its teachers are told "
                                            "on that day.") % {"institution": institution.name,
                                                               "what": decision.get_kind_display(),
                                                               "date": effective_on.isoformat()})
            return redirect("institutions:exits")
        preview = svc.exit_preview(actor=request.user, province=province, institution=institution, regions=regions)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return render(request, "institutions/exits.html", {**context, "decisions": list(svc.exit_list(request.user))},
                      status=400)
    return render(request, "institutions/exit_preview.html", {
        **context, "institution": institution, "chosen_regions": regions, "preview": preview,
        "kind_label": dict(ExitKind.choices).get(form["kind"], "")})


@login_required
@require_POST
def exit_lift(request: HttpRequest, pk: int) -> HttpResponse:
    decision = svc.exit_list(request.user).filter(pk=pk).first()
    if decision is None:
        raise Http404
    try:
        svc.exit_lift(actor=request.user, decision=decision)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The suspension of %(institution)s is lifted: its courses return to the "
                                    "catalogues. Its platform needs new credentials.") % {
            "institution": decision.institution.name})
    return redirect("institutions:exits")
