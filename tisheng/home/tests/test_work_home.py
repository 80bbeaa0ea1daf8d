import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog, LoginThrottle, RoleAssignment
from tisheng.home.tests.helpers import count, home, section
from tisheng.people.tests.factories import UserFactory


def test_a_principal_sees_a_teacher_section_and_a_school_section(client, world, day):
    page = home(client, world.principal)
    school = section(page, "school_admin")

    assert section(page, "teacher")  # the principal teaches too
    assert count(school, "declarations") == 1
    assert count(school, "returned") == 1
    assert count(school, "to-submit") == 0
    assert count(school, "not-started") == 1  # 陈志强: 林晓燕 has hours, 黄丽华 was returned
    assert "学校校本研修规划：已报送" in school
    assert reverse("ledger:declaration_queue") in school
    assert f'{reverse("review:school")}?status=returned' in school


def test_zero_counts_are_quiet_not_missing(client, world, day):
    school = section(home(client, world.principal), "school_admin")

    assert count(school, "to-submit") == 0
    assert count(school, "evidence-awaiting") == 0
    assert "没有待办" in school
    assert "全部完成" in school


def test_the_county_office_sees_its_queues_risks_and_bulletin(client, world, day):
    county = section(home(client, world.county_officer), "county_office")

    assert count(county, "review-pending") == 0
    assert count(county, "exemptions") == 1
    assert count(county, "plans") == 1
    assert count(county, "schools-at-risk") == 1
    assert "其中高风险教师 1 名" in county
    assert "鼓楼区提升工程2.0第48周通报" in county
    assert reverse("programs:exemptions") in county
    assert f'{reverse("monitoring:warning_list")}?level=high' in county


def test_county_b_sees_none_of_county_as_counts(client, world, day):
    page = home(client, world.outsider)
    county = section(page, "county_office")

    assert county
    for key in ("review-pending", "exemptions", "plans", "schools-at-risk", "spot-checks", "awaiting-certificate"):
        assert count(county, key) == 0, key
    assert "鼓楼" not in page
    assert "暂无通报" in county


def test_the_province_sees_plans_waiting_for_counties_and_the_review_at_its_level(client, world, day):
    province = section(home(client, world.province_officer), "province_office")

    assert count(province, "plans") == 1
    assert "等待县级审批的学校研修规划" in province
    assert reverse("review:province") in province


def test_a_county_officer_with_a_school_role_sees_each_section_with_its_own_numbers(client, world, day):
    RoleAssignment.objects.create(user=world.county_officer, role="school_admin", school=world.school_a2)

    page = home(client, world.county_officer)

    assert count(section(page, "county_office"), "exemptions") == 1
    assert count(section(page, "school_admin"), "declarations") == 0  # school A's declaration is not A2's
    assert count(section(page, "school_admin"), "returned") == 0


def test_an_assessor_sees_the_items_to_grade(client, world, day):
    user = UserFactory(name="考核组", phone="13700000021")
    RoleAssignment.objects.create(user=user, role="school_assessor", school=world.school_a)

    page = section(home(client, user), "school_assessor")

    assert count(page, "to-grade") == 0
    assert "待评分的实践成果" in page


def test_a_teacher_college_sees_its_spot_check_items(client, world, day):
    user = UserFactory(name="进修学校", phone="13700000022")
    RoleAssignment.objects.create(user=user, role="teacher_college", organization=world.college_a)

    page = section(home(client, user), "teacher_college")

    assert count(page, "my-spot-items") == 0
    assert reverse("practice:checks_review_list") in page


def test_an_institution_sees_its_draft_courses_and_learners(client, world, day, program_2):
    from tisheng.learning.models import Course
    from tisheng.learning.tests import factories as learning

    Course.objects.filter(pk=day.pk).update(status="draft")
    learning.course(program_2, day.institution, "C002", status="published")
    user = RoleAssignment.objects.get(role="institution", organization=day.institution).user

    page = section(home(client, user), "institution")

    assert count(page, "draft-courses") == 1
    assert count(page, "learners") == 1


def test_an_evaluator_sees_when_the_read_access_ends(client, world, day):
    user = UserFactory(name="评估专家", phone="13700000023")
    RoleAssignment.objects.create(user=user, role="evaluator", region=world.county_a,
                                  expires_at=timezone.now() + dt.timedelta(days=30))

    page = section(home(client, user), "evaluator")

    assert "您的查阅权限于" in page
    assert count(page, "schools-at-risk") == 1


@pytest.fixture
def admins(world):
    security = UserFactory(name="安全管理员", phone="13700000031")
    RoleAssignment.objects.create(user=security, role="security_admin", region=world.province)
    audit = UserFactory(name="审计管理员", phone="13700000032")
    RoleAssignment.objects.create(user=audit, role="audit_admin", region=world.province)
    return security, audit


def test_the_security_admin_sees_locked_accounts(client, world, admins):
    import time

    LoginThrottle.objects.create(key=f"account:{world.teacher.user.pk}", failures=5, window_start=int(time.time()),
                                 locked_until=int(time.time()) + 600, expires=int(time.time()) + 600)

    page = section(home(client, admins[0]), "security_admin")

    assert count(page, "locked") == 1
    assert "因登录失败被锁定的账号" in page


def test_the_audit_admin_sees_the_last_days_activity(client, world, admins):
    AuditLog.objects.create(action="login_failed", actor_name="某人")
    AuditLog.objects.create(action="login", actor_name="某人")

    page = section(home(client, admins[1]), "audit_admin")

    assert count(page, "audit-today") >= 2
    assert count(page, "failed-logins") == 1
