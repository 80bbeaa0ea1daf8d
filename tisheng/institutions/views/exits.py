"""Exit pages (province): the decisions so far (lift a suspension), and the form whose first
step previews what a suspension or termination affects and whose second confirms it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tisheng.accounts.evaluators import today
from tisheng.accounts.roles import Cap
from tisheng.institutions.models import ExitKind
from tisheng.institutions.services import exit as svc
from tisheng.orgs.models import Organization, Region, RegionLevel
from tisheng.orgs.scope import capability_paths
from tisheng.programs.completion import fmt_hours

BAD_DATE = _("Enter the dates as YYYY-MM-DD.")
CHOOSE_INSTITUTION = _("Choose the institution.")
APPLYING = _("%(institution)s is %(what)s from today. The decision is being applied in the background: "
             "%(teachers)s teachers with unfinished courses will be told. This page shows when it is done.")
CARRYING = _("As their programs' rules say, about %(hours)s hours of completed lessons will be carried over.")
RETRYING = _("The decision is being applied again.")


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
            if decision.apply_job_id:
                messages.success(request, APPLYING % {
                    "institution": institution.name, "what": decision.get_kind_display(),
                    "teachers": decision.affected.get("teachers", 0)})
                if decision.kind == ExitKind.TERMINATE and Decimal(decision.affected.get("hours_carried", "0")):
                    messages.info(request, CARRYING % {"hours": fmt_hours(Decimal(decision.affected["hours_carried"]))})
                return redirect("institutions:exit", decision.pk)
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
    decision = _decision(request, pk)
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


def _decision(request: HttpRequest, pk: int):
    decision = svc.exit_list(request.user).filter(pk=pk).first()
    if decision is None:
        raise Http404
    return decision


@login_required
def exit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One decision and where it stands: being applied (the job's progress, the page reloads when
    it ends), in effect with what it came to, or failed (and applied again from here)."""
    decision = _decision(request, pk)
    decision.where = "、".join(Region.objects.filter(path__in=decision.region_paths).order_by("path")
                              .values_list("name", flat=True))
    affected = decision.affected
    to_carry = Decimal(affected.get("hours_carried") or 0) if decision.kind == ExitKind.TERMINATE else Decimal(0)
    counts = {"teachers": affected.get("teachers", 0), "to_carry": fmt_hours(to_carry) if to_carry else "",
              # Decisions applied before the counts were recorded have only the preview's.
              "told": affected.get("told", affected.get("teachers", 0)),
              "carried_hours": affected.get("carried_hours", "0"),
              "carried_teachers": affected.get("carried_teachers", 0)}
    return render(request, "institutions/exit_detail.html", {"decision": decision, "counts": counts})


@login_required
@require_POST
def exit_retry(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    try:
        svc.exit_apply_retry(actor=request.user, decision=decision)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, RETRYING)
    return redirect("institutions:exit", decision.pk)
