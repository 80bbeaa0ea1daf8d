"""The offices' course selection page (选课情况) once an institution is out where teachers are:
a selected, unfinished course of it counts only what it already earned, as on the teacher's own
page (selectors.selected_hours), so a school's complete selections drop and the teachers it
leaves short are listed, saying why (所选课程机构已退出). A course finished before the exit
still counts in full; an exit elsewhere changes nothing; lifting a suspension restores the counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.evaluators import today
from tisheng.institutions.services import exit as svc
from tisheng.jobs.services import jobs_run_pending
from tisheng.learning.models import CourseSelection
from tisheng.learning.tests.factories import contract, course, enroll, institution
from tisheng.ledger.services import ledger_credit
from tisheng.people.tests.factories import TeacherFactory

STOPPED_BADGE = 'data-testid="credit-stopped"'


class Offer:
    pass


@pytest.fixture
def offer(world, program_1):
    """Program 1 asks for 50 online 学时. Institution A's course A (30) and institution B's course
    B (20) and D (30), contracted province-wide. In county A: 林晓燕 selected A (finished and
    credited before any exit) and B; 陈志强 selected A (unfinished) and B; 黄丽华 nothing; the
    kindergarten's teacher B and D. In county B, the outsider's teacher selected A and B."""
    o = Offer()
    o.inst_a, _ = institution(world, "INSTA", "闽江教育培训中心", "13600000011")
    o.inst_b, _ = institution(world, "INSTB", "海西教师研修院", "13600000012")
    contract(program_1, o.inst_a, world.province)
    contract(program_1, o.inst_b, world.province)
    o.course_a = course(program_1, o.inst_a, "A1", hours="30")
    o.course_b = course(program_1, o.inst_b, "B1", hours="20")
    o.course_d = course(program_1, o.inst_b, "D1", hours="30")
    enroll(program_1, *world.teachers_a, world.teacher_a2, world.teacher_b)
    o.finished, o.unfinished, o.idle = world.teachers_a
    for teacher, courses in ((o.finished, (o.course_a, o.course_b)), (o.unfinished, (o.course_a, o.course_b)),
                             (world.teacher_a2, (o.course_b, o.course_d)),
                             (world.teacher_b, (o.course_a, o.course_b))):
        select(program_1, teacher, *courses)
    ledger_credit(teacher=o.finished, program=program_1, category="online", hours=Decimal("30"), source_kind="course",
                  source_id=str(o.course_a.pk), granted_by_system="playback",
                  at=timezone.now() - dt.timedelta(days=5))
    return o


def select(program, teacher, *courses) -> None:
    for c in courses:
        CourseSelection.objects.create(teacher=teacher, program=program, course=c,
                                       selected_at=timezone.now() - dt.timedelta(days=10))


def decide(world, institution, *, regions=()):
    decision = svc.exit_decide(actor=world.province_officer, province=world.province, institution=institution,
                               kind="suspend", regions=list(regions), reason="课程质量抽查不合格",
                               effective_on=today())
    jobs_run_pending(kinds=[svc.EXIT_APPLY_JOB])
    return decision


def status(client, officer, program, **params):
    client.force_login(officer)
    return client.get(reverse("learning:selection_status"), {"program": program.pk, **params})


def counts(response) -> dict[str, tuple[int, int, int]]:
    return {s["school__code"]: (s["enrolled"], s["complete"], s["missing"]) for s in response.context["schools"]}


def listed(response) -> dict[str, Decimal]:
    return {e.teacher.name: e.selected for e in response.context["page"]}


def test_an_exit_leaves_a_teachers_unfinished_course_out_of_the_countys_complete_selections(
        client, world, program_1, offer):
    before = status(client, world.county_officer, program_1)
    assert counts(before)[world.school_a.code] == (3, 2, 1)
    assert listed(before) == {offer.idle.name: Decimal(0)}
    assert STOPPED_BADGE not in before.content.decode()

    decide(world, offer.inst_a)
    after = status(client, world.county_officer, program_1)

    assert counts(after)[world.school_a.code] == (3, 1, 2)
    assert counts(after)[world.school_a2.code] == (1, 1, 0)  # B and D: institution B is still in
    assert listed(after) == {offer.unfinished.name: Decimal(20), offer.idle.name: Decimal(0)}
    page = after.content.decode()
    assert page.count(STOPPED_BADGE) == 1
    row = page[page.index(offer.unfinished.name):]
    assert row.index("所选课程机构已退出") < row.index("</tr>")


def test_a_course_finished_before_the_exit_still_counts_in_full(client, world, program_1, offer):
    decide(world, offer.inst_a)

    response = status(client, world.county_officer, program_1)

    assert offer.finished.name not in listed(response)
    assert counts(response)[world.school_a.code][1] == 1  # 林晓燕: A finished (30) + B (20)


def test_the_hours_carried_over_count_and_the_rest_does_not(client, world, program_1, offer):
    ledger_credit(teacher=offer.unfinished, program=program_1, category="online", hours=Decimal("12"),
                  source_kind="exit_carry_over", source_id=str(offer.course_a.pk), granted_by_system="exit",
                  at=timezone.now())
    decide(world, offer.inst_a)

    assert listed(status(client, world.county_officer, program_1))[offer.unfinished.name] == Decimal(32)


def test_an_exit_in_another_region_leaves_the_county_as_it_was(client, world, program_1, offer):
    decide(world, offer.inst_a, regions=[world.city_b])

    response = status(client, world.county_officer, program_1)
    assert counts(response)[world.school_a.code] == (3, 2, 1)
    assert STOPPED_BADGE not in response.content.decode()
    # Where it is in effect, the outsider's county sees its teacher short.
    outside = status(client, world.outsider, program_1)
    assert counts(outside) == {world.school_b.code: (1, 0, 1)}
    assert listed(outside) == {world.teacher_b.name: Decimal(20)}


def test_lifting_the_suspension_restores_the_complete_selections(client, world, program_1, offer):
    decision = decide(world, offer.inst_a)
    svc.exit_lift(actor=world.province_officer, decision=decision)

    response = status(client, world.county_officer, program_1)
    assert counts(response)[world.school_a.code] == (3, 2, 1)
    assert STOPPED_BADGE not in response.content.decode()


def test_the_api_gives_the_same_per_school_counts(client, world, program_1, offer):
    decide(world, offer.inst_a)
    client.force_login(world.county_officer)

    body = client.get("/api/v1/learning/selection-status", {"program": program_1.pk}).json()

    school = next(s for s in body if s["school_code"] == world.school_a.code)
    assert (school["enrolled"], school["complete"], school["missing"]) == (3, 1, 2)


def test_another_countys_office_gets_404_for_a_school_of_county_a(client, world, program_1, offer):
    decide(world, offer.inst_a)

    assert status(client, world.outsider, program_1, school=world.school_a.pk).status_code == 404
    own = status(client, world.county_officer, program_1, school=world.school_a.pk)
    assert set(listed(own)) == {offer.unfinished.name, offer.idle.name}


def test_the_page_takes_the_same_queries_for_more_teachers_short_because_of_an_exit(
        client, world, program_1, offer):
    status(client, world.county_officer, program_1)
    with CaptureQueriesContext(connection) as no_exit:
        status(client, world.county_officer, program_1)
    decide(world, offer.inst_a)
    with CaptureQueriesContext(connection) as few:
        status(client, world.county_officer, program_1)
    extra = [TeacherFactory(school=world.school_a2, name=f"新{i}") for i in range(4)]
    enroll(program_1, *extra)
    for teacher in extra:
        select(program_1, teacher, offer.course_a, offer.course_b)
    with CaptureQueriesContext(connection) as many:
        response = status(client, world.county_officer, program_1)

    assert len(many) == len(few) <= len(no_exit) + 2  # the stop areas, asked by the summary and the list
    assert counts(response)[world.school_a2.code] == (5, 1, 4)


def test_the_office_counts_each_teacher_as_their_own_page_does(world, program_1, offer):
    from tisheng.learning import selectors

    ledger_credit(teacher=offer.unfinished, program=program_1, category="online", hours=Decimal("5"),
                  source_kind="exit_carry_over", source_id=str(offer.course_a.pk), granted_by_system="exit",
                  at=timezone.now())
    decide(world, offer.inst_a, regions=[world.county_a])

    office = {e.teacher_id: e.selected for e in selectors.enrollments_with_selection(world.province_officer, program_1)}
    own = {t.pk: selectors.selected_hours(selectors.selections_of(t, program_1), t)
           for t in (*world.teachers_a, world.teacher_a2, world.teacher_b)}
    assert office == own
    assert own[offer.unfinished.pk] == Decimal(25)
    assert own[world.teacher_b.pk] == Decimal(50)  # county B: the exit is not in effect there
