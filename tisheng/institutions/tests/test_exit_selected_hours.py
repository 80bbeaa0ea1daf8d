"""What a teacher's selected hours (已选学时) say once an institution is out where the teacher
is: its unfinished courses leave the total except for what they already earned, and the
course selection page lists them apart as no longer earning hours, so the teacher chooses
another course. A course finished before stays counted in full."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tisheng.accounts.evaluators import today
from tisheng.institutions.services import exit as svc
from tisheng.jobs.services import jobs_run_pending
from tisheng.playback.models import LessonCompletion
from tisheng.programs.rules import FUJIAN_2015


def _decide(world, institution, *, kind="suspend", regions=()):
    svc.exit_decide(actor=world.province_officer, province=world.province, institution=institution, kind=kind,
                    regions=list(regions), reason="课程质量抽查不合格", effective_on=today())
    jobs_run_pending(kinds=[svc.EXIT_APPLY_JOB])


def _catalogue(client, served, teacher) -> str:
    client.force_login(teacher.user)
    return client.get(reverse("learning:catalogue") + f"?program={served.program.pk}").content.decode()


def _total(page: str) -> str:
    start = page.index('data-testid="selection-total">')
    return page[start:page.index("</p>", start)]


def test_an_unfinished_course_of_a_suspended_institution_leaves_the_selected_hours(client, world, served):
    teacher = served.teachers[0]  # A1 (10, finished) and B1 (6, unfinished)
    assert "已选 16 学时" in _total(_catalogue(client, served, teacher))
    _decide(world, served.inst_b)
    page = _catalogue(client, served, teacher)
    assert "已选 10 学时" in _total(page)
    assert 'data-testid="selection-stopped"' in page
    assert "《微课设计与制作》（海西教师研修院）不再认定学时" in page
    assert "请在下方目录中另选课程" in page
    assert 'data-testid="counted-hours">0<' in page


def test_a_course_finished_before_its_institution_left_still_counts_in_full(client, world, served):
    teacher = served.teachers[0]
    _decide(world, served.inst_a)  # A1 was finished and credited before
    page = _catalogue(client, served, teacher)
    assert "已选 16 学时" in _total(page)
    assert 'data-testid="selection-stopped"' not in page
    assert 'data-testid="credit-stopped-badge"' not in page


def test_the_hours_carried_over_on_a_termination_count_and_the_rest_does_not(client, world, served):
    teacher = served.teachers[0]
    lesson = served.course_b.lessons.order_by("order").first()
    lesson.duration_seconds = 90 * 60  # 2 hours at 45 minutes an hour
    lesson.save()
    LessonCompletion.objects.create(teacher=teacher, lesson=lesson, course=served.course_b)
    served.program.rules = {**FUJIAN_2015, "exit_carry_over": {"completed_lessons": True}}
    served.program.save()
    _decide(world, served.inst_b, kind="terminate")
    page = _catalogue(client, served, teacher)
    assert "已选 12 学时" in _total(page)
    assert 'data-testid="counted-hours">2<' in page


def test_an_exit_in_another_region_changes_nothing_for_the_teacher(client, world, served):
    _decide(world, served.inst_b, regions=[world.city_b])
    page = _catalogue(client, served, served.teachers[0])
    assert "已选 16 学时" in _total(page)
    assert 'data-testid="selection-stopped"' not in page


def test_the_api_gives_the_same_selected_hours(client, world, served, password):
    teacher = served.teachers[0]
    _decide(world, served.inst_b)
    client.login(username=teacher.user.phone, password=password)
    body = client.get("/api/v1/learning/selection", {"program": served.program.pk}).json()
    assert Decimal(str(body["selected_hours"])) == Decimal("10")
    stopped = {s["course_id"]: (s["credit_stopped"], Decimal(str(s["counted_hours"]))) for s in body["selections"]}
    assert stopped == {served.course_a.pk: (False, Decimal("10")), served.course_b.pk: (True, Decimal("0"))}


def test_the_selection_page_costs_one_more_query_when_a_course_stops(client, world, served,
                                                                     django_assert_max_num_queries):
    """The ledger's earned hours of the stopped courses, read at once, whatever their number."""
    teacher = served.teachers[0]
    client.force_login(teacher.user)
    url = reverse("learning:catalogue") + f"?program={served.program.pk}"
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    _decide(world, served.inst_b)
    with django_assert_max_num_queries(len(before.captured_queries) + 1):
        client.get(url)
