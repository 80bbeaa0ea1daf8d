"""学时证明 pages: a teacher's hours certificates with the form to issue one for a cycle or a
date range, one certificate's page, and its PDF. The teacher issues their own; their school
(hours.approve) or an office (hours.import) issues one for a teacher in its scope."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.certificates.hours import HOURS_PERIOD_INVALID, hours_certificate_issue, render_hours_pdf
from tisheng.certificates.models import HoursCertificate
from tisheng.core.clientip import client_ip
from tisheng.ledger.registry import cycles_for
from tisheng.orgs.scope import get_object_for_user, path_in_scope, scope_filter
from tisheng.people import selectors as people_selectors
from tisheng.programs.completion import fmt_hours

HOURS_ISSUED = gettext_lazy("Hours certificate %(number)s issued: %(hours)s hours, %(period)s.")


def _may_issue(actor, teacher) -> bool:
    return teacher.user_id == actor.pk or any(
        path_in_scope(actor, cap, teacher.org_path) for cap in (Cap.HOURS_APPROVE, Cap.HOURS_IMPORT))


@never_cache
@login_required
def hours_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    """A teacher's 学时证明: the ones issued, and the form to issue another."""
    actor = request.user
    teacher = people_selectors.get_teacher_for_user(actor, pk)
    return render(request, "certificates/hours_list.html", {
        "teacher": teacher, "may_issue": _may_issue(actor, teacher),
        "cycles": list(cycles_for(teacher.org_path)),
        "certificates": list(scope_filter(HoursCertificate.objects.filter(teacher=teacher), actor,
                                          Cap.TEACHERS_VIEW)),
    })


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


@require_POST
@login_required
def hours_certificate_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    teacher = people_selectors.get_teacher_for_user(actor, pk)
    if not _may_issue(actor, teacher):
        raise PermissionDenied
    cycle_id = request.POST.get("cycle", "")
    cycle = cycles_for(teacher.org_path).filter(pk=cycle_id).first() if cycle_id.isdigit() else None
    try:
        if cycle_id and cycle is None:
            raise ValidationError(HOURS_PERIOD_INVALID)
        certificate = hours_certificate_issue(
            actor=actor, teacher=teacher, cycle=cycle, start=_date(request.POST.get("start", "")),
            end=_date(request.POST.get("end", "")))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("certificates:hours_list", pk=teacher.pk)
    messages.success(request, _(HOURS_ISSUED) % {"number": certificate.number, "hours": fmt_hours(certificate.hours),
                                                 "period": certificate.period_label})
    return redirect("certificates:hours_list", pk=teacher.pk)


@never_cache
@login_required
def hours_certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    certificate = get_object_for_user(request.user, HoursCertificate, Cap.TEACHERS_VIEW, number=number)
    body = render_hours_pdf(certificate)
    audit(actor=request.user, action=AuditAction.EXPORTED, obj=certificate, ip=client_ip(request),
          kind="hours_certificate", number=number)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"学时证明-{certificate.number}.pdf")
    return response
