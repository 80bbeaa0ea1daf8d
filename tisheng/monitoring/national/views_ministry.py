"""The ministry's pages on a national instance (`national.view`, held by the national office):
the provinces compared, the trend between report dates, one province's report, and loading
the JSON files provinces send."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.roles import Cap
from tisheng.monitoring.national import plans, view
from tisheng.orgs.scope import has_capability

LOADED = gettext_noop("%(n)s reports loaded.")
PLANS_LOADED = gettext_noop("%(n)s filed province plans loaded.")
NO_FILE = gettext_noop("Choose one or more report files (.json).")
MAX_FILES = 64


def _require(request: HttpRequest) -> None:
    if not has_capability(request.user, Cap.NATIONAL_VIEW):
        raise Http404


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    _require(request)
    programs = view.programs()
    wanted = request.GET.get("program", "")
    code = next((c for c, _n in programs if c == wanted), programs[0][0] if programs else "")
    return render(request, "monitoring_national/dashboard.html", {
        "programs": programs, "program_code": code, "board": view.dashboard(code) if code else None,
        "plans": plans.latest_plans()})


@login_required
@require_GET
def province(request: HttpRequest, program_code: str, province_code: str) -> HttpResponse:
    _require(request)
    history = view.province_history(program_code, province_code)
    if not history:
        raise Http404
    chosen = next((r for r in history if r.as_of.isoformat() == request.GET.get("as_of")), history[0])
    return render(request, "monitoring_national/province.html", {
        "report": chosen, "document": chosen.document, "history": history})


@login_required
@require_POST
def load(request: HttpRequest) -> HttpResponse:
    _require(request)
    files = request.FILES.getlist("reports")[:MAX_FILES]
    if not files:
        messages.error(request, _(NO_FILE))
        return redirect("national:dashboard")
    loaded = plans_loaded = 0
    for upload in files:
        data = upload.read(plans.MAX_BYTES + 1)
        try:
            # A province's filed plan or its report: told apart by the file's "kind".
            if len(data) <= plans.MAX_BYTES and plans.is_plan(parsed := plans.read_upload(data, upload.name)):
                plans.plan_load(actor=request.user, data=parsed, name=upload.name)
                plans_loaded += 1
                continue  # (the else below counts reports)
            view.report_load(actor=request.user, data=data, name=upload.name)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            loaded += 1
    if loaded:
        messages.success(request, _(LOADED) % {"n": loaded})
    if plans_loaded:
        messages.success(request, _(PLANS_LOADED) % {"n": plans_loaded})
    return redirect("national:dashboard")


@login_required
@require_GET
def plan(request: HttpRequest, province_code: str) -> HttpResponse:
    """A province's filed plan (the latest version, or ?version=), its PDF and Word file."""
    _require(request)
    versions = list(plans.province_plans(province_code).defer("pdf", "docx", "document"))
    if not versions:
        raise Http404
    wanted = request.GET.get("version", "")
    chosen = next((v for v in versions if str(v.version) == wanted), versions[0])
    kind = request.GET.get("format", "")
    if kind in ("pdf", "docx"):
        row = plans.province_plans(province_code).filter(pk=chosen.pk).values_list(kind, flat=True).first()
        content_type = "application/pdf" if kind == "pdf" else DOCX_TYPE
        response = HttpResponse(bytes(row), content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(
            True, f"plan-{province_code}-v{chosen.version}.{kind}")
        return response
    chosen = plans.province_plans(province_code).get(pk=chosen.pk)
    return render(request, "monitoring_national/plan.html", {"plan": chosen, "document": chosen.document,
                                                             "versions": versions})


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
