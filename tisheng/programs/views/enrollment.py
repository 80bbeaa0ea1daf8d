"""A program's enrollments in the actor's scope, manual exemption requests (school) and the
county's queue of exemptions to decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import School
from tisheng.orgs.scope import get_object_for_user, has_capability, scope_filter
from tisheng.programs import selectors
from tisheng.programs.forms import ExemptionRequestForm
from tisheng.programs.models import Enrollment, EnrollmentState, Exemption
from tisheng.programs.services import exemptions as exemption_services

PER_PAGE = 50
EXEMPTION_REQUESTED_MSG = gettext_lazy("The exemption was requested; the county office decides it.")
EXEMPTION_APPROVED_MSG = gettext_lazy("The exemption was approved.")
EXEMPTION_REJECTED_MSG = gettext_lazy("The exemption was rejected.")
SCHOOL_OUT_OF_SCOPE_MSG = gettext_lazy("This school is not in your area.")


@login_required
def enrollment_list(request, pk: int):
    actor = request.user
    program = selectors.get_program_for_user(actor, pk)
    if not has_capability(actor, Cap.TEACHERS_VIEW):
        raise PermissionDenied
    state = request.GET.get("state", "")
    state = state if state in EnrollmentState.values else ""
    q = request.GET.get("q", "").strip()[:64]
    school = request.GET.get("school", "").strip()[:16]
    # A school outside the area (or no school at all) is said to be so, and nothing is counted:
    # the area's own totals under another school's code would read as that school's.
    school_outside = bool(school) and not scope_filter(
        School.objects.filter(code=school), actor, Cap.TEACHERS_VIEW).exists()
    if school_outside:
        enrollments = Enrollment.objects.none()
        counts = dict.fromkeys(EnrollmentState.values, 0)
    else:
        enrollments = selectors.enrollment_list(actor, program, state=state or None, q=q,
                                                school_code=school).prefetch_related("exemptions")
        counts = selectors.enrollment_counts(actor, program, school_code=school)
    page = Paginator(enrollments, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "programs/enrollment_list.html", {
        "program": program, "page": page, "state": state, "q": q, "school": school,
        "school_outside": school_outside, "school_outside_msg": SCHOOL_OUT_OF_SCOPE_MSG,
        "querystring": urlencode({k: v for k, v in (("state", state), ("q", q), ("school", school)) if v}),
        "counts": [(value, label, counts[value]) for value, label in EnrollmentState.choices],
        "total": sum(counts.values()),
        "can_request": has_capability(actor, Cap.EXEMPTIONS_REQUEST),
        "can_export": has_capability(actor, Cap.REPORTS_EXPORT),
        "exemptible": ("enrolled", "in_progress", "returned"),
    })


@login_required
@require_POST
def exemption_request(request, pk: int):
    actor = request.user
    enrollment = get_object_for_user(actor, Enrollment, Cap.EXEMPTIONS_REQUEST, pk=pk)
    form = ExemptionRequestForm(request.POST)
    if form.is_valid():
        try:
            exemption_services.exemption_request(actor=actor, enrollment=enrollment,
                                                 reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, EXEMPTION_REQUESTED_MSG)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("programs:enrollments", enrollment.program_id)


@login_required
def exemption_queue(request):
    actor = request.user
    if not has_capability(actor, Cap.EXEMPTIONS_APPROVE):
        raise PermissionDenied
    page = Paginator(selectors.exemption_queue(actor), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "programs/exemption_queue.html", {"page": page})


@login_required
@require_POST
def exemption_decide(request, pk: int):
    actor = request.user
    exemption = get_object_for_user(actor, Exemption, Cap.EXEMPTIONS_APPROVE, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        exemption_services.exemption_decide(actor=actor, exemption=exemption, approve=approve)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, EXEMPTION_APPROVED_MSG if approve else EXEMPTION_REJECTED_MSG)
    return redirect("programs:exemptions")
