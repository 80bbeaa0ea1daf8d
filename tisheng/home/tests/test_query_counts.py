"""Each role's home page costs a fixed number of queries: pinned here, and the same with 2
teachers and schools as with 20 (every count is one aggregate, never one per row)."""

import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import LoginThrottle, RoleAssignment
from tisheng.ledger.models import ImportedHoursDeclaration
from tisheng.monitoring.warning.models import RiskScore
from tisheng.monitoring.warning.risk import school_risk_recount
from tisheng.orgs.tests.factories import SchoolFactory
from tisheng.people.tests.factories import TeacherFactory, UserFactory
from tisheng.practice.models import SchoolPlan
from tisheng.programs.models import Enrollment, EnrollmentState
from tisheng.programs.services.enrollment import enrollment_sync_for_schools

# Queries of each role's home page, session and user included (see the module docstring).
# The offices and the principal: +1 for supervision's to-dos (one aggregate; one more, the most
# overdue item, when there is one: test_supervision_overdue pins that).
PINNED = {
    "teacher": 19,
    "school_admin": 28,  # the principal also teaches here: a teacher section of their own
    "county_office": 16,
    "province_office": 15,
    "school_assessor": 12,
    "teacher_college": 9,
    "institution": 11,
    "evaluator": 11,
    "security_admin": 10,
    "audit_admin": 7,
}


def _users(world, day) -> dict:
    def user(role, phone, **node):
        u = UserFactory(name=role, phone=phone)
        RoleAssignment.objects.create(user=u, role=role, **node)
        return u

    return {
        "teacher": world.teacher.user,
        "school_admin": world.principal,
        "county_office": world.county_officer,
        "province_office": world.province_officer,
        "school_assessor": user("school_assessor", "13700000041", school=world.school_a),
        "teacher_college": user("teacher_college", "13700000042", organization=world.college_a),
        "institution": RoleAssignment.objects.get(role="institution", organization=day.institution).user,
        "evaluator": user("evaluator", "13700000043", region=world.county_a),
        "security_admin": user("security_admin", "13700000044", region=world.province),
        "audit_admin": user("audit_admin", "13700000045", region=world.province),
    }


def _grow(world, program, n: int = 18) -> None:
    """n more schools in county A, each with a teacher who has work of every kind, and n
    more teachers in school A."""
    schools = [SchoolFactory(county=world.county_a, code=f"35010291{i:02d}", name=f"鼓楼新校{i}") for i in range(n)]
    teachers = [TeacherFactory(school=s) for s in schools] + [TeacherFactory(school=world.school_a)
                                                              for _i in range(n)]
    enrollment_sync_for_schools([s.pk for s in schools] + [world.school_a.pk])
    Enrollment.objects.filter(teacher__in=teachers[::2]).update(state=EnrollmentState.RETURNED, return_reason="补充")
    now = timezone.now()
    for t in teachers:
        ImportedHoursDeclaration.objects.create(
            teacher=t, program=program, org_path=t.org_path, platform="国家智慧教育平台", title="研修",
            hours=Decimal("5"), certificate_file="x.png", certificate_type="image/png")
        RiskScore.objects.create(program=program, teacher=t, school=t.school, org_path=t.org_path, score=90,
                                 level="high", as_of=now)
        if t.user_id:
            LoginThrottle.objects.create(key=f"account:{t.user_id}", failures=5, window_start=int(time.time()),
                                         locked_until=int(time.time()) + 600, expires=int(time.time()) + 600)
    school_risk_recount(program, [s.pk for s in schools] + [world.school_a.pk])
    for s in schools:
        SchoolPlan.objects.create(school=s, program=program, status=SchoolPlan.Status.SUBMITTED, environment="A")


def _queries(client, user) -> int:
    client.force_login(user)
    client.get(reverse("home"))  # warm the session and the caches of the first request
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", list(PINNED))
def test_each_roles_home_page_costs_the_same_queries_with_2_or_20_teachers_and_schools(
        client, world, day, program_2, role, django_assert_num_queries):
    user = _users(world, day)[role]
    few = _queries(client, user)
    _grow(world, program_2)

    client.force_login(user)
    with django_assert_num_queries(few):
        client.get(reverse("home"))
    assert few == PINNED[role]
