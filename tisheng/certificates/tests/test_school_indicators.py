"""办学水平评估 / 校长考评: each school's participation, completion, practice results and plan
implementation, as a page, an audited .xlsx per county and a JSON API; scoped to the county."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tisheng.accounts.models import AuditLog
from tisheng.certificates import school_indicators
from tisheng.diagnostics.models import MicroAbility
from tisheng.ledger.models import LedgerEntry
from tisheng.ledger.tests.conftest import enroll
from tisheng.practice.models import PointResult
from tisheng.practice.tests.conftest import approve_plan
from tisheng.programs.models import EnrollmentState

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school_a_numbers(world, program_2):
    """School A: 2 teachers due and 1 exempt; both with hours, 1 certified and meeting the
    3-point rule; an approved plan. School A2 (kindergarten): one teacher due, nothing done."""
    from tisheng.practice import services

    services.catalogue_load()
    t0, t1, t2 = world.teachers_a[0], world.teachers_a[1], world.teachers_a[2]
    enroll(program_2, t0, state=EnrollmentState.CERTIFIED)
    enroll(program_2, t1)
    enroll(program_2, t2, state=EnrollmentState.EXEMPT)
    enroll(program_2, world.teacher_a2)
    for i, (teacher, hours) in enumerate(((t0, "50"), (t1, "12"))):
        LedgerEntry.objects.create(teacher=teacher, program=program_2, category="online", hours=Decimal(hours),
                                   source_kind="course", source_id=str(i), idempotency_key=f"si:{i}",
                                   granted_by_system="test", at=dt.datetime(2025, 3, 1, 9, tzinfo=SHANGHAI))
    for code in ("A1", "A5", "A10"):
        point = MicroAbility.objects.get(code=code)
        PointResult.objects.create(program=program_2, teacher=t0, point=point, point_version=point.versions.first(),
                                   result="excellent" if code == "A1" else "pass", org_path=t0.org_path)
    approve_plan(world, program_2)
    return t0


def by_code(rows):
    return {r.code: r for r in rows}


def test_each_school_shows_participation_completion_practice_and_plan(world, program_2, school_a_numbers):
    rows = by_code(school_indicators.school_indicators(program_2, world.county_a))

    a = rows[world.school_a.code]
    assert (a.teachers, a.due, a.exempt) == (3, 2, 1)
    assert (a.participating, a.certified, a.completed) == (2, 1, 1)
    assert a.points_passed == 3
    assert a.points_excellent == 1
    assert a.points_met == 1
    assert a.plan_status == "approved"
    assert a.participation_rate == Decimal("100.0")
    assert a.completion_rate == Decimal("50.0")
    assert a.average_hours == Decimal("31.0")
    assert a.plan_implementation_rate == Decimal("50.0")
    kindergarten = rows[world.school_a2.code]
    assert (kindergarten.due, kindergarten.participating, kindergarten.plan_label) == (1, 0, "未提交")
    assert kindergarten.plan_implementation_rate is None
    assert world.school_b.code not in rows


def test_the_county_downloads_the_workbook_and_it_is_audited(client, world, program_2, school_a_numbers):
    client.force_login(world.county_officer)
    page = client.get(reverse("certificates:indicators"))
    assert page.status_code == 200
    assert world.school_a.name in page.content.decode()

    response = client.get(reverse("certificates:indicators_xlsx"), {"county": world.county_a.pk})

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[2]
    assert header[:3] == ["学校代码", "学校", "学段"]
    line = next(r for r in rows if r[0] == world.school_a.code)
    assert line[header.index("参训人数")] == 2
    assert line[header.index("规划状态")] == "已通过"
    assert AuditLog.objects.filter(action="exported", detail__kind="school_indicators",
                                   actor=world.county_officer).exists()


def test_the_api_gives_the_same_numbers_to_an_evaluation_system(client, world, program_2, school_a_numbers):
    client.force_login(world.province_officer)

    response = client.get("/api/v1/school-indicators", {"county": world.county_a.code, "program": program_2.code})

    assert response.status_code == 200
    body = response.json()
    assert body["county_code"] == world.county_a.code
    school = next(s for s in body["schools"] if s["code"] == world.school_a.code)
    assert school["participating"] == 2
    assert school["points_met"] == 1
    assert school["plan_status"] == "approved"
    assert AuditLog.objects.filter(detail__kind="school_indicators", detail__format="api").exists()


def test_the_outsider_gets_404_and_a_teacher_403(client, world, program_2, school_a_numbers):
    client.force_login(world.outsider)
    assert client.get(reverse("certificates:indicators"), {"county": world.county_a.pk}).status_code == 404
    assert client.get(reverse("certificates:indicators_xlsx"), {"county": world.county_a.pk}).status_code == 404
    assert client.get("/api/v1/school-indicators", {"county": world.county_a.code}).status_code == 404
    own = client.get("/api/v1/school-indicators").json()
    assert own["county_code"] == world.county_b.code
    client.force_login(world.teacher.user)
    assert client.get("/api/v1/school-indicators").status_code == 403
    assert client.get(reverse("certificates:indicators")).status_code == 404
    client.logout()
    assert client.get("/api/v1/school-indicators").status_code == 401


def test_the_indicators_cost_the_same_queries_for_more_schools_and_teachers(world, program_2, school_a_numbers):
    from tisheng.orgs.tests.factories import SchoolFactory
    from tisheng.people.tests.factories import TeacherFactory

    with CaptureQueriesContext(connection) as few:
        school_indicators.school_indicators(program_2, world.county_a)
    for _ in range(3):
        school = SchoolFactory(county=world.county_a)
        enroll(program_2, TeacherFactory(school=school))
    with CaptureQueriesContext(connection) as more:
        school_indicators.school_indicators(program_2, world.county_a)
    assert len(more) == len(few)
