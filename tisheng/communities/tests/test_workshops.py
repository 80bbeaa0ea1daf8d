"""Workshops (issue 16, item 2): a county office creates one within its county, teachers of the
county join an open one (an invitation-only one only when invited), the leader runs topic
discussions, collective lesson preparation (versioned design, comments on its parts), lesson
study (comments at times in the video) and live sessions (attendance); closing an activity turns
points into hours by the program's rule, under its cap, once; everyone else 404s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.communities import discussion
from tisheng.communities import workshop_services as services
from tisheng.communities.models import (
    ActivityCredit,
    DesignVersion,
    HoursRule,
    Reply,
    Thread,
    VideoComment,
    Workshop,
    WorkshopActivity,
    WorkshopMember,
)
from tisheng.learning.tests.factories import enroll
from tisheng.ledger.models import LedgerEntry
from tisheng.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def w(world, program_2):
    """An open workshop of county A led by the county office, two teachers joined, enrolled."""
    enroll(program_2, *world.teachers_a, world.teacher_a2)
    workshop = services.workshop_create(actor=world.county_officer, name="鼓楼区小学数学工作坊", program=program_2,
                                        scope_path=world.county_a.path)
    for teacher in world.teachers_a[:2]:
        services.workshop_join(actor=teacher.user, workshop=workshop)
    return workshop


def test_a_county_office_creates_a_workshop_and_a_teacher_of_the_county_joins_it(client, world, program_2):
    client.force_login(world.county_officer)
    response = client.post(reverse("communities:workshop_create"), {
        "name": "鼓楼区小学数学工作坊", "kind": "workshop", "access": "open", "scope": world.county_a.path,
        "program": program_2.pk, "description": "集体备课、课例研讨"}, follow=True)
    assert "工作坊已创建。" in _messages(response)
    workshop = Workshop.objects.get()
    assert (workshop.scope_path, workshop.leader) == (world.county_a.path, world.county_officer)
    assert AuditLog.objects.filter(action="communities.workshop_create", scope_path=world.county_a.path).exists()

    client.force_login(world.teacher.user)
    assert "鼓楼区小学数学工作坊" in client.get(reverse("communities:workshop_list")).content.decode()
    response = client.post(reverse("communities:workshop_join", args=[workshop.pk]), follow=True)
    assert "您已加入工作坊。" in _messages(response)
    assert WorkshopMember.objects.filter(workshop=workshop, user=world.teacher.user, state="joined").exists()


def test_an_office_may_not_create_a_workshop_outside_its_area_and_keeps_what_it_typed(client, world, program_2):
    client.force_login(world.county_officer)
    response = client.post(reverse("communities:workshop_create"), {
        "name": "思明区工作坊", "scope": world.county_b.path, "program": program_2.pk, "description": "说明文字"})
    assert response.status_code == 400
    assert "您只能在自己的管辖范围内创建工作坊。" in _messages(response)
    page = response.content.decode()
    assert 'value="思明区工作坊"' in page
    assert "说明文字" in page
    assert not Workshop.objects.exists()


def test_an_invitation_only_workshop_is_hidden_until_a_teacher_is_invited(client, world, program_2):
    workshop = services.workshop_create(actor=world.county_officer, name="名师工作室", program=program_2,
                                        scope_path=world.county_a.path, access="invitation",
                                        leader_phone=world.teachers_a[2].user.phone)
    assert workshop.leader == world.teachers_a[2].user
    assert Notification.objects.filter(recipient=workshop.leader, title__contains="坊主").exists()
    client.force_login(world.teacher.user)
    assert client.get(reverse("communities:workshop_detail", args=[workshop.pk])).status_code == 404

    client.force_login(workshop.leader)
    response = client.post(reverse("communities:workshop_invite", args=[workshop.pk]),
                           {"phones": f"{world.teacher.user.phone}\n13999999999"}, follow=True)
    assert "已邀请 1 名教师，并已通知他们。" in _messages(response)
    assert any("13999999999" in m for m in _messages(response))
    assert Notification.objects.filter(recipient=world.teacher.user, title__contains="邀请您加入").exists()

    client.force_login(world.teacher.user)
    response = client.post(reverse("communities:workshop_join", args=[workshop.pk]), follow=True)
    assert "您已加入工作坊。" in _messages(response)


def test_collective_lesson_preparation_keeps_versions_and_a_stale_save_loses_nothing(client, world, w):
    leader, first, second = world.county_officer, world.teachers_a[0].user, world.teachers_a[1].user
    activity = services.activity_create(actor=leader, workshop=w, kind="lesson_prep", title="《认识钟表》集体备课",
                                        design={"goals": "认识整时", "process": "导入—探究—练习"})
    assert DesignVersion.objects.get(activity=activity).number == 1
    url = reverse("communities:activity_detail", args=[activity.pk])

    client.force_login(first)
    response = client.post(url, {"action": "design", "base": "1", "section-goals": "认识整时和半时",
                                 "section-process": "导入—探究—练习", "note": "补充半时"}, follow=True)
    assert "教学设计第 2 版已保存。" in _messages(response)

    client.force_login(second)
    response = client.post(url, {"action": "design", "base": "1", "section-goals": "我的改法：认识钟面"})
    assert response.status_code == 400
    assert any("第 2 版" in m for m in _messages(response))
    assert "我的改法：认识钟面" in response.content.decode()
    assert DesignVersion.objects.filter(activity=activity).count() == 2

    response = client.post(url, {"action": "design_comment", "version": "2", "section": "goals",
                                 "body": "半时对一年级是否偏难？"}, follow=True)
    assert "评论已发布。" in _messages(response)
    assert "半时对一年级是否偏难？" in client.get(url + "?version=2").content.decode()
    assert Notification.objects.filter(recipient=first, title__contains="评论了您的教学设计").exists()
    assert "半时对一年级是否偏难？" not in client.get(url + "?version=1").content.decode()


def test_lesson_study_comments_sit_at_times_in_the_video(client, world, w):
    activity = services.activity_create(actor=world.county_officer, workshop=w, kind="lesson_study",
                                        title="课例研讨：分数的初步认识", video_url="https://video.example.cn/lesson.mp4")
    url = reverse("communities:activity_detail", args=[activity.pk])
    client.force_login(world.teacher.user)
    client.post(url, {"action": "video_comment", "at": "12:30", "body": "这里的小组讨论时间偏短"})
    client.post(url, {"action": "video_comment", "at": "2:05", "body": "导入很自然，@陈志强 可以参考"})
    response = client.post(url, {"action": "video_comment", "at": "十分", "body": "时间写错了"})
    assert response.status_code == 400
    assert "请按“分:秒”填写视频中的时间，例如 12:30。" in _messages(response)
    assert list(VideoComment.objects.order_by("seconds").values_list("seconds", flat=True)) == [125, 750]
    page = client.get(url).content.decode()
    assert page.index("2:05") < page.index("12:30")
    assert Notification.objects.filter(recipient=world.teachers_a[1].user, title__contains="提到了您").exists()


def test_a_lesson_study_without_a_video_address_is_refused(world, w):
    with pytest.raises(Exception, match="课例研讨需要"):
        services.activity_create(actor=world.county_officer, workshop=w, kind="lesson_study", title="无视频")


def test_closing_an_activity_credits_points_as_hours_once_and_under_the_cap(client, world, w, program_2):
    HoursRule.objects.create(program=program_2, points={"post": 4, "reply": 2}, points_per_hour=4, workshop_cap="1.5")
    leader, first, second = world.county_officer, world.teachers_a[0].user, world.teachers_a[1].user
    topic = services.activity_create(actor=leader, workshop=w, kind="discussion", title="低年级如何用白板")
    thread = discussion.thread_create(actor=first, activity=topic, title="拖拽分类好用", body="大家怎么看？")
    discussion.reply_post(actor=second, thread=thread, body="同意")
    discussion.reply_post(actor=second, thread=thread, body="补充一个例子")
    live = services.activity_create(actor=leader, workshop=w, kind="live", title="线上研讨",
                                    starts_at=thread.created_at, link="https://meeting.example.cn/123")
    services.live_record(actor=leader, activity=live, attended_user_ids=[first.pk, world.outsider.pk])

    client.force_login(leader)
    url = reverse("communities:activity_detail", args=[topic.pk])
    assert "拖拽分类好用" in client.get(url).content.decode()
    response = client.post(url, {"action": "close"}, follow=True)
    assert "活动已结束：2 名参与者的积分已折算为学时。" in _messages(response)
    credits = {c.user_id: c for c in ActivityCredit.objects.filter(activity=topic)}
    # first: a thread (4 points) → 1 hour; second: two replies (2 × 2 = 4 points) → 1 hour
    assert (credits[first.pk].points, credits[first.pk].hours) == (4, Decimal("1.00"))
    assert (credits[second.pk].points, credits[second.pk].hours) == (4, Decimal("1.00"))
    entries = LedgerEntry.objects.filter(source_kind="communities.workshop")
    assert entries.count() == 2
    assert Notification.objects.filter(recipient=first, title="工作坊活动已认定：低年级如何用白板",
                                       body__contains="发帖 1×4 = 4 分").exists()

    response = client.post(url, {"action": "close"})
    assert "该活动此前已结束，学时已在当时计入。" in _messages(response)
    assert LedgerEntry.objects.filter(source_kind="communities.workshop").count() == 2
    with pytest.raises(Exception, match="已结束"):
        discussion.reply_post(actor=second, thread=Thread.objects.get(pk=thread.pk), body="晚到的回复")

    # the live session: attendance is 2 points → 0.5 hour, but the cap of 1.5 leaves only 0.5 anyway;
    # the outsider was never a member, so their tick counted nothing
    services.activity_close(actor=leader, activity=WorkshopActivity.objects.get(pk=live.pk))
    credit = ActivityCredit.objects.get(activity=live)
    assert (credit.user_id, credit.points, credit.hours) == (first.pk, 2, Decimal("0.50"))
    client.force_login(first)
    page = client.get(reverse("communities:workshop_detail", args=[w.pk])).content.decode()
    assert "1.50" in page


def test_the_cap_stops_the_hours_and_says_so(world, w, program_2):
    HoursRule.objects.create(program=program_2, points={"post": 30}, points_per_hour=10, workshop_cap="2")
    first = world.teachers_a[0].user
    topic = services.activity_create(actor=world.county_officer, workshop=w, kind="discussion", title="话题")
    discussion.thread_create(actor=first, activity=topic, title="一", body="正文")
    credit = services.activity_close(actor=world.county_officer, activity=topic)[0]
    assert credit.hours == Decimal("2.00")
    assert "上限" in credit.note


def test_a_reply_in_a_workshop_thread_tells_its_author_once_while_unread(world, w):
    topic = services.activity_create(actor=world.county_officer, workshop=w, kind="discussion", title="话题")
    author, other = world.teachers_a[0].user, world.teachers_a[1].user
    thread = discussion.thread_create(actor=author, activity=topic, title="问题", body="请教")
    discussion.reply_post(actor=other, thread=thread, body="一")
    discussion.reply_post(actor=other, thread=thread, body="二")
    assert Notification.objects.filter(recipient=author, title__contains="回复了您的主题").count() == 1


def test_someone_of_another_county_gets_404_everywhere(client, world, w):
    activity = services.activity_create(actor=world.county_officer, workshop=w, kind="discussion", title="话题")
    thread = discussion.thread_create(actor=world.teacher.user, activity=activity, title="问题", body="请教")
    for user in (world.outsider, world.teacher_b.user):
        client.force_login(user)
        assert "鼓楼区小学数学工作坊" not in client.get(reverse("communities:workshop_list")).content.decode()
        for name, args in (("workshop_detail", [w.pk]), ("activity_detail", [activity.pk]),
                           ("thread_detail", [thread.pk]), ("activity_create", [w.pk])):
            assert client.get(reverse(f"communities:{name}", args=args)).status_code == 404, name
        for name, args in (("workshop_join", [w.pk]), ("workshop_invite", [w.pk])):
            assert client.post(reverse(f"communities:{name}", args=args)).status_code == 404, name
    client.force_login(world.province_officer)
    assert client.get(reverse("communities:workshop_detail", args=[w.pk])).status_code == 200


def test_the_leader_s_pages_render_for_every_kind_of_activity(client, world, w):
    live = services.activity_create(actor=world.county_officer, workshop=w, kind="live", title="线上研讨",
                                    starts_at=w.created_at, link="https://meeting.example.cn/1")
    client.force_login(world.county_officer)
    for kind in ("discussion", "lesson_prep", "lesson_study", "live"):
        page = client.get(reverse("communities:activity_create", args=[w.pk]) + f"?kind={kind}")
        assert page.status_code == 200, kind
    page = client.get(reverse("communities:activity_detail", args=[live.pk])).content.decode()
    assert 'data-testid="attendance-form"' in page
    response = client.post(reverse("communities:activity_detail", args=[live.pk]), {
        "action": "attendance", "attended": [str(world.teacher.user.pk)],
        "recording_url": "https://meeting.example.cn/1/recording"}, follow=True)
    assert "签到已记录：1 名成员参加。" in _messages(response)
    assert "https://meeting.example.cn/1/recording" in response.content.decode()


def _statements(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries
            if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"))]


def test_a_joined_member_replies_in_a_workshop_thread_as_cheaply_as_in_a_class(client, world, w):
    """Session, user, the thread with the poster's membership in one read, the reply's statement
    (one on PostgreSQL, two elsewhere): the class reply's lean path, not the general one."""
    topic = services.activity_create(actor=world.county_officer, workshop=w, kind="discussion", title="话题")
    thread = discussion.thread_create(actor=world.teachers_a[0].user, activity=topic, title="问题", body="请教")
    member = world.teachers_a[1].user
    url = reverse("communities:thread_detail", args=[thread.pk])
    client.force_login(member)
    assert client.post(url, {"body": "第一条"}).status_code == 302  # tells the author
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"body": "第二条"})
    assert response.status_code == 302
    assert len(_statements(ctx)) == (4 if connection.vendor == "postgresql" else 5), "\n".join(_statements(ctx))
    assert Reply.objects.filter(thread=thread, author=member, body="第二条").exists()
    assert Thread.objects.get(pk=thread.pk).reply_count == 2
    assert Notification.objects.filter(recipient=world.teachers_a[0].user, title__contains="回复了您的主题").count() == 1
    page = client.get(url)
    assert "第二条" in page.content.decode()
    assert 'data-testid="reply-form"' in page.content.decode()


