"""Pages of the partners' certificates (1.0): the training institution issues 网络培训合格证明
and signs 网络研修与教学实践合格证明, the teacher college co-signs it. Batches (a county or a
school) run as jobs; one teacher at a time right on the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.roles import Cap
from tisheng.certificates.services_partner import (
    ACTIONS,
    COLLEGE,
    INSTITUTION,
    awaiting_college,
    candidates,
    counts_by_county,
    counts_by_school,
    institution_kinds,
    joint_kinds,
    partner_issue,
    partner_orgs,
    partner_sides,
    partner_sign,
)
from tisheng.certificates.tasks import PARTNER_BATCH
from tisheng.jobs.selectors import get_job_for_user
from tisheng.jobs.services import job_enqueue
from tisheng.orgs.models import Region, School
from tisheng.orgs.scope import has_capability, scope_filter
from tisheng.programs.models import Enrollment, Program

PARTNER_BATCH_QUEUED = _("The batch is queued; this page shows its progress.")
PARTNER_SIGNED = _("Signed for %(name)s; the certificate is issued when the teacher college co-signs.")
PARTNER_ISSUED = _("Certificate %(number)s has been issued to %(name)s.")
NOT_A_PARTNER = _("Partner certificates are issued and signed by training institutions and teacher colleges; "
                  "the province office issues the other kinds under Batch issue.")
NOTHING_TO_DO = _("Choose a certificate kind and a county or a school in your area.")

SECTION_TITLES = {
    "issue": _("Ready to issue"),
    "sign": _("Ready to sign"),
    "cosign": _("Awaiting your co-signature"),
    "awaiting": _("Signed, awaiting the teacher college"),
}
ACTION_LABELS = {"issue": _("Issue"), "sign": _("Sign"), "cosign": _("Co-sign")}


def _choices(sides: list[str]) -> list[tuple[str, str, object, object, str]]:
    """(value, label, program, rule, "institution" | "joint") for the kinds the actor's sides sign."""
    out = []
    # A closed program's certificates are still issued (the partners finish after the close).
    for program in Program.objects.exclude(status=Program.Status.DRAFT).order_by("-start_date", "code"):
        kinds = [(k, "joint") for k in joint_kinds(program)]
        if INSTITUTION in sides:
            kinds = [(k, "institution") for k in institution_kinds(program)] + kinds
        out += [(f"{program.pk}:{k.code}", f"{program.name} · {k.name}", program, k, kind) for k, kind in kinds]
    return out


def _chosen(request: HttpRequest, sides: list[str], value: str):
    choices = _choices(sides)
    return choices, next((c for c in choices if c[0] == value), None)


def _sides_or_403(request: HttpRequest) -> list[str]:
    sides = partner_sides(request.user)
    if not sides:
        raise PermissionDenied
    return sides


@require_GET
@login_required
def partner_index(request: HttpRequest) -> HttpResponse:
    """合作机构发证: what each side can issue or sign, with counts per county and school."""
    sides = partner_sides(request.user)
    if not sides and not has_capability(request.user, Cap.CERTIFICATES_ISSUE_PARTNER):
        raise PermissionDenied
    choices, chosen = _chosen(request, sides, request.GET.get("certificate", "")) if sides else ([], None)
    if chosen is None and choices:
        chosen = choices[0]
    sections = []
    if chosen is not None:
        _value, _label, program, rule, kind = chosen
        actions = []
        if INSTITUTION in sides:
            actions += ["issue"] if kind == "institution" else ["sign", "awaiting"]
        if COLLEGE in sides and kind == "joint":
            actions.append("cosign")
        for action in actions:
            if action == "awaiting":
                qs = awaiting_college(actor=request.user, program=program, code=rule.code)
            else:
                qs = candidates(actor=request.user, program=program, code=rule.code, action=action)
            schools = counts_by_school(qs)
            sections.append({
                "action": action if action != "awaiting" else "", "title": SECTION_TITLES[action],
                "label": ACTION_LABELS.get(action, ""), "schools": schools, "counties": counts_by_county(schools),
                "total": sum(r["n"] for r in schools),
                "enrollments": list(qs.select_related("teacher", "school").order_by("org_path", "id")[:50]),
            })
    return render(request, "certificates/partner_index.html", {
        "choices": choices, "chosen": chosen, "sections": sections, "sides": sides,
        "not_a_partner": NOT_A_PARTNER if not sides else ""})


def _back(value: str) -> str:
    return f"{reverse('certificates:partner')}?certificate={value}"


@require_POST
@login_required
def partner_batch_view(request: HttpRequest) -> HttpResponse:
    """One action for a whole county or school, run as a job."""
    sides = _sides_or_403(request)
    value, action, path = request.POST.get("certificate", ""), request.POST.get("action", ""), request.POST.get(
        "path", "")
    _choices_, chosen = _chosen(request, sides, value)
    side = COLLEGE if action == "cosign" else INSTITUTION
    if chosen is None or action not in ACTIONS or side not in sides:
        messages.error(request, NOTHING_TO_DO)
        return redirect(_back(value))
    node = Region.objects.filter(path=path).first() or School.objects.filter(path=path).first()
    orgs = partner_orgs(request.user, side, chosen[2])
    if node is None or orgs.for_path(path) is None:
        raise Http404
    job = job_enqueue(actor=request.user, kind=PARTNER_BATCH, scope_path=path,
                      args={"program": chosen[2].pk, "code": chosen[3].code, "action": action, "path": path,
                            "node": node.name})
    messages.success(request, PARTNER_BATCH_QUEUED)
    return redirect("certificates:partner_job", pk=job.pk)


@require_POST
@login_required
def partner_single(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue, sign or co-sign for one teacher (404 outside the actor's contracts / region)."""
    value, action = request.POST.get("certificate", ""), request.POST.get("action", "")
    enrollment = (scope_filter(Enrollment.objects.select_related("teacher", "program"), request.user,
                               Cap.CERTIFICATES_ISSUE_PARTNER).filter(pk=pk).first())
    if enrollment is None:
        raise Http404
    sides = _sides_or_403(request)
    _choices_, chosen = _chosen(request, sides, value)
    side = COLLEGE if action == "cosign" else INSTITUTION
    if chosen is None or chosen[2].pk != enrollment.program_id or action not in ACTIONS or side not in sides:
        messages.error(request, NOTHING_TO_DO)
        return redirect(_back(value))
    code, name = chosen[3].code, enrollment.teacher.name
    try:
        if action == "issue":
            certificate = partner_issue(actor=request.user, enrollment=enrollment, code=code)
        else:
            certificate = partner_sign(actor=request.user, enrollment=enrollment, code=code, side=side)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if certificate is None:
            messages.success(request, PARTNER_SIGNED % {"name": name})
        else:
            messages.success(request, PARTNER_ISSUED % {"number": certificate.number, "name": name})
    return redirect(_back(value))


@require_GET
@login_required
def partner_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if job.kind != PARTNER_BATCH:
        raise Http404
    program = Program.objects.filter(pk=job.args.get("program")).first()
    kind = next((k for k in program.ruleset.certificates if k.code == job.args.get("code")), None) if program else None
    return render(request, "certificates/partner_job.html", {
        "job": job, "program": program, "kind": kind, "node": job.args.get("node", ""),
        "action_label": ACTION_LABELS.get(job.args.get("action"), ""),
        "back": _back(f"{program.pk}:{kind.code}") if program and kind else reverse("certificates:partner")})
