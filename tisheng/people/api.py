"""Teachers over JSON, scoped by `teachers.view` (a teacher sees only their own record).

The national ID leaves the server masked (`350102********123X`), never in full: the full
number is for the few screens that audit who looked at it.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from tisheng.accounts.roles import Cap
from tisheng.orgs.api import PageNumber, require_capability
from tisheng.people import selectors
from tisheng.people.choices import Sex, TeacherStatus, TeachingStage, Title
from tisheng.people.models import Teacher

router = Router()


class SchoolRef(Schema):
    code: str
    name: str


class TeacherOut(Schema):
    id: int
    name: str
    national_id_masked: str = Field(description="division code and last four characters only")
    sex: Sex
    birth_year: int
    school: SchoolRef
    stage: TeachingStage
    subject: str
    title: Title
    status: TeacherStatus
    started_work: dt.date | None

    @staticmethod
    def resolve_birth_year(obj: Teacher) -> int:
        return obj.birth_date.year


class CountyRef(Schema):
    code: str
    name: str


class TeacherDetailOut(TeacherOut):
    county: CountyRef

    @staticmethod
    def resolve_county(obj: Teacher) -> CountyRef:
        return CountyRef(code=obj.school.county.code, name=obj.school.county.name)


class TeacherFilters(Schema):
    q: str = Field("", description="a name, the last four characters of a national ID or a phone number "
                                   "(a full national ID: POST /teachers/search, so it stays out of URLs)")
    region: str | None = Field(None, description="division code of a city or county")
    school: str | None = Field(None, description="school code")
    stage: TeachingStage | None = None
    subject: str | None = None
    status: TeacherStatus | None = None


# A full national ID in a URL lands in access logs, proxies' logs and Referers.
ID_IN_URL = "A full national ID is not accepted in a URL: send it with POST /api/v1/teachers/search."


def _teachers(request: HttpRequest, filters: TeacherFilters):
    require_capability(request, Cap.TEACHERS_VIEW)
    return selectors.teacher_list(
        request.user, q=filters.q, region=filters.region, school=filters.school, stage=filters.stage,
        subject=filters.subject, status=filters.status,
    )


@router.get("/teachers", response=list[TeacherOut], summary="Teachers the caller may view")
@paginate(PageNumber)
def teacher_list(request: HttpRequest, filters: Query[TeacherFilters]):
    if selectors.search_kind(filters.q) == "id":
        raise HttpError(400, str(_(ID_IN_URL)))
    return _teachers(request, filters)


@router.post("/teachers/search", response=list[TeacherOut],
             summary="Teachers the caller may view, filtered in the request body (for a full national ID)")
@paginate(PageNumber)
def teacher_search(request: HttpRequest, filters: TeacherFilters):
    return _teachers(request, filters)


@router.get("/teachers/{teacher_id}", response=TeacherDetailOut, summary="One teacher")
def teacher_detail(request: HttpRequest, teacher_id: int):
    require_capability(request, Cap.TEACHERS_VIEW)
    return selectors.get_teacher_for_user(request.user, teacher_id)
