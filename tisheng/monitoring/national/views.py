"""The province's report to the ministry: a page, its JSON and its workbook (province offices),
and the published JSON Schema (public: it describes a format, not data)."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.monitoring.national.report import SCHEMA_PATH, NoNumbers, national_report, report_xlsx
from tisheng.orgs.models import Region
from tisheng.orgs.scope import capability_paths
from tisheng.programs.models import Program
from tisheng.programs.selectors import programs_active_first

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _province(request: HttpRequest) -> Region:
    """The province the actor reports for: a `national.report` grant held at a province."""
    roots = capability_paths(request.user, Cap.NATIONAL_REPORT)
    province = Region.objects.filter(path__in=roots, level="province").order_by("path").first()
    if province is None:
        raise Http404
    return province


def _document(request: HttpRequest) -> tuple[dict, Region, Program, list[Program]]:
    province = _province(request)
    programs = programs_active_first()
    wanted = request.GET.get("program", "")
    program = next((p for p in programs if str(p.pk) == wanted), programs[0] if programs else None)
    if program is None:
        raise Http404
    try:
        on = dt.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else None
    except ValueError:
        on = None
    try:
        return national_report(program, on=on, province=province), province, program, programs
    except NoNumbers as exc:
        raise Http404 from exc


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    document, province, program, programs = _document(request)
    return render(request, "monitoring_national/report.html", {
        "document": document, "program": program, "programs": programs, "date": request.GET.get("date", "")})


@login_required
@require_GET
def report_json(request: HttpRequest) -> HttpResponse:
    document, province, program, _programs = _document(request)
    audit(actor=request.user, action="national.report_export", scope_path=province.path, object_type="program",
          object_id=str(program.pk), format="json", as_of=document["as_of"])
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="national-report-{province.code}-{document["as_of"]}.json"'
    return response


@login_required
@require_GET
def report_xlsx_view(request: HttpRequest) -> HttpResponse:
    document, province, program, _programs = _document(request)
    audit(actor=request.user, action="national.report_export", scope_path=province.path, object_type="program",
          object_id=str(program.pk), format="xlsx", as_of=document["as_of"])
    response = HttpResponse(report_xlsx(document), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="national-report-{province.code}-{document["as_of"]}.xlsx"'
    return response


@require_GET
def schema_view(request: HttpRequest) -> HttpResponse:
    return JsonResponse(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")),
                        json_dumps_params={"ensure_ascii": False, "indent": 2},
                        content_type="application/schema+json")
