"""A community as a model site (示范性网络研修社区, issue 15 item 3): its leader (or the office that
owns it) applies for that community only, with targets beside the community's own numbers; the
province designates it for a period; the public list and the community's page show it; the
yearly review freezes the numbers beside the targets; the applicant is told each time; offices of
another county and leaders of other communities get 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.communities import discussion
from tisheng.communities import workshop_services as services
from tisheng.communities.models import WorkshopActivity
from tisheng.communities.workshop_sites import community_indicators
from tisheng.learning.tests.factories import enroll
from tisheng.notifications.models import Notification
from tisheng.resources.models import SiteApplication, SiteKind
from tisheng.resources.services import sites

pytestmark = pytest.mark.django_db

PLAN = "每月一次线上集中研讨，每学期两轮集体备课和课例研讨，成员课例进区级资源库。"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def community(world, program_2):
    """A research community of county A led by a teacher (坊主), two members, a topic with a
    thread and a reply."""
    enroll(program_2, *world.teachers_a)
    workshop = services.workshop_create(actor=world.county_officer, name="鼓楼区小学数学研修共同体",
                                        program=program_2, scope_path=world.county_a.path, kind="community",
                                        leader_phone=world.teachers_a[2].user.phone)
    for teacher in world.teachers_a[:2]:
        services.workshop_join(actor=teacher.user, workshop=workshop)
    topic = services.activity_create(actor=workshop.leader, workshop=workshop,
                                     kind=WorkshopActivity.Kind.DISCUSSION, title="交互式白板怎么用")
    thread = discussion.thread_create(actor=world.teachers_a[0].user, activity=topic, title="拖拽分类",
                                      body="拖拽分类适合哪些内容？")
    discussion.reply_post(actor=world.teachers_a[1].user, thread=thread, body="适合概念辨析。")
    return workshop


def test_the_leader_applies_the_province_designates_and_the_list_and_the_page_show_it(client, world, community):
    leader = community.leader
    client.force_login(leader)
    page = client.get(reverse("communities:workshop_detail", args=[community.pk]))
    apply_url = reverse("resources:site_apply") + f"?unit=community:{community.pk}"
    assert apply_url in page.content.decode()

    form = client.get(apply_url).content.decode()
    assert "鼓楼区小学数学研修共同体（示范性网络研修社区）" in form
    assert "近90天活跃成员" in form
    assert "培训完成率" not in form
    response = client.post(apply_url, {"unit": f"community:{community.pk}", "plan": PLAN,
                                       "target_members": "60", "target_active_members": "40"}, follow=True)
    assert "申报已提交，等待省级项目办认定。" in _messages(response)
    application = SiteApplication.objects.get()
    assert (application.kind, application.unit_path, application.unit_ref) == (
        SiteKind.COMMUNITY, world.county_a.path, str(community.pk))
    assert application.targets == {"members": 60.0, "active_members": 40.0}

    client.force_login(world.province_officer)
    start = timezone.localdate()
    response = client.post(reverse("resources:site_decide", args=[application.pk]), {
        "decision": "designate", "reason": "研修活动常态化，成员参与度高", "start": start.isoformat(),
        "end": (start + dt.timedelta(days=3 * 365)).isoformat()}, follow=True)
    assert "已认定，并已通知申报单位。" in _messages(response)
    application.refresh_from_db()
    assert application.indicators_at_decision["members"] == 3  # the leader and two members
    assert application.indicators_at_decision["posts"] == 2
    assert AuditLog.objects.filter(action="resources.site_designate", object_id=str(application.pk)).exists()
    note = Notification.objects.get(recipient=leader, title__contains="示范性网络研修社区")
    assert "已认定" in note.title

    public = client.get(reverse("resources:sites")).content.decode()
    assert "示范性网络研修社区" in public
    assert "鼓楼区小学数学研修共同体" in public
    client.force_login(world.teachers_a[0].user)
    page = client.get(reverse("communities:workshop_detail", args=[community.pk])).content.decode()
    assert f"示范性网络研修社区 {start:%Y-%m-%d}" in page
    listing = client.get(reverse("communities:workshop_list")).content.decode()
    assert 'data-testid="model-site">示范性网络研修社区' in listing


def test_the_yearly_review_freezes_the_communitys_numbers_and_tells_the_leader(client, world, community):
    application = sites.site_apply(actor=community.leader, unit_path=community.scope_path,
                                   unit_ref=str(community.pk), plan=PLAN, targets={"posts": 10})
    sites.site_decide(actor=world.province_officer, application=application, designate=True, reason="认定",
                      period_start=timezone.localdate(), period_end=timezone.localdate() + dt.timedelta(days=700))
    client.force_login(world.province_officer)
    response = client.post(reverse("resources:site_review", args=[application.pk]),
                           {"verdict": "improve", "comment": "发帖偏少，需提高活跃度"}, follow=True)
    assert "年度评估已记录，并已通知该单位。" in _messages(response)
    review = application.reviews.get()
    assert review.indicators["posts"] == 2
    assert review.indicators["members"] == 3
    assert Notification.objects.filter(recipient=community.leader, title__contains="年度评估").exists()
    client.force_login(community.leader)  # the applicant reads the review, without an office's scope
    page = client.get(reverse("resources:site", args=[application.pk])).content.decode()
    assert "发帖偏少，需提高活跃度" in page
    assert "需改进" in page


def test_a_leader_of_another_community_cannot_apply_for_this_one(client, world, community, program_2):
    other = services.workshop_create(actor=world.county_officer, name="鼓楼区英语工作坊", program=program_2,
                                     scope_path=world.county_a.path, leader_phone=world.teachers_a[0].user.phone)
    with pytest.raises(PermissionDenied):
        sites.site_apply(actor=other.leader, unit_path=community.scope_path, unit_ref=str(community.pk),
                         plan=PLAN, targets={})
    client.force_login(other.leader)
    response = client.post(reverse("resources:site_apply"), {"unit": f"community:{community.pk}", "plan": PLAN})
    assert response.status_code == 404
    assert not SiteApplication.objects.exists()  # and not silently an application for their own
    application = sites.site_apply(actor=community.leader, unit_path=community.scope_path,
                                   unit_ref=str(community.pk), plan=PLAN, targets={})
    assert client.get(reverse("resources:site", args=[application.pk])).status_code == 404


def test_the_owning_county_office_may_apply_and_an_office_of_another_county_gets_404(client, world, community):
    units = sites.apply_units(world.county_officer)
    assert f"community:{community.pk}" in [u.key for u in units]
    assert f"community:{community.pk}" not in [u.key for u in sites.apply_units(world.outsider)]
    application = sites.site_apply(actor=world.county_officer, unit_path=community.scope_path,
                                   unit_ref=str(community.pk), plan=PLAN, targets={})
    client.force_login(world.outsider)
    assert client.get(reverse("resources:site", args=[application.pk])).status_code == 404
    assert client.get(reverse("resources:site_apply") + f"?unit=community:{community.pk}").status_code == 404
    assert client.post(reverse("resources:site_decide", args=[application.pk]),
                       {"decision": "designate", "reason": "x"}).status_code == 404


def test_a_community_applies_once_while_under_review_but_two_communities_of_a_county_both_may(
        world, community, program_2):
    from django.core.exceptions import ValidationError

    sites.site_apply(actor=community.leader, unit_path=community.scope_path, unit_ref=str(community.pk),
                     plan=PLAN, targets={})
    with pytest.raises(ValidationError):
        sites.site_apply(actor=community.leader, unit_path=community.scope_path, unit_ref=str(community.pk),
                         plan=PLAN, targets={})
    other = services.workshop_create(actor=world.county_officer, name="鼓楼区英语工作坊", program=program_2,
                                     scope_path=world.county_a.path)
    sites.site_apply(actor=world.county_officer, unit_path=other.scope_path, unit_ref=str(other.pk),
                     plan=PLAN, targets={})
    assert SiteApplication.objects.filter(unit_path=world.county_a.path).count() == 2


def test_the_community_indicators_are_read_in_a_fixed_number_of_queries(
        world, community, django_assert_num_queries):
    values = community_indicators(community.scope_path, str(community.pk))
    assert (values["members"], values["active_members"], values["posts"], values["activities_held"]) == (3, 2, 2, 0)
    assert values["hours_share"] == 0.0
    with django_assert_num_queries(16):
        community_indicators(community.scope_path, str(community.pk))
