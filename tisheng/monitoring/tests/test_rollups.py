"""Roll-ups: the numbers each level's dashboard shows, refreshed from the teacher rows and
checked against a recomputation."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from tisheng.learning.models import Contract, Course, CourseSelection
from tisheng.monitoring.models import Rollup, RollupRun
from tisheng.monitoring.services.rollups import (
    rollups_check,
    rollups_refresh,
    rollups_refresh_if_stale,
    today,
)
from tisheng.orgs.tests.factories import OrganizationFactory
from tisheng.people.tests.factories import TeacherFactory
from tisheng.programs.models import Enrollment, EnrollmentState

pytestmark = pytest.mark.django_db


def enroll(program, teacher, state=EnrollmentState.ENROLLED, online="0", practice="0"):
    online, practice = Decimal(online), Decimal(practice)
    return Enrollment.objects.create(program=program, teacher=teacher, school=teacher.school, org_path=teacher.org_path,
                                     state=state, online_hours=online, practice_hours=practice,
                                     total_hours=online + practice)


@pytest.fixture
def activity(world, program_1):
    """County A: school_a (urban) 3 teachers — one complete, one started, one only selected a
    course; school_a2 (rural) one exempt teacher. County B: one approved teacher."""
    world.school_a2.is_rural = True
    world.school_a2.save()
    first, second, third = world.teachers_a
    enroll(program_1, first, EnrollmentState.COMPLETE, online="50", practice="30")
    enroll(program_1, second, EnrollmentState.IN_PROGRESS, online="12.5")
    enroll(program_1, third)
    enroll(program_1, world.teacher_a2, EnrollmentState.EXEMPT)
    enroll(program_1, world.teacher_b, EnrollmentState.APPROVED, online="50", practice="30")
    institution = OrganizationFactory(code="INST01", kind="institution", region=world.province)
    Contract.objects.create(program=program_1, institution=institution, region=world.province,
                            region_path=world.province.path)
    course = Course.objects.create(institution=institution, program=program_1, code="C01", title="课件制作",
                                   hours=Decimal("10"), status=Course.Status.PUBLISHED)
    CourseSelection.objects.create(teacher=third, program=program_1, course=course)
    return program_1


def row(program, path):
    return Rollup.objects.get(program=program, day=today(), node_path=path)


def test_a_refresh_counts_every_level_from_the_teacher_rows(world, activity):
    run = rollups_refresh(activity)
    school = row(activity, world.school_a.path)
    assert (school.enrolled, school.exempt, school.selected, school.started, school.complete) == (3, 0, 1, 2, 1)
    assert school.online_hours == Decimal("62.5")
    county = row(activity, world.county_a.path)
    assert (county.schools, county.enrolled, county.exempt, county.base, county.complete) == (2, 4, 1, 3, 1)
    assert county.completion_percent == 33.3
    assert county.detail["rural"]["exempt"] == 1
    assert county.detail["urban"]["complete"] == 1
    province = row(activity, world.province.path)
    assert (province.enrolled, province.complete, province.approved, province.schools) == (5, 2, 1, 3)
    assert province.practice_hours == Decimal("60")
    assert row(activity, world.city_b.path).approved == 1
    assert run.rows == Rollup.objects.filter(program=activity, day=today()).count() == 3 + 2 + 2 + 1


def test_the_consistency_check_agrees_after_a_refresh_and_sees_a_change_that_was_not_refreshed(world, activity):
    rollups_refresh(activity)
    assert rollups_check(activity).differences == []
    Enrollment.objects.filter(teacher=world.teachers_a[2]).update(state=EnrollmentState.COMPLETE)
    differences = rollups_check(activity).differences
    assert {(d["node"], d["field"]) for d in differences} >= {
        (world.school_a.path, "complete"), (world.county_a.path, "complete"), (world.province.path, "complete")}
    rollups_refresh(activity)
    assert rollups_check(activity).differences == []


def test_the_rollups_command_refreshes_and_checks(world, activity, capsys):
    call_command("rollups", "--check")
    out = capsys.readouterr().out
    assert f"rollups_check program={activity.code}" in out
    assert "differences=0" in out


def test_periodic_work_refreshes_only_what_is_stale(world, activity):
    assert len(rollups_refresh_if_stale(minutes=10)) >= 1
    assert rollups_refresh_if_stale(minutes=10) == []
    assert RollupRun.objects.filter(program=activity, kind=RollupRun.Kind.REFRESH).count() == 1


def test_a_refresh_replaces_the_days_rows_and_keeps_earlier_days(world, activity):
    import datetime as dt

    rollups_refresh(activity, day=today() - dt.timedelta(days=1))
    rollups_refresh(activity)
    rollups_refresh(activity)
    assert Rollup.objects.filter(program=activity, node_path=world.province.path).count() == 2


def test_the_county_dashboard_shows_its_schools_ranked(world, activity):
    rollups_refresh(activity)
    client = Client()
    client.force_login(world.county_officer)
    page = client.get(f"/monitoring/?program={activity.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.county_a.name in html
    assert world.school_a.name in html
    assert html.index(world.school_a.name) < html.index(world.school_a2.name)  # 33 % before 0 %
    assert world.school_b.name not in html


def test_another_countys_officer_cannot_open_this_county(world, activity):
    rollups_refresh(activity)
    client = Client()
    client.force_login(world.outsider)
    assert client.get(f"/monitoring/?program={activity.pk}&node={world.county_a.path}").status_code == 404
    assert client.get(f"/monitoring/?program={activity.pk}&node={world.province.path}").status_code == 404
    own = client.get(f"/monitoring/?program={activity.pk}").content.decode()
    assert world.school_b.name in own
    assert world.school_a.name not in own


def test_the_province_drills_down_to_a_county(world, activity):
    rollups_refresh(activity)
    client = Client()
    client.force_login(world.province_officer)
    top = client.get(f"/monitoring/?program={activity.pk}").content.decode()
    assert world.city_a.name in top
    assert world.city_b.name in top
    county = client.get(f"/monitoring/?program={activity.pk}&node={world.county_a.path}").content.decode()
    assert world.school_a.name in county
    assert f"?school={world.school_a.code}" in county


def test_a_teacher_has_no_dashboard(world, activity):
    client = Client()
    client.force_login(world.teacher.user)
    assert client.get("/monitoring/").status_code == 404


def test_the_dashboard_reads_no_teacher_rows(world, activity, django_assert_max_num_queries):
    rollups_refresh(activity)
    client = Client()
    client.force_login(world.province_officer)
    client.get(f"/monitoring/?program={activity.pk}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(f"/monitoring/?program={activity.pk}")
    for _ in range(30):
        enroll(activity, TeacherFactory(school=world.school_b))
    rollups_refresh(activity)
    with CaptureQueriesContext(connection) as many:
        client.get(f"/monitoring/?program={activity.pk}")
    assert len(many) == len(few)
    assert not any("programs_enrollment" in q["sql"] or "people_teacher" in q["sql"] for q in many.captured_queries)


def test_micro_ability_results_count_per_dimension_with_their_pass_rates(world, program_2):
    from tisheng.diagnostics.models import MicroAbility
    from tisheng.monitoring.selectors import chart_data, dashboard
    from tisheng.practice import services as practice
    from tisheng.practice.models import Grade, PointResult, PointVersion

    practice.catalogue_load()
    for teacher in world.teachers_a:
        enroll(program_2, teacher)
    results = [("A1", Grade.EXCELLENT), ("A1", Grade.FAIL), ("A3", Grade.PASS), ("A5", Grade.PASS)]
    for teacher, (code, grade) in zip([*world.teachers_a, world.teachers_a[0]], results, strict=True):
        point = MicroAbility.objects.get(code=code)
        PointResult.objects.create(program=program_2, teacher=teacher, point=point, result=grade,
                                   point_version=PointVersion.objects.filter(point=point).latest("number"),
                                   org_path=teacher.org_path)
    PointResult.objects.create(program=program_2, teacher=world.teachers_a[1], point=MicroAbility.objects.get(code="A10"),
                               point_version=PointVersion.objects.filter(point__code="A10").latest("number"),
                               result=Grade.PASS, status=PointResult.Status.RETURNED, org_path=world.teachers_a[1].org_path)
    rollups_refresh(program_2)
    county = row(program_2, world.county_a.path)
    assert (county.points_passed, county.points_excellent) == (3, 1)
    assert county.detail["dimensions"]["学情分析"] == [1, 1, 2]  # A1: one excellent, one failed
    assert county.detail["dimensions"]["教学设计"] == [1, 0, 1]
    assert "学业评价" not in county.detail["dimensions"]  # A10's result was sent back
    charts = chart_data(dashboard(world.county_officer, program_2, world.county_a.path))
    analysis = next(d for d in charts["dimensions"] if d["name"] == "学情分析")
    assert (analysis["pass_rate"], analysis["excellent_rate"]) == (50.0, 50.0)
    assert rollups_check(program_2).differences == []
