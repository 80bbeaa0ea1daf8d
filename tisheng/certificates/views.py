from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.roles import Cap
from tisheng.certificates import codes, signing, verify_lookups
from tisheng.certificates.models import Certificate
from tisheng.certificates.pdf import render_certificate_pdf
from tisheng.certificates.selectors import batch_programs, batch_regions, certificate_list, province_kinds
from tisheng.certificates.services import certificate_revoke
from tisheng.certificates.tasks import ISSUE_BATCH
from tisheng.certificates.throttle import verify_throttle
from tisheng.jobs.selectors import get_job_for_user
from tisheng.jobs.services import job_enqueue
from tisheng.orgs.scope import get_object_for_user, has_capability

CHOOSE_CERTIFICATE = _("Choose a program and a certificate kind issued by the province.")
CHOOSE_COUNTY = _("Choose a region in your area.")
BATCH_QUEUED = _("The batch is queued; this page shows its progress.")
REVOKED = _("Certificate %(number)s has been revoked.")


@require_GET
@login_required
def certificate_index(request: HttpRequest) -> HttpResponse:
    filters = {"q": request.GET.get("q", "").strip(), "status": request.GET.get("status", "")}
    certificates = certificate_list(request.user, **filters).order_by("-issued_at", "-id")
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    return render(request, "certificates/certificate_list.html", {
        "page": page, "filters": filters,
        "can_batch": has_capability(request.user, Cap.CERTIFICATES_ISSUE),
        "can_revoke": has_capability(request.user, Cap.CERTIFICATES_REVOKE),
    })


@require_GET
@login_required
def certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The PDF, rendered from the stored (signed) fields: a teacher's own, or one in scope."""
    certificate = get_object_for_user(request.user, Certificate, Cap.CERTIFICATES_VIEW, number=number)
    response = HttpResponse(render_certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


@require_POST
@login_required
def certificate_revoke_view(request: HttpRequest, number: str) -> HttpResponse:
    certificate = get_object_for_user(request.user, Certificate, Cap.CERTIFICATES_REVOKE, number=number)
    try:
        certificate_revoke(actor=request.user, certificate=certificate, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, REVOKED % {"number": certificate.number})
    return redirect("certificates:list")


@login_required
def batch_issue(request: HttpRequest) -> HttpResponse:
    """批量发证: the province's certificate for every eligible teacher of a county (or, for the
    province office, a city or the whole province), as a job."""
    if not has_capability(request.user, Cap.CERTIFICATES_ISSUE):
        raise PermissionDenied
    programs = list(batch_programs())
    choices = [(f"{p.pk}:{k.code}", f"{p.name} · {k.name}", p, k.code) for p in programs for k in province_kinds(p)]
    regions = list(batch_regions(request.user))
    errors = []
    if request.method == "POST":
        chosen = next((c for c in choices if c[0] == request.POST.get("certificate")), None)
        region = next((r for r in regions if str(r.pk) == request.POST.get("region")), None)
        if chosen is None:
            errors.append(CHOOSE_CERTIFICATE)
        if region is None:
            errors.append(CHOOSE_COUNTY)
        if not errors:
            job = job_enqueue(actor=request.user, kind=ISSUE_BATCH, scope_path=region.path,
                              args={"program": chosen[2].pk, "code": chosen[3], "region": region.pk})
            messages.success(request, BATCH_QUEUED)
            return redirect("certificates:batch_job", pk=job.pk)
    return render(request, "certificates/batch_issue.html", {
        "choices": choices, "regions": regions, "errors": errors,
        "selected": {"certificate": request.POST.get("certificate", ""), "region": request.POST.get("region", "")},
    }, status=400 if errors else 200)


@require_GET
@login_required
def batch_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if job.kind != ISSUE_BATCH:
        raise Http404
    from tisheng.orgs.models import Region
    from tisheng.programs.models import Program

    program = Program.objects.filter(pk=job.args.get("program")).first()
    kind = next((k for k in program.ruleset.certificates if k.code == job.args.get("code")), None) if program else None
    region = Region.objects.filter(pk=job.args.get("region")).first()
    return render(request, "certificates/batch_job.html",
                  {"job": job, "program": program, "kind": kind, "region": region})


# Public verification (no login). Numbers are sequential, so a number alone shows nothing:
# the holder's details need the random code printed on the certificate (codes.py), and
# anonymous lookups are counted per client (throttle.py).

@require_GET
def verify_index(request: HttpRequest) -> HttpResponse:
    # As typed, in any case; a "/" cannot be part of an address segment.
    number = "".join(request.GET.get("number", "").split()).replace("/", "").upper()
    code = request.GET.get("code", "").strip()
    if number and code:
        return redirect("verify:detail", number=number, code=codes.normalize(code) or "-")
    if number:
        return redirect("verify:number", number=number)
    return render(request, "certificates/verify_index.html", {
        "public_key_pem": signing.public_key_pem(),
        "public_key_base64": signing.public_key_base64(),
        "example": f"{settings.SITE_URL}{reverse('verify:index')}FJ2024-350102-000001/7K3QM9XW2HV8RT5C#…",
    })


@require_GET
def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """The same form for every number, issued or not: it asks for the code."""
    return render(request, "certificates/verify_code.html", {"number": number})


@require_GET
def verify_detail(request: HttpRequest, number: str, code: str) -> HttpResponse:
    """What anyone holding the certificate may check: only these fields, never more. A wrong
    code and an unknown number get the same page."""
    if not request.user.is_authenticated and (retry_after := verify_throttle(request)) is not None:
        response = render(request, "certificates/verify_throttled.html", {"seconds": retry_after}, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    code = codes.normalize(code)
    found = verify_lookups.find(number, code) if code else None
    if found is None:
        return render(request, "certificates/verify_not_found.html", {"number": number}, status=404)
    template, context = found
    response = render(request, template, context)
    response["X-Robots-Tag"] = "noindex"
    return response
