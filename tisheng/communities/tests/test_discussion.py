"""Discussion: threads and replies in a class, @mentions notify, replies paged by keyset, the
tutor pins, features and hides (audited, the author told), members report; outsiders get 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.communities import discussion
from tisheng.communities.models import PostReport, Reply, Thread
from tisheng.communities.tests.factories import classes_world, formed_class
from tisheng.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(world, program_2):
    setup = classes_world(world, program_2)
    setup.study_class = formed_class(world, setup)
    return setup


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_teacher_starts_a_thread_and_a_classmate_mentioned_by_name_is_told(client, world, s):
    client.force_login(world.teacher.user)
    response = client.post(reverse("communities:thread_list", args=[s.study_class.pk]), {
        "title": "交互式白板怎么用于低年级？", "topic": "课堂应用", "body": "@陈志强 老师你们学校怎么用的？"}, follow=True)
    assert "主题已发布。" in _messages(response)
    thread = Thread.objects.get()
    assert Notification.objects.filter(recipient=world.teachers_a[1].user,
                                       title=f"{world.teacher.name}在“{thread.title}”中提到了您").exists()
    response = client.post(reverse("communities:thread_detail", args=[thread.pk]),
                           {"body": "我们用来做拖拽分类，@陈辅导 能否推荐资源？"}, follow=True)
    assert "回复已发布。" in _messages(response)
    assert Notification.objects.filter(recipient=s.tutor, title__contains="提到了您").exists()
    thread.refresh_from_db()
    assert thread.reply_count == 1
    page = client.get(reverse("communities:thread_list", args=[s.study_class.pk]) + "?topic=课堂应用")
    assert "交互式白板怎么用于低年级？" in page.content.decode()


def test_replies_come_in_pages_of_fifty_with_a_constant_query_count(client, world, s):
    thread = discussion.thread_create(actor=s.tutor, study_class=s.study_class, title="第一周讨论", body="谈谈体会")
    Reply.objects.bulk_create([Reply(thread=thread, author=world.teacher.user, body=f"第{i}楼") for i in range(120)])
    client.force_login(world.teacher.user)
    url = reverse("communities:thread_detail", args=[thread.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    assert page.count('data-testid="reply"') == 50
    assert "第49楼" in page
    assert "第50楼" not in page
    after = Reply.objects.filter(thread=thread).order_by("id")[99].pk
    with CaptureQueriesContext(connection) as last:
        page = client.get(f"{url}?after={after}").content.decode()
    assert page.count('data-testid="reply"') == 20
    assert 'data-testid="next-replies"' not in page
    assert len(last) == len(first)


def test_posting_a_reply_costs_one_statement_on_postgresql_when_nobody_is_told(world, s):
    """The reply's INSERT and the counter's UPDATE: one statement on PostgreSQL (two elsewhere)."""
    thread = discussion.thread_create(actor=s.tutor, study_class=s.study_class, title="讨论", body="正文")
    discussion.reply_post(actor=world.teacher.user, thread=thread, body="第一条")  # tells the tutor
    with CaptureQueriesContext(connection) as ctx:
        reply = discussion.reply_post(actor=world.teacher.user, thread=thread, body="同意")  # not read yet
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "WITH"))]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2)
    stored = Reply.objects.get(pk=reply.pk)
    assert (stored.thread_id, stored.author_id, stored.body, stored.featured, stored.hidden_reason) == (
        thread.pk, world.teacher.user.pk, "同意", False, "")
    assert stored.created_at == reply.created_at
    thread.refresh_from_db()
    assert (thread.reply_count, thread.last_reply_at) == (2, reply.created_at)
    assert Notification.objects.filter(recipient=s.tutor, title__contains="回复了您的主题").count() == 1


def test_the_tutor_pins_and_hides_with_a_reason_audited_and_the_author_is_told(client, world, s):
    thread = discussion.thread_create(actor=world.teacher.user, study_class=s.study_class, title="广告",
                                      body="正文")
    reply = discussion.reply_post(actor=world.teachers_a[2].user, thread=thread, body="无关广告内容")
    client.force_login(world.teachers_a[1].user)
    response = client.post(reverse("communities:post_report", args=[thread.pk]),
                           {"reply": reply.pk, "reason": "广告"}, follow=True)
    assert "已向辅导教师举报，谢谢。" in _messages(response)
    assert Notification.objects.filter(recipient=s.tutor, title__startswith="讨论区有发言被举报").exists()
    client.force_login(s.tutor)
    client.post(reverse("communities:thread_moderate", args=[thread.pk]), {"action": "pin"})
    response = client.post(reverse("communities:thread_moderate", args=[thread.pk]),
                           {"action": "hide", "reply": reply.pk, "reason": "与研修无关的广告"}, follow=True)
    assert "已隐藏，并已告知发言人原因。" in _messages(response)
    thread.refresh_from_db()
    reply.refresh_from_db()
    assert thread.pinned
    assert reply.hidden_reason == "与研修无关的广告"
    assert not PostReport.objects.filter(resolved=False).exists()
    assert AuditLog.objects.filter(action="communities.post_hide").count() == 1
    assert Notification.objects.filter(recipient=world.teachers_a[2].user, body__contains="与研修无关的广告").exists()
    client.force_login(world.teachers_a[1].user)
    page = client.get(reverse("communities:thread_detail", args=[thread.pk])).content.decode()
    assert "无关广告内容" not in page
    assert client.post(reverse("communities:thread_moderate", args=[thread.pk]), {"action": "pin"}).status_code == 403


def test_people_outside_the_class_get_404_and_an_office_reads_but_does_not_post(client, world, s):
    thread = discussion.thread_create(actor=s.tutor, study_class=s.study_class, title="讨论", body="正文")
    for user in (world.outsider, s.other_tutor, world.teacher_b.user):
        client.force_login(user)
        assert client.get(reverse("communities:thread_list", args=[s.study_class.pk])).status_code == 404
        assert client.get(reverse("communities:thread_detail", args=[thread.pk])).status_code == 404
        assert client.post(reverse("communities:thread_detail", args=[thread.pk]), {"body": "x"}).status_code == 404
        assert client.post(reverse("communities:post_report", args=[thread.pk]), {"reason": "x"}).status_code == 404
    client.force_login(world.county_officer)
    assert client.get(reverse("communities:thread_detail", args=[thread.pk])).status_code == 200
    assert client.post(reverse("communities:thread_detail", args=[thread.pk]), {"body": "x"}).status_code == 403


def _statements(ctx) -> list[str]:
    """The queries a request made, without transaction control (BEGIN, SAVEPOINT, COMMIT)."""
    return [q["sql"] for q in ctx.captured_queries
            if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"))]


def test_the_tutor_and_the_forming_institution_still_moderate_and_post(client, world, s):
    thread = discussion.thread_create(actor=world.teacher.user, study_class=s.study_class, title="讨论", body="正文")
    url = reverse("communities:thread_detail", args=[thread.pk])
    for user in (s.tutor, s.manager):
        client.force_login(user)
        response = client.post(url, {"body": f"{user.name}的回复"}, follow=True)
        assert "回复已发布。" in _messages(response)
        assert 'data-testid="pin"' in response.content.decode()


def test_mentioning_one_or_three_classmates_costs_the_same_queries(client, world, s):
    thread = discussion.thread_create(actor=s.tutor, study_class=s.study_class, title="讨论", body="正文")
    client.force_login(world.teacher.user)
    url = reverse("communities:thread_detail", args=[thread.pk])
    names = [world.teachers_a[1].name, world.teachers_a[2].name, s.tutor.name]
    client.post(url, {"body": "热身"})
    with CaptureQueriesContext(connection) as one:
        client.post(url, {"body": f"@{names[0]} 请看"})
    with CaptureQueriesContext(connection) as three:
        client.post(url, {"body": " ".join(f"@{n}" for n in names) + " 请看"})
    assert Notification.objects.filter(title__contains="提到了您").count() == 4
    assert len(_statements(three)) == len(_statements(one))


def test_a_reply_to_a_class_thread_tells_its_author_with_a_link_to_the_reply(client, world, s):
    author, other = world.teacher.user, world.teachers_a[1].user
    thread = discussion.thread_create(actor=author, study_class=s.study_class, title="白板怎么用", body="请教")
    client.force_login(other)
    client.post(reverse("communities:thread_detail", args=[thread.pk]), {"body": "我们用来做拖拽分类"})
    reply = Reply.objects.get(thread=thread)
    notice = Notification.objects.get(recipient=author)
    assert notice.title == f"{other.name}回复了您的主题“白板怎么用”"
    assert notice.url == reverse("communities:thread_detail", args=[thread.pk]) + f"#reply-{reply.pk}"
    assert notice.body == "我们用来做拖拽分类"


def test_the_author_replying_to_their_own_class_thread_is_not_told(world, s):
    thread = discussion.thread_create(actor=world.teacher.user, study_class=s.study_class, title="讨论", body="正文")
    discussion.reply_post(actor=world.teacher.user, thread=thread, body="补充一点")
    assert not Notification.objects.filter(recipient=world.teacher.user).exists()


def test_an_author_mentioned_in_a_reply_is_told_once_and_a_busy_thread_tells_them_once_while_unread(world, s):
    author = world.teacher.user
    thread = discussion.thread_create(actor=author, study_class=s.study_class, title="讨论", body="正文")
    discussion.reply_post(actor=world.teachers_a[1].user, thread=thread, body=f"@{world.teacher.name} 同意")
    assert Notification.objects.filter(recipient=author).count() == 1
    assert Notification.objects.get(recipient=author).title.endswith("中提到了您")
    Notification.objects.filter(recipient=author).update(read_at=timezone.now())
    discussion.reply_post(actor=world.teachers_a[1].user, thread=thread, body="第二条")
    discussion.reply_post(actor=world.teachers_a[2].user, thread=thread, body="第三条")
    unread = Notification.objects.filter(recipient=author, read_at__isnull=True)
    assert [n.title for n in unread] == [f"{world.teachers_a[1].name}回复了您的主题“讨论”"]
    assert unread[0].url.endswith(f"#reply-{Reply.objects.get(body='第二条').pk}")


def test_a_member_posting_a_reply_through_the_page_costs_four_queries(client, world, s):
    """Session, user, the thread with whether the poster may post in it (and whether its author
    already has an unread notice of replies), the reply's statement (on PostgreSQL the INSERT and
    the counter's UPDATE in one; elsewhere two). It was seven: the poster's roles and the class
    were read in two more queries."""
    thread = discussion.thread_create(actor=s.tutor, study_class=s.study_class, title="讨论", body="正文")
    client.force_login(world.teacher.user)
    url = reverse("communities:thread_detail", args=[thread.pk])
    client.post(url, {"body": "第一条"})
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"body": "第二条"})
    assert response.status_code == 302
    assert Reply.objects.filter(thread=thread, body="第二条").exists()
    assert len(_statements(ctx)) == (4 if connection.vendor == "postgresql" else 5), "\n".join(_statements(ctx))


def test_a_tutor_whose_role_has_ended_no_longer_opens_the_class_thread(client, world, s):
    thread = discussion.thread_create(actor=world.teacher.user, study_class=s.study_class, title="讨论", body="正文")
    RoleAssignment.objects.filter(user=s.tutor).update(expires_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(s.tutor)
    assert client.get(reverse("communities:thread_detail", args=[thread.pk])).status_code == 404
    assert client.post(reverse("communities:thread_detail", args=[thread.pk]), {"body": "x"}).status_code == 404


def test_a_member_opening_a_thread_sees_its_time_and_pin_as_everyone_else_does(client, world, s):
    thread = discussion.thread_create(actor=s.tutor, study_class=s.study_class, title="讨论", body="正文")
    Thread.objects.filter(pk=thread.pk).update(
        created_at=dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC), pinned=True)
    client.force_login(world.teacher.user)
    page = client.get(reverse("communities:thread_detail", args=[thread.pk])).content.decode()
    assert "2026-03-02 09:30" in page  # Asia/Shanghai, as stored times are shown everywhere
    assert "置顶" in page


def test_a_deactivated_member_is_refused_at_the_next_reply(client, world, s):
    thread = discussion.thread_create(actor=s.tutor, study_class=s.study_class, title="讨论", body="正文")
    url = reverse("communities:thread_detail", args=[thread.pk])
    client.force_login(world.teacher.user)
    assert client.post(url, {"body": "第一条"}).status_code == 302
    type(world.teacher.user).objects.filter(pk=world.teacher.user.pk).update(is_active=False)
    response = client.post(url, {"body": "停用之后"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert not Reply.objects.filter(body="停用之后").exists()
    assert Thread.objects.get(pk=thread.pk).reply_count == 1
