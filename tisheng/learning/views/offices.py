"""Office pages: contracts (the province selects institutions, a city chooses among them),
who has not selected courses yet, and learning progress per school (started, online hours,
idle for 7 days)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tisheng.accounts.roles import Cap
from tisheng.learning import selectors, services
from tisheng.learning.models import Contract
from tisheng.learning.views._common import active_programs, chosen_program, error_text, paginate, querystring
from tisheng.orgs.models import Organization, Region, School
from tisheng.orgs.scope import has_capability, scope_filter

CONTRACT_ADDED_MSG = _("Institution contracted.")
CONTRACT_REMOVED_MSG = _("Contract removed.")


def _require(request, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise PermissionDenied


@login_required
def contracts(request):
    _require(request, Cap.CONTRACTS_MANAGE)
    actor = request.user
    program = chosen_program(request, active_programs())
    regions = scope_filter(Region.objects.filter(level__in=["province", "city", "county"]), actor,
                           Cap.CONTRACTS_MANAGE).order_by("path")
    # The province picks among all institutions it oversees; a city among the province's selection.
    institutions = (Organization.objects.filter(kind="institution")
                    .filter(Q(pk__in=scope_filter(Organization.objects.all(), actor, Cap.CONTRACTS_MANAGE)
                              .values("pk"))
                            | Q(contracts__program=program, contracts__region__level="province"))
                    .distinct().order_by("code"))
    institutions = services.contractable_institutions(program, institutions)  # a selection's result, exits
    if request.method == "POST":
        region = regions.filter(pk=request.POST.get("region") or 0).first()
        institution = institutions.filter(pk=request.POST.get("institution") or 0).first()
        if region is None or institution is None:
            raise Http404
        try:
            services.contract_create(actor=actor, program=program, institution=institution, region=region)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, CONTRACT_ADDED_MSG)
        return redirect(f"{reverse('learning:contracts')}?program={program.pk}")
    return render(request, "learning/contracts.html", {
        "program": program, "programs": active_programs(), "contracts": selectors.contracts_for(actor, program),
        "regions": regions, "institutions": institutions,
    })


@login_required
@require_POST
def contract_delete(request, pk: int):
    _require(request, Cap.CONTRACTS_MANAGE)
    program_id = Contract.objects.filter(pk=pk).values_list("program_id", flat=True).first()
    contract = selectors.contracts_for(request.user, program_id).filter(pk=pk).first() if program_id else None
    if contract is None:
        raise Http404
    try:
        services.contract_delete(actor=request.user, contract=contract)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, CONTRACT_REMOVED_MSG)
    return redirect(f"{reverse('learning:contracts')}?program={contract.program_id}")


def _school_filter(request) -> int | None:
    """The school asked for (?school=), or None; 404 for a school outside the actor's scope, as
    for any object they may not see (one query, only when asked)."""
    raw = request.GET.get("school", "")
    if not raw.isdigit():
        return None
    if not scope_filter(School.objects.filter(pk=int(raw)), request.user, Cap.LEARNING_MONITOR).exists():
        raise Http404
    return int(raw)


@login_required
def selection_status(request):
    """Counts per school of teachers whose selection reaches the online requirement, and the
    teachers who have not (yet) selected enough."""
    _require(request, Cap.LEARNING_MONITOR)
    actor = request.user
    program = chosen_program(request, active_programs())
    school_id = _school_filter(request)
    missing = selectors.teachers_without_selection(actor, program)
    if school_id:
        missing = missing.filter(school_id=school_id)
    return render(request, "learning/selection_status.html", {
        "program": program, "programs": active_programs(), "required": selectors.online_required_hours(program),
        "schools": selectors.selection_summary_by_school(actor, program), "page": paginate(request, missing),
        "school_id": school_id, "querystring": querystring(request),
    })


@login_required
def monitor(request):
    """Per school: who has started, online hours; per teacher: hours, last activity, idle."""
    _require(request, Cap.LEARNING_MONITOR)
    actor = request.user
    program = chosen_program(request, active_programs())
    school_id = _school_filter(request)
    idle_only = request.GET.get("idle") == "1"
    page = paginate(request, selectors.monitor_enrollments(actor, program, school_id=school_id,
                                                           idle_only=idle_only))
    rows = list(page)
    activity = selectors.last_activity_for(rows)
    idle_before = timezone.now() - dt.timedelta(days=selectors.IDLE_DAYS)
    for e in rows:
        e.last_activity = activity.get(e.teacher_id)
        e.is_idle = e.started and e.last_activity is not None and e.last_activity < idle_before
    return render(request, "learning/monitor.html", {
        "program": program, "programs": active_programs(), "idle_days": selectors.IDLE_DAYS,
        "schools": selectors.selection_summary_by_school(actor, program), "page": page, "rows": rows,
        "school_id": school_id, "idle_only": idle_only, "querystring": querystring(request),
    })
