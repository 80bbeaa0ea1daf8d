import datetime as dt
from decimal import Decimal

import pytest

from tisheng.accounts.models import RoleAssignment
from tisheng.monitoring.services.rollups import rollups_refresh
from tisheng.people.tests.factories import UserFactory
from tisheng.practice.models import SchoolPlan
from tisheng.programs.models import Enrollment, EnrollmentState
from tisheng.supervision import services
from tisheng.supervision.rubric import preset


def enroll(program, teacher, state=EnrollmentState.ENROLLED, hours="0"):
    hours = Decimal(hours)
    return Enrollment.objects.create(program=program, teacher=teacher, school=teacher.school, org_path=teacher.org_path,
                                     state=state, online_hours=hours, total_hours=hours)


@pytest.fixture
def numbers(world, program_2):
    """County A: 4 teachers to train, 2 started, 1 complete; school_a's plan approved (1 of 2
    schools). County B: 1 teacher, complete. Rolled up today."""
    enroll(program_2, world.teachers_a[0], EnrollmentState.COMPLETE, "50")
    enroll(program_2, world.teachers_a[1], hours="10")
    enroll(program_2, world.teachers_a[2])
    enroll(program_2, world.teacher_a2)
    enroll(program_2, world.teacher_b, EnrollmentState.COMPLETE, "50")
    SchoolPlan.objects.create(school=world.school_a, program=program_2, status=SchoolPlan.Status.APPROVED,
                              environment="B")
    rollups_refresh(program_2)
    return program_2


@pytest.fixture
def inspector(world):
    user = UserFactory(name="省督学", phone="13700000019")
    RoleAssignment.objects.create(user=user, role="inspector", region=world.province)
    return user


@pytest.fixture
def other_inspector(world):
    user = UserFactory(name="另一督学", phone="13700000020")
    RoleAssignment.objects.create(user=user, role="inspector", region=world.province)
    return user


@pytest.fixture
def round_(world, numbers, inspector):
    """The province's round over its two counties, the inspector assigned to county A."""
    r = services.round_create(actor=world.province_officer, region=world.province, program=numbers,
                              title="2026年提升工程督导", kind="regular", starts_on=dt.date(2026, 11, 1),
                              ends_on=dt.date(2026, 12, 31), indicators=preset("regular", "county"))
    services.inspectors_assign(actor=world.province_officer, round_=r, inspector=inspector,
                               inspections=[r.inspections.get(unit_path=world.county_a.path)])
    return r


@pytest.fixture
def inspection_a(world, round_):
    return round_.inspections.get(unit_path=world.county_a.path)
