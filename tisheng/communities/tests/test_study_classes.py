"""Study classes: an institution forms them within its contracts, assigns its tutors; the tutor
follows progress, reminds, announces and issues bulletins; members see their class; everyone
else gets 404."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.communities import services
from tisheng.communities.models import ClassMember, StudyClass
from tisheng.communities.tests.factories import classes_world, formed_class
from tisheng.learning.models import CourseSelection
from tisheng.learning.tests.factories import course, enroll
from tisheng.notifications.models import Notification
from tisheng.people.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(world, program_2):
    return classes_world(world, program_2)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_institution_forms_a_class_of_the_enrolled_teachers_of_its_contract_county(client, world, s):
    client.force_login(s.manager)
    response = client.post(reverse("communities:class_create"), {
        "organization": s.org.pk, "program": s.program.pk, "name": "鼓楼区2.0研修一班", "basis": "county",
        "region": world.county_a.pk, "school": "", "subject": "", "add_enrolled": "1"}, follow=True)
    study_class = StudyClass.objects.get()
    assert "已组建班级，加入 4 名教师。" in _messages(response)
    assert {m.teacher_id for m in study_class.members.all()} == {t.pk for t in [*world.teachers_a, world.teacher_a2]}
    assert AuditLog.objects.filter(action="communities.class_create").count() == 1


def test_a_class_outside_the_institutions_contracts_is_refused(client, world, s):
    client.force_login(s.manager)
    response = client.post(reverse("communities:class_create"), {
        "organization": s.org.pk, "program": s.program.pk, "name": "思明班", "region": world.county_b.pk,
        "add_enrolled": "1"}, follow=True)
    assert not StudyClass.objects.exists()
    assert str(services.REGION_OUTSIDE_CONTRACTS) in _messages(response)
    with pytest.raises(Exception, match="不得在此地区"):
        services.class_create(actor=s.manager, organization=s.org, program=s.program, region=world.county_b,
                              name="思明班")


def test_a_class_by_school_takes_only_that_schools_teachers_and_no_one_is_in_two_classes(world, s):
    by_school, added = services.class_create(actor=s.manager, organization=s.org, program=s.program,
                                             region=world.county_a, name="一小班", basis="school",
                                             school=world.school_a)
    assert added == 3
    rest, added = services.class_create(actor=s.manager, organization=s.org, program=s.program,
                                        region=world.county_a, name="全区班")
    assert added == 1
    assert list(rest.members.values_list("teacher_id", flat=True)) == [world.teacher_a2.pk]


def test_the_tutor_sees_started_hours_idle_days_and_practice_with_a_constant_query_count(client, world, s):
    study_class = formed_class(world, s)
    c = course(s.program, s.org, "C1")
    long_ago = timezone.now() - dt.timedelta(days=12)
    CourseSelection.objects.create(teacher=world.teachers_a[0], program=s.program, course=c, started_at=long_ago)
    s.enrollments[0].online_hours = Decimal("12.5")
    s.enrollments[0].save()
    client.force_login(s.tutor)
    url = reverse("communities:class_detail", args=[study_class.pk])
    client.get(url)  # the first request after logging in also touches the session
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    page = response.content.decode()
    assert "林晓燕" in page
    assert "12.5" in page
    assert "12 天未学习" in page
    assert "未开始" in page
    more = [TeacherFactory(school=world.school_a, name=f"新教师{i}") for i in range(5)]
    enroll(s.program, *more)
    services.members_add_enrolled(actor=s.manager, study_class=study_class)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count('data-testid="member-row"') == 9
    assert len(many) == len(few)


def test_the_tutor_reminds_the_idle_and_one_teacher_and_they_are_notified(client, world, s):
    study_class = formed_class(world, s)
    client.force_login(s.tutor)
    response = client.post(reverse("communities:remind", args=[study_class.pk]),
                           {"text": "请本周完成第一门课程", "who": "idle"}, follow=True)
    assert "已向 4 名教师发送提醒。" in _messages(response)
    assert Notification.objects.filter(kind="reminder", body="请本周完成第一门课程").count() == 4
    member = study_class.members.get(teacher=world.teacher)
    response = client.post(reverse("communities:remind", args=[study_class.pk]),
                           {"text": "林老师请加油", "member": member.pk}, follow=True)
    assert "已向 1 名教师发送提醒。" in _messages(response)
    assert Notification.objects.get(body="林老师请加油").recipient == world.teacher.user
    response = client.post(reverse("communities:remind", args=[study_class.pk]), {"text": "  "}, follow=True)
    assert str(services.TEXT_REQUIRED) in _messages(response)


def test_an_announcement_reaches_the_members_who_see_it_but_not_each_others_progress(client, world, s):
    study_class = formed_class(world, s)
    client.force_login(s.tutor)
    client.post(reverse("communities:announce", args=[study_class.pk]),
                {"title": "第一次集中研修", "body": "周六上午九点线上见面会"})
    assert Notification.objects.filter(title="鼓楼区2.0研修一班公告：第一次集中研修").count() == 4
    client.force_login(world.teacher.user)
    page = client.get(reverse("communities:class_detail", args=[study_class.pk])).content.decode()
    assert "周六上午九点线上见面会" in page
    assert "陈辅导" in page
    assert 'data-testid="member-table"' not in page
    assert client.post(reverse("communities:remind", args=[study_class.pk]), {"text": "x"}).status_code == 403


def test_the_tutor_issues_a_bulletin_as_a_page_and_a_pdf(client, world, s):
    from pypdf import PdfReader

    study_class = formed_class(world, s)
    client.force_login(s.tutor)
    response = client.post(reverse("communities:bulletin_issue", args=[study_class.pk]),
                           {"text": "本周大家进步明显。<script>x</script>"}, follow=True)
    assert "班级简报已发布。" in _messages(response)
    page = response.content.decode()
    assert "共有学员 4 人" in page
    assert "本周大家进步明显" in page
    assert "<script>x" not in page
    bulletin = study_class.bulletins.get()
    pdf = client.get(reverse("communities:bulletin_pdf", args=[bulletin.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "班级简报" in text
    assert Notification.objects.filter(title=bulletin.title).count() == 4


def test_the_manager_assigns_only_its_own_tutors_and_the_tutor_is_told(client, world, s):
    study_class = formed_class(world, s, tutor=False)
    client.force_login(s.manager)
    response = client.post(reverse("communities:tutor_assign", args=[study_class.pk]), {"user": s.tutor.pk},
                           follow=True)
    assert "已指定辅导教师，并已通知本人。" in _messages(response)
    assert Notification.objects.filter(recipient=s.tutor, title__contains="辅导教师").exists()
    response = client.post(reverse("communities:tutor_assign", args=[study_class.pk]),
                           {"user": world.county_officer.pk}, follow=True)
    assert str(services.NOT_A_TUTOR) in _messages(response)
    assert list(study_class.tutors.values_list("user_id", flat=True)) == [s.tutor.pk]


def test_the_county_office_sees_its_classes_and_an_outsider_or_another_tutor_gets_404(client, world, s):
    study_class = formed_class(world, s)
    bulletin = services.bulletin_issue(actor=s.tutor, study_class=study_class)
    client.force_login(world.county_officer)
    page = client.get(reverse("communities:class_detail", args=[study_class.pk])).content.decode()
    assert 'data-testid="member-table"' in page
    urls = [reverse("communities:class_detail", args=[study_class.pk]),
            reverse("communities:bulletin_detail", args=[bulletin.pk]),
            reverse("communities:bulletin_pdf", args=[bulletin.pk])]
    for user in (world.outsider, s.other_tutor, world.teacher_b.user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(reverse("communities:remind", args=[study_class.pk]), {"text": "x"}).status_code == 404
        assert "鼓楼区2.0研修一班" not in client.get(reverse("communities:class_list")).content.decode()
    assert ClassMember.objects.count() == 4


def test_a_teacher_with_credited_online_hours_counts_as_started_even_without_a_course_start(world, s):
    from tisheng.communities.selectors import class_numbers, member_rows

    study_class = formed_class(world, s)
    s.enrollments[1].online_hours = Decimal("10")
    s.enrollments[1].save()
    rows = {r.teacher_id: r for r in member_rows(study_class)}
    assert rows[world.teachers_a[1].pk].started
    assert class_numbers(study_class, list(rows.values()))["started"] == 1
