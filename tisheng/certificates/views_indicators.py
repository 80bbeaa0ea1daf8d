"""办学水平评估 / 校长考评 indicators per school: the page (a county and a program), its .xlsx
(audited) and the JSON API for the systems that run those evaluations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from ninja import Field, Router, Schema

from tisheng.accounts.models import AuditAction
from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.certificates import school_indicators as si
from tisheng.core.clientip import client_ip
from tisheng.orgs.api import require_capability
from tisheng.orgs.models import Region
from tisheng.programs.models import Program
from tisheng.programs.selectors import programs_active_first

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choose(actor, county_key: str, program_key: str) -> tuple[Region, Program, list[Region], list[Program]]:
    """The county (by pk or division code) and program (by pk or code); 404 outside the actor's
    counties or for one that does not exist."""
    counties = list(si.indicator_counties(actor))
    programs = programs_active_first()
    if not counties or not programs:
        raise Http404
    county = counties[0] if not county_key else next(
        (c for c in counties if county_key in (str(c.pk), c.code)), None)
    program = programs[0] if not program_key else next(
        (p for p in programs if program_key in (str(p.pk), p.code)), None)
    if county is None or program is None:
        raise Http404
    return county, program, counties, programs


@never_cache
@login_required
def indicators_page(request):
    county, program, counties, programs = _choose(request.user, request.GET.get("county", ""),
                                                  request.GET.get("program", ""))
    rows = si.school_indicators(program, county)
    return render(request, "certificates/school_indicators.html", {
        "county": county, "program": program, "counties": counties, "programs": programs, "rows": rows,
        "extra": sorted({k for r in rows for k in r.extra})})


@never_cache
@login_required
def indicators_xlsx(request):
    county, program, _counties, _programs = _choose(request.user, request.GET.get("county", ""),
                                                    request.GET.get("program", ""))
    rows = si.school_indicators(program, county)
    audit(actor=request.user, action=AuditAction.EXPORTED, obj=county, scope_path=county.path, ip=client_ip(request),
          kind="school_indicators", program=program.code, schools=len(rows))
    response = HttpResponse(si.indicators_xlsx(program, county, rows), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"办学水平评估指标-{county.name}-{timezone.localdate():%Y%m%d}.xlsx")
    return response


# The JSON API -----------------------------------------------------------------------------

router = Router()


class SchoolOut(Schema):
    code: str = Field(description="the school's 学校标识码")
    name: str
    stage: str
    rural: bool | None
    teachers: int = Field(description="active teachers")
    due: int = Field(description="enrollments in the program, exempt ones apart")
    exempt: int
    participating: int = Field(description="teachers due with any credited hours in the program")
    participation_rate: Decimal | None = Field(description="percent, one decimal; null when nobody is due")
    completed: int = Field(description="complete or further along the review chain")
    completion_rate: Decimal | None
    certified: int
    average_hours: Decimal | None = Field(description="credited hours per teacher due")
    practice_teachers: int = Field(description="teachers with at least one capability point passed")
    points_passed: int
    points_excellent: int
    points_met: int = Field(description="teachers meeting the program's capability-point requirement")
    plan_status: str = Field(description="the latest plan version's state: draft, submitted, approved, returned, or ''")
    plan_version: int
    plan_implementation_rate: Decimal | None = Field(
        description="points_met of those due, percent, once the plan is approved; else null")
    extra: dict[str, object] = Field(description="indicators of later domains (resources, achievements)")


class IndicatorsOut(Schema):
    county_code: str
    county_name: str
    program_code: str
    program_name: str
    generated_at: dt.datetime
    schools: list[SchoolOut]


@router.get("/school-indicators", response=IndicatorsOut,
            summary="办学水平评估 / 校长考评: the project's indicators per school of a county")
def school_indicators_api(request: HttpRequest, county: str = "", program: str = ""):
    """`county`: division code (or id), default the caller's first county; `program`: code (or
    id), default the newest active program. 404 for a county outside the caller's scope."""
    require_capability(request, Cap.SCHOOL_INDICATORS)
    chosen_county, chosen_program, _counties, _programs = _choose(request.user, county, program)
    rows = si.school_indicators(chosen_program, chosen_county)
    audit(actor=request.user, action=AuditAction.EXPORTED, obj=chosen_county, scope_path=chosen_county.path,
          ip=client_ip(request), kind="school_indicators", format="api", program=chosen_program.code,
          schools=len(rows))
    return {
        "county_code": chosen_county.code, "county_name": chosen_county.name, "program_code": chosen_program.code,
        "program_name": chosen_program.name, "generated_at": timezone.now(),
        "schools": [{**{k: getattr(r, k) for k in SchoolOut.model_fields if k != "extra"}, "extra": r.extra}
                    for r in rows],
    }
