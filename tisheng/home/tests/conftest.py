"""A day's worth of work in the shared world: program 2.0 running in counties A and B, a
teacher part-way through with a selected course, a returned teacher, a pending declaration,
a submitted school plan, a pending exemption, a high-risk teacher and a county bulletin, all
in county A (county B has nothing waiting, so its officer must see zeros)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tisheng.learning.models import CourseSelection
from tisheng.learning.tests import factories as learning
from tisheng.ledger.models import ImportedHoursDeclaration
from tisheng.ledger.services import ledger_credit
from tisheng.monitoring.models import Bulletin
from tisheng.monitoring.warning.models import RiskScore
from tisheng.monitoring.warning.risk import school_risk_recount
from tisheng.practice.models import SchoolPlan
from tisheng.programs.models import Enrollment, EnrollmentState
from tisheng.programs.services.enrollment import batch_create, batch_enroll
from tisheng.programs.services.exemptions import exemption_request

RETURN_REASON = "缺少校本研修考核记录，请补充后重新提交"


@pytest.fixture
def day(world, program_2):
    """County A's day of work (see the module docstring); returns the course selected."""
    batch = batch_create(actor=world.province_officer, program=program_2, year=2024, name="全员",
                         counties=[world.county_a, world.county_b])
    batch_enroll(actor=world.province_officer, batch=batch)
    ledger_credit(teacher=world.teacher, program=program_2, category="online", hours=Decimal("12"),
                  source_kind="course", source_id="home-test", granted_by_system="video")
    org, _user = learning.institution(world, "JG001", "福建教育学院", "13900000001")
    learning.contract(program_2, org, world.province)
    course = learning.course(program_2, org, "C001", title="希沃白板课堂应用", lessons=3)
    CourseSelection.objects.create(teacher=world.teacher, program=program_2, course=course)

    returned = world.teachers_a[2]
    Enrollment.objects.filter(program=program_2, teacher=returned).update(
        state=EnrollmentState.RETURNED, return_reason=RETURN_REASON)
    ImportedHoursDeclaration.objects.create(
        teacher=world.teachers_a[1], program=program_2, org_path=world.school_a.path, platform="国家智慧教育平台",
        title="2024年暑期研修", hours=Decimal("10"), certificate_file="x.png", certificate_type="image/png")
    SchoolPlan.objects.create(school=world.school_a, program=program_2, status=SchoolPlan.Status.SUBMITTED,
                              environment="A", goals="全员达标", submitted_at=timezone.now())
    exemption_request(actor=world.principal, enrollment=Enrollment.objects.get(program=program_2,
                                                                                teacher=world.teachers_a[1]),
                      reason="长期病假")
    RiskScore.objects.create(program=program_2, teacher=world.teachers_a[1], school=world.school_a,
                             org_path=world.school_a.path, score=85, level="high", as_of=timezone.now())
    school_risk_recount(program_2, [world.school_a.pk])
    Bulletin.objects.create(program=program_2, node_path=world.county_a.path, node_kind="county", name="鼓楼区",
                            title="鼓楼区提升工程2.0第48周通报", day=dt.date(2026, 11, 30), html="<p></p>",
                            pdf_file="b.pdf")
    return course


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
