"""Assignments: the tutor sets one with a rubric and a deadline, teachers submit text or a file
(checked like evidence), the tutor grades; a pass credits the hours once through the ledger under
the rule's cap; grades and excellent work are visible to the class; outsiders get 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.communities import services_assignments as services
from tisheng.communities.models import Assignment, AssignmentSubmission, HoursRule
from tisheng.communities.tests.factories import classes_world, formed_class
from tisheng.ledger.models import LedgerEntry
from tisheng.notifications.models import Notification
from tisheng.practice.services.evidence import small_pdf

pytestmark = pytest.mark.django_db

RUBRIC = "教学设计完整 | 40\n技术运用恰当 | 40\n反思深入 | 20"


@pytest.fixture
def s(world, program_2, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    setup = classes_world(world, program_2)
    setup.study_class = formed_class(world, setup)
    return setup


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _assignment(s, hours="2") -> Assignment:
    return services.assignment_create(actor=s.tutor, study_class=s.study_class, title="一节课的教学设计",
                                      instructions="提交一节课的教学设计，说明技术如何支持学习。", rubric_text=RUBRIC,
                                      due_at=timezone.now() + dt.timedelta(days=7), hours=hours)


def test_the_tutor_sets_an_assignment_and_the_class_is_told(client, world, s):
    client.force_login(s.tutor)
    due = (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("communities:assignment_create", args=[s.study_class.pk]), {
        "title": "教学设计", "instructions": "写一份教学设计", "rubric": RUBRIC, "due_at": due, "hours": "2"},
        follow=True)
    assert "作业已布置，已通知全班教师。" in _messages(response)
    assignment = Assignment.objects.get()
    assert assignment.max_points == 100
    assert Notification.objects.filter(title=f"{s.study_class.name}新作业：教学设计").count() == 4
    response = client.post(reverse("communities:assignment_create", args=[s.study_class.pk]), {
        "title": "坏量规", "instructions": "x", "rubric": "没有分值", "due_at": due}, follow=True)
    assert str(services.RUBRIC_INVALID) in _messages(response)
    assert Assignment.objects.count() == 1


def test_a_teacher_submits_text_and_a_pdf_and_a_disguised_file_is_refused(client, world, s):
    assignment = _assignment(s)
    client.force_login(world.teacher.user)
    url = reverse("communities:assignment_detail", args=[assignment.pk])
    fake = SimpleUploadedFile("设计.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf")
    response = client.post(url, {"text": "我的设计", "file": fake}, follow=True)
    assert "文件" in " ".join(_messages(response))
    assert not AssignmentSubmission.objects.exists()
    pdf = SimpleUploadedFile("设计.pdf", small_pdf("设计"), content_type="application/pdf")
    response = client.post(url, {"text": "我的设计：用希沃白板组织小组讨论", "file": pdf}, follow=True)
    assert "作业已提交。" in _messages(response)
    submission = AssignmentSubmission.objects.get()
    assert submission.content_type == "application/pdf"
    assert not submission.late
    assert client.get(reverse("communities:submission_file", args=[submission.pk])).status_code == 200


def test_a_pass_credits_the_hours_once_under_the_cap_and_a_regrade_to_a_fail_reverses_them(client, world, s):
    HoursRule.objects.create(program=s.program, category="online", assignment_cap=Decimal("3"))
    first, second = _assignment(s, hours="2"), _assignment(s, hours="2")
    for assignment in (first, second):
        services.submission_save(actor=world.teacher.user, assignment=assignment, teacher=world.teacher, text="作品")
    client.force_login(s.tutor)
    sub = AssignmentSubmission.objects.get(assignment=first)
    response = client.post(reverse("communities:submission_detail", args=[sub.pk]), {
        "score-0": "36", "score-1": "35", "score-2": "15", "comment": "设计清楚", "excellent": "1"}, follow=True)
    assert "评分已保存，已通知该教师。" in _messages(response)
    sub.refresh_from_db()
    assert (sub.total, sub.passed, sub.excellent) == (86, True, True)
    assert Notification.objects.filter(recipient=world.teacher.user, title="作业已评分：一节课的教学设计",
                                       body__contains="计入2学时").exists()
    # The same grade again credits nothing more; the second pass reaches the cap of 3.
    services.submission_grade(actor=s.tutor, submission=sub, scores={"教学设计完整": 36, "技术运用恰当": 35, "反思深入": 15})
    services.submission_grade(actor=s.tutor, submission=AssignmentSubmission.objects.get(assignment=second),
                              scores={"教学设计完整": 30, "技术运用恰当": 30, "反思深入": 10})
    entries = LedgerEntry.objects.filter(teacher=world.teacher, source_kind=services.SOURCE_KIND)
    assert sorted(e.hours for e in entries) == [Decimal("1.00"), Decimal("2.00")]
    services.submission_grade(actor=s.tutor, submission=sub, scores={"教学设计完整": 10, "技术运用恰当": 10, "反思深入": 5})
    assert sum(e.hours for e in LedgerEntry.objects.filter(teacher=world.teacher,
                                                           source_kind=services.SOURCE_KIND)) == Decimal("1.00")
    response = client.post(reverse("communities:submission_detail", args=[sub.pk]), {
        "score-0": "41", "score-1": "0", "score-2": "0"}, follow=True)
    assert str(services.SCORE_INVALID) in _messages(response)
    assert AuditLog.objects.filter(action="communities.assignment_grade").count() == 4


def test_grades_and_excellent_work_are_visible_to_the_class_and_outsiders_get_404(client, world, s):
    assignment = _assignment(s)
    services.submission_save(actor=world.teacher.user, assignment=assignment, teacher=world.teacher,
                             text="优秀的设计全文")
    sub = AssignmentSubmission.objects.get()
    services.submission_grade(actor=s.tutor, submission=sub, scores={"教学设计完整": 38, "技术运用恰当": 38,
                                                                     "反思深入": 18}, excellent=True)
    classmate = world.teachers_a[2].user
    client.force_login(classmate)
    page = client.get(reverse("communities:assignment_detail", args=[assignment.pk])).content.decode()
    assert "优秀的设计全文" in page
    assert 'data-testid="class-grades"' in page
    assert client.get(reverse("communities:submission_detail", args=[sub.pk])).status_code == 200
    assert client.post(reverse("communities:submission_detail", args=[sub.pk]), {"score-0": "0"}).status_code == 403
    for user in (world.outsider, s.other_tutor, world.teacher_b.user):
        client.force_login(user)
        for url in (reverse("communities:assignment_detail", args=[assignment.pk]),
                    reverse("communities:submission_detail", args=[sub.pk]),
                    reverse("communities:submission_file", args=[sub.pk])):
            assert client.get(url).status_code == 404, (user, url)


def test_late_work_is_taken_and_marked_and_graded_work_cannot_be_replaced(world, s):
    assignment = _assignment(s)
    Assignment.objects.filter(pk=assignment.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assignment.refresh_from_db()
    sub = services.submission_save(actor=world.teacher.user, assignment=assignment, teacher=world.teacher,
                                   text="迟交")
    assert sub.late
    services.submission_grade(actor=s.tutor, submission=sub, scores={"教学设计完整": 30, "技术运用恰当": 30,
                                                                     "反思深入": 10})
    with pytest.raises(Exception, match="已评分"):
        services.submission_save(actor=world.teacher.user, assignment=assignment, teacher=world.teacher, text="再交")


def test_a_day_before_the_deadline_those_who_have_not_submitted_are_reminded_once(world, s):
    assignment = _assignment(s)
    services.submission_save(actor=world.teacher.user, assignment=assignment, teacher=world.teacher, text="已交")
    Assignment.objects.filter(pk=assignment.pk).update(due_at=timezone.now() + dt.timedelta(hours=20))
    assert services.assignment_deadlines_remind() == 3
    assert services.assignment_deadlines_remind() == 0
    reminded = set(Notification.objects.filter(title="作业即将截止：一节课的教学设计").values_list("recipient", flat=True))
    assert world.teacher.user_id not in reminded
    assert len(reminded) == 3
