"""Programs and enrollments over JSON: programs (with their rule set) for anyone with
reports.view; enrollments scoped by teachers.view, like the pages."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tisheng.accounts.roles import Cap
from tisheng.orgs.api import PageNumber, require_capability
from tisheng.programs import selectors
from tisheng.programs.models import EnrollmentState, Program

router = Router()


class ProgramOut(Schema):
    id: int
    code: str
    name: str
    status: Program.Status
    start_date: dt.date
    end_date: dt.date
    reference_date: dt.date


class ProgramDetailOut(ProgramOut):
    rules: dict[str, Any] = Field(description="the validated rule set document")


class EnrollmentOut(Schema):
    id: int
    teacher_id: int
    teacher_name: str = Field(alias="teacher.name")
    school_code: str = Field(alias="school.code")
    state: EnrollmentState
    review_level: str
    total_hours: Decimal
    online_hours: Decimal
    practice_hours: Decimal
    offline_hours: Decimal
    imported_hours: Decimal
    explanation: str


class EnrollmentFilters(Schema):
    state: EnrollmentState | None = None


@router.get("/programs", response=list[ProgramOut], summary="Programs")
def program_list(request: HttpRequest):
    require_capability(request, Cap.REPORTS_VIEW)
    return list(selectors.program_list(request.user))


@router.get("/programs/{program_id}", response=ProgramDetailOut, summary="One program with its rule set")
def program_detail(request: HttpRequest, program_id: int):
    require_capability(request, Cap.REPORTS_VIEW)
    program = selectors.get_program_for_user(request.user, program_id)
    program.rules = program.ruleset.model_dump(mode="json")
    return program


@router.get("/programs/{program_id}/enrollments", response=list[EnrollmentOut],
            summary="A program's enrollments the caller may view")
@paginate(PageNumber)
def enrollment_list(request: HttpRequest, program_id: int, filters: Query[EnrollmentFilters]):
    require_capability(request, Cap.TEACHERS_VIEW)
    program = selectors.get_program_for_user(request.user, program_id)
    return selectors.enrollment_list(request.user, program, state=filters.state)
