from decimal import Decimal

from django.urls import reverse

from tisheng.home.tests.conftest import RETURN_REASON
from tisheng.home.tests.helpers import count, home, section
from tisheng.learning.models import CourseSelection
from tisheng.playback.models import PlaybackSession
from tisheng.practice import services as practice_services
from tisheng.practice.models import PointChoice, SchoolPlan
from tisheng.practice.tests.conftest import approve_plan, upload_for
from tisheng.programs.models import Enrollment


def test_a_teacher_sees_the_program_with_hours_what_is_left_and_the_days_to_the_deadline(
        client, world, day, program_2, monkeypatch):
    import datetime as dt

    from tisheng.home.selectors import teacher as teacher_selectors

    monkeypatch.setattr(teacher_selectors, "today", lambda: dt.date(2029, 8, 1))
    enrollment = Enrollment.objects.get(program=program_2, teacher=world.teacher)

    page = section(home(client, world.teacher.user), "teacher")

    assert "提升工程2.0" in page
    assert "已获 12 / 50 学时（24%）" in page
    assert enrollment.explanation.startswith("还差")
    assert enrollment.explanation in page  # the completion evaluation's own words
    assert "距截止还有 30 天（截止日期 2029-08-31）" in page
    assert 'class="program-deadline warn"' in page  # 30 days with work left


def test_the_next_lesson_is_the_first_unfinished_one_with_a_continue_button(client, world, day):
    first = day.lessons.order_by("order").first()

    page = section(home(client, world.teacher.user), "teacher")

    assert "继续学习" in page
    assert "下一讲：第1讲" in page
    assert reverse("playback:lesson", args=[first.pk]) in page


def test_the_next_lesson_is_the_one_last_played_while_it_is_unfinished(client, world, day, program_2):
    second = day.lessons.get(order=2)
    PlaybackSession.objects.create(token="t1", user=world.teacher.user, teacher=world.teacher, lesson=second,
                                   course=day, program=program_2, started_ts=1.0, last_beat_ts=2.0,
                                   duration_seconds=600, coverage_required=0.95, max_rate=1.5,
                                   daily_cap_seconds=28800, lesson_seconds=120, day=20261206)

    page = section(home(client, world.teacher.user), "teacher")

    assert "下一讲：第2讲" in page
    assert reverse("playback:lesson", args=[second.pk]) in page


def test_a_teacher_who_chose_no_course_is_sent_to_the_catalogue(client, world, day, program_2):
    CourseSelection.objects.filter(teacher=world.teacher).delete()

    page = section(home(client, world.teacher.user), "teacher")

    assert "去选课" in page
    assert f'{reverse("learning:catalogue")}?program={program_2.pk}' in page
    assert "继续学习" not in page


def test_a_returned_teacher_reads_why(client, world, day):
    page = section(home(client, world.teachers_a[2].user), "teacher")

    assert "您的结业审核被退回" in page
    assert RETURN_REASON in page
    assert reverse("review:mine") in page


def test_practice_items_to_submit_and_to_submit_again_show_the_graders_comment(client, world, day, program_2):
    practice_services.catalogue_load()
    SchoolPlan.objects.filter(school=world.school_a).delete()  # the day's plan waits for the county
    approve_plan(world, program_2)
    practice_services.choices_save(actor=world.teacher.user, teacher=world.teacher, program=program_2,
                                   point_codes=["A1", "A5", "A10"])
    choices = PointChoice.objects.select_related("point_version").filter(program=program_2, teacher=world.teacher)
    all_tasks = [t for c in choices for t in c.point_version.tasks.all()]
    tasks = [t for t in all_tasks if t.point_version.point.code == "A1"]
    submission = practice_services.submission_upload(actor=world.teacher.user, teacher=world.teacher,
                                                     program=program_2, task=tasks[0], upload=upload_for(tasks[0]))
    practice_services.review_team(actor=world.principal, submission=submission, grade="fail",
                                  comment="教学设计缺少学情分析数据")

    page = section(home(client, world.teacher.user), "teacher")

    assert count(page, "choose-points") == 0  # 3 needed, 3 chosen: quiet
    assert count(page, "evidence-todo") == len(all_tasks) - 1
    assert count(page, "evidence-redo") == 1
    assert "教学设计缺少学情分析数据" in page
    assert f'{reverse("practice:my")}?program={program_2.code}' in page


def test_an_item_that_used_all_its_submissions_is_not_asked_again(client, world, day, program_2):
    rules = dict(program_2.rules)
    rules["micro_abilities"] = {**rules["micro_abilities"], "max_attempts": 1}
    program_2.rules = rules
    program_2.save(update_fields=["rules"])
    practice_services.catalogue_load()
    SchoolPlan.objects.filter(school=world.school_a).delete()
    approve_plan(world, program_2)
    practice_services.choices_save(actor=world.teacher.user, teacher=world.teacher, program=program_2,
                                   point_codes=["A1", "A5", "A10"])
    task = next(t for c in PointChoice.objects.select_related("point_version").filter(program=program_2,
                                                                                        teacher=world.teacher)
                for t in c.point_version.tasks.all() if t.point_version.point.code == "A1")
    submission = practice_services.submission_upload(actor=world.teacher.user, teacher=world.teacher,
                                                     program=program_2, task=task, upload=upload_for(task))
    practice_services.review_team(actor=world.principal, submission=submission, grade="fail", comment="不合格")

    page = section(home(client, world.teacher.user), "teacher")

    assert count(page, "evidence-redo") == 0  # its one submission is used: nothing left to redo


def test_quiet_items_stay_on_the_page_as_done(client, world, day):
    page = section(home(client, world.teacher.user), "teacher")

    assert count(page, "declarations-pending") == 0
    assert "没有待办" in page
    assert count(page, "certificates") == 0


def test_a_teacher_with_every_hour_sees_the_full_count(client, world, day, program_2):
    from tisheng.ledger.services import ledger_credit

    ledger_credit(teacher=world.teacher, program=program_2, category="practice", hours=Decimal("38"),
                  source_kind="course", source_id="home-test-2", granted_by_system="video")

    page = section(home(client, world.teacher.user), "teacher")

    assert "已获 50 / 50 学时（100%）" in page
