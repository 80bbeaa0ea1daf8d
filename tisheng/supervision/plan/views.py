"""The province plan's pages (the province office only; anyone else 404): compose (the office's
text per section beside the platform's data), preview with PDF and .docx, file (备案), and the
list of filed versions, each downloadable as it was filed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tisheng.accounts.roles import Cap
from tisheng.monitoring.services.rollups import today as shanghai_today
from tisheng.orgs.models import Region
from tisheng.orgs.scope import capability_paths
from tisheng.supervision.models import PlanFiling
from tisheng.supervision.plan import services
from tisheng.supervision.plan.compose import SECTIONS, plan_compose
from tisheng.supervision.plan.documents import plan_docx, plan_pdf
from tisheng.supervision.plan.package import filing_package

SAVED = gettext_noop("The draft is saved.")
FILED = gettext_noop("Version %(version)s of the plan is filed (%(date)s). Its PDF and Word files are kept as filed.")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _province(request: HttpRequest) -> Region:
    region = (Region.objects.filter(path__in=capability_paths(request.user, Cap.NATIONAL_REPORT), level="province")
              .order_by("path").first())
    if region is None:
        raise Http404
    return region


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest) -> HttpResponse:
    region = _province(request)
    plan = services.plan_for(region)
    title, texts = plan.title, dict(plan.texts)
    if request.method == "POST":
        title = request.POST.get("title", "")
        texts = {key: request.POST.get(f"text_{key}", "") for key, _name, _hint in SECTIONS}
        try:
            services.plan_save(actor=request.user, region=region, title=title, texts=texts)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _(SAVED))
            return redirect("supervision:plan_preview" if request.POST.get("then") == "preview" else "supervision:plan")
    document = plan_compose(request.user, region, title=title, texts=texts, on=shanghai_today())
    sections = [{**section, "hint": hint} for section, (_key, _name, hint) in zip(document["sections"], SECTIONS,
                                                                                   strict=True)]
    return render(request, "supervision/plan_edit.html", {
        "region": region, "plan": plan, "title": title, "sections": sections,
        "filed": PlanFiling.objects.filter(region=region).count()}, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def plan_preview(request: HttpRequest) -> HttpResponse:
    region = _province(request)
    plan = services.plan_for(region)
    on = shanghai_today()
    document = plan_compose(request.user, region, title=plan.title, texts=plan.texts, on=on)
    if request.GET.get("format") == "pdf":
        return _download(plan_pdf(document), "application/pdf", f"plan-{region.code}-{on}-draft.pdf")
    if request.GET.get("format") == "docx":
        return _download(plan_docx(document), DOCX_TYPE, f"plan-{region.code}-{on}-draft.docx")
    return render(request, "supervision/plan_preview.html", {"region": region, "plan": plan, "document": document,
                                                              "saved": plan.pk is not None})


@login_required
@require_POST
def plan_file(request: HttpRequest) -> HttpResponse:
    region = _province(request)
    try:
        filing = services.plan_file(actor=request.user, region=region)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("supervision:plan")
    messages.success(request, _(FILED) % {"version": filing.version, "date": filing.filed_on})
    return redirect("supervision:plan_filings")


def _filings(request: HttpRequest):
    return PlanFiling.objects.filter(region=_province(request)).select_related("filed_by", "region")


@login_required
@require_GET
def plan_filings(request: HttpRequest) -> HttpResponse:
    region = _province(request)
    rows = list(PlanFiling.objects.filter(region=region).select_related("filed_by")
                .defer("pdf", "docx", "document"))
    return render(request, "supervision/plan_filings.html", {"region": region, "filings": rows})


@login_required
@require_GET
def plan_filing(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filings(request).filter(pk=pk).first()
    if filing is None:
        raise Http404
    name = f"plan-{filing.region.code}-v{filing.version}"
    if request.GET.get("format") == "pdf":
        return _download(filing.pdf, "application/pdf", f"{name}.pdf")
    if request.GET.get("format") == "docx":
        return _download(filing.docx, DOCX_TYPE, f"{name}.docx")
    if request.GET.get("format") == "json":  # for the ministry's national instance
        return _download(filing_package(filing), "application/json", f"{name}.json")
    return render(request, "supervision/plan_filing.html", {"filing": filing, "document": filing.document})
