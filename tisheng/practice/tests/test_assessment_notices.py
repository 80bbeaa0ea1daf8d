"""The teacher is told when a practice point is decided (its result, the hours, the assessors'
comments) or returned (with the reason), with a link to their practice page."""

import pytest

from tisheng.notifications.models import Kind, Notification
from tisheng.practice import services
from tisheng.practice.models import Grade
from tisheng.practice.tests.conftest import point, submit_point

pytestmark = pytest.mark.django_db


def grade_all(submissions, assessor, grade, comment=""):
    for s in submissions:
        services.review_team(actor=assessor, submission=s, grade=grade, comment=comment)


def test_a_passed_point_tells_the_teacher_the_result_and_hours(world, program_2, chosen, assessor):
    grade_all(submit_point(world, program_2, "A1"), assessor, Grade.PASS, "教学设计与信息技术融合较好")
    services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"))
    note = Notification.objects.get(recipient=world.teacher.user)
    assert note.kind == Kind.PRACTICE_GRADED
    assert "A1" in note.title
    assert "合格" in note.title
    assert "已计入实践学时 5 学时" in note.body
    assert "考核组评语：教学设计与信息技术融合较好" in note.body
    assert note.url == f"/practice/my/?program={program_2.pk}"


def test_a_failed_point_tells_the_teacher_the_assessors_comments(world, program_2, chosen, assessor):
    grade_all(submit_point(world, program_2, "A5"), assessor, Grade.FAIL, "课堂实录未体现学生活动，对照量规第2条")
    services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A5"))
    note = Notification.objects.get(recipient=world.teacher.user, kind=Kind.PRACTICE_GRADED)
    assert "不合格" in note.title
    assert "本次不计学时" in note.body
    assert "课堂实录未体现学生活动，对照量规第2条" in note.body


def test_a_returned_point_tells_the_teacher_the_reason(world, program_2, chosen, assessor):
    grade_all(submit_point(world, program_2, "A1"), assessor, Grade.PASS)
    result = services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"))
    Notification.objects.all().delete()
    services.point_result_return(result, actor=world.county_officer, reason="报告与方案不符")
    note = Notification.objects.get(recipient=world.teacher.user)
    assert note.kind == Kind.PRACTICE_RETURNED
    assert note.title == "校本实践成果被退回：A1"
    assert "原因：报告与方案不符" in note.body
    assert "实践学时已撤销" in note.body


def test_nobody_else_is_told(world, program_2, chosen, assessor):
    grade_all(submit_point(world, program_2, "A1"), assessor, Grade.PASS)
    services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"))
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [world.teacher.user_id]


def test_an_item_graded_fail_tells_the_teacher_to_revise_it_with_the_comment(world, program_2, chosen, assessor):
    submission = submit_point(world, program_2, "A5")[0]
    services.review_team(actor=assessor, submission=submission, grade=Grade.FAIL, comment="未附课堂实录，请补充")
    note = Notification.objects.get(recipient=world.teacher.user)
    assert note.kind == Kind.PRACTICE_RETURNED
    assert note.title == f"实践成果需修改：A5 {submission.task.title}"
    assert "评语：未附课堂实录，请补充" in note.body
    assert note.url == f"/practice/my/?program={program_2.pk}"


def test_an_item_graded_pass_tells_no_one_until_the_point_is_decided(world, program_2, chosen, assessor):
    services.review_team(actor=assessor, submission=submit_point(world, program_2, "A1")[0], grade=Grade.PASS)
    assert not Notification.objects.exists()