def test_workshop_thread_guards_hold_on_the_lean_path(client, world, w):
    """Invited but not joined: reads, may not post. A member whose roles have ended: 404. Someone
    of another county: 404 on posting too. The leader moderates, a member does not. A closed
    activity takes no more posts."""
    topic = services.activity_create(actor=world.county_officer, workshop=w, kind="discussion", title="话题")
    thread = discussion.thread_create(actor=world.teachers_a[0].user, activity=topic, title="问题", body="请教")
    url = reverse("communities:thread_detail", args=[thread.pk])
    moderate = reverse("communities:thread_moderate", args=[thread.pk])
    invited = world.teacher_a2.user
    WorkshopMember.objects.create(workshop=w, user=invited, state="invited")
    client.force_login(invited)
    assert client.get(url).status_code == 200
    assert client.post(url, {"body": "未加入"}).status_code == 403

    client.force_login(world.teachers_a[1].user)
    assert client.post(moderate, {"action": "pin"}).status_code == 403
    client.force_login(world.county_officer)
    assert client.post(moderate, {"action": "pin"}).status_code == 302
    assert Thread.objects.get(pk=thread.pk).pinned

    for user in (world.outsider, world.teacher_b.user):
        client.force_login(user)
        assert client.post(url, {"body": "外人"}).status_code == 404

    ended = world.teachers_a[1].user
    RoleAssignment.objects.filter(user=ended).update(expires_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(ended)
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "角色已结束"}).status_code == 404

    services.activity_close(actor=world.county_officer, activity=WorkshopActivity.objects.get(pk=topic.pk))
    client.force_login(world.teachers_a[0].user)
    assert client.post(url, {"body": "结束之后"}).status_code == 403
    assert not Reply.objects.filter(body__in=["未加入", "外人", "角色已结束", "结束之后"]).exists()
