"""The catalogue over JSON: a teacher's catalogue (with the same filters as the page) and
selection; offices' per-school selection counts, scoped like the pages."""

from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tisheng.accounts.roles import Cap
from tisheng.learning import selectors
from tisheng.orgs.api import PageNumber, require_capability
from tisheng.people.selectors import own_teacher
from tisheng.programs.models import Program

router = Router()


class CourseOut(Schema):
    id: int
    code: str
    title: str
    institution: str = Field(alias="institution.name")
    hours: Decimal
    topics: list[str]
    micro_abilities: list[str]
    subjects: list[str]
    stages: list[str]
    lesson_count: int


class CatalogueFilters(Schema):
    program: int
    q: str = ""
    topic: str = ""
    subject: str = ""
    stage: str = ""


class SelectionOut(Schema):
    course_id: int
    title: str = Field(alias="course.title")
    hours: Decimal = Field(alias="course.hours")
    selected_at: str
    started: bool
    # Its institution is out where the teacher is: it earns no more hours and counts in
    # selected_hours only for what it already earned (counted_hours).
    credit_stopped: bool = False
    counted_hours: Decimal = Field(alias="counted")

    @staticmethod
    def resolve_selected_at(obj) -> str:
        return obj.selected_at.isoformat()

    @staticmethod
    def resolve_started(obj) -> bool:
        return obj.started_at is not None


class SelectionSummaryOut(Schema):
    program_id: int
    required_hours: Decimal
    selected_hours: Decimal
    complete: bool
    recommended_course_ids: list[int]
    selections: list[SelectionOut]


class SchoolSelectionOut(Schema):
    school_code: str = Field(alias="school__code")
    school_name: str = Field(alias="school__name")
    enrolled: int
    complete: int
    missing: int
    started: int = Field(alias="started_count")


def _teacher_and_program(request: HttpRequest, program_id: int):
    require_capability(request, Cap.COURSES_SELECT)
    teacher = own_teacher(request.user)
    program = Program.objects.filter(pk=program_id, enrollments__teacher=teacher).first() if teacher else None
    if program is None:
        raise Http404
    return teacher, program


@router.get("/learning/catalogue", response=list[CourseOut], summary="The signed-in teacher's course catalogue")
@paginate(PageNumber)
def catalogue(request: HttpRequest, filters: Query[CatalogueFilters]):
    teacher, program = _teacher_and_program(request, filters.program)
    return selectors.catalogue_for_teacher(teacher, program, q=filters.q, topic=filters.topic,
                                           subject=filters.subject, stage=filters.stage)


@router.get("/learning/selection", response=SelectionSummaryOut, summary="The signed-in teacher's course selection")
def selection(request: HttpRequest, program: int):
    teacher, the_program = _teacher_and_program(request, program)
    rows = list(selectors.selections_of(teacher, the_program))
    total = selectors.selected_hours(rows, teacher)
    required = selectors.online_required_hours(the_program)
    return {"program_id": the_program.pk, "required_hours": required, "selected_hours": total,
            "complete": total >= required, "selections": rows,
            "recommended_course_ids": selectors.recommended_course_ids(teacher, the_program)}


@router.get("/learning/selection-status", response=list[SchoolSelectionOut],
            summary="Per school: enrolled teachers, complete selections, not selected yet, started")
def selection_status(request: HttpRequest, program: int):
    require_capability(request, Cap.LEARNING_MONITOR)
    the_program = Program.objects.filter(pk=program).first()
    if the_program is None:
        raise Http404
    return selectors.selection_summary_by_school(request.user, the_program)
