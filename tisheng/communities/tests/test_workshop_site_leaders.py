"""A community's leadership and its model-site application (issue 15): its co-leaders may apply
for 示范性网络研修社区 as its leader and creator may, members who do not lead may not; and no
one of its leadership decides the application, even a province officer who leads it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tisheng.communities import workshop_services as services
from tisheng.communities.models import WorkshopMember
from tisheng.learning.tests.factories import enroll
from tisheng.resources.models import SiteApplication, SiteState
from tisheng.resources.services import sites

pytestmark = pytest.mark.django_db

PLAN = "每月一次线上集中研讨，每学期两轮集体备课和课例研讨，成员课例进区级资源库。"


@pytest.fixture
def community(world, program_2):
    """A county A community led by a teacher, with a co-leader and a plain member."""
    enroll(program_2, *world.teachers_a)
    workshop = services.workshop_create(actor=world.county_officer, name="鼓楼区小学数学研修共同体",
                                        program=program_2, scope_path=world.county_a.path, kind="community",
                                        leader_phone=world.teachers_a[2].user.phone)
    for teacher in world.teachers_a[:2]:
        services.workshop_join(actor=teacher.user, workshop=workshop)
    WorkshopMember.objects.filter(workshop=workshop, user=world.teachers_a[0].user).update(
        role=WorkshopMember.Role.LEADER)
    return workshop


def test_a_co_leader_applies_for_the_community_and_a_plain_member_gets_404(client, world, community):
    co_leader, member = world.teachers_a[0].user, world.teachers_a[1].user
    key = f"community:{community.pk}"
    apply_url = reverse("resources:site_apply") + f"?unit={key}"

    client.force_login(co_leader)
    assert apply_url in client.get(reverse("communities:workshop_detail", args=[community.pk])).content.decode()
    response = client.post(apply_url, {"unit": key, "plan": PLAN, "target_members": "30"}, follow=True)
    assert response.status_code == 200
    application = SiteApplication.objects.get()
    assert (application.submitted_by, application.unit_ref) == (co_leader, str(community.pk))
    assert client.get(reverse("resources:site", args=[application.pk])).status_code == 200

    client.force_login(member)
    assert apply_url not in client.get(reverse("communities:workshop_detail", args=[community.pk])).content.decode()
    assert key not in [u.key for u in sites.apply_units(member)]
    assert client.get(apply_url).status_code in (403, 404)
    assert client.post(reverse("resources:site_apply"), {"unit": key, "plan": PLAN}).status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        sites.site_apply(actor=member, unit_path=community.scope_path, unit_ref=str(community.pk), plan=PLAN,
                         targets={})


def test_an_invited_co_leader_who_has_not_joined_may_not_apply(world, community):
    invited = world.teacher_a2.user
    WorkshopMember.objects.create(workshop=community, user=invited, role=WorkshopMember.Role.LEADER,
                                  state=WorkshopMember.State.INVITED)
    assert f"community:{community.pk}" not in [u.key for u in sites.apply_units(invited)]


def test_a_province_officer_who_leads_a_community_cannot_designate_it(world, program_2):
    workshop = services.workshop_create(actor=world.province_officer, name="福建省信息技术研修社区",
                                        program=program_2, scope_path=world.province.path, kind="community")
    application = sites.site_apply(actor=world.province_officer, unit_path=workshop.scope_path,
                                   unit_ref=str(workshop.pk), plan=PLAN, targets={})
    with pytest.raises(PermissionDenied) as refused:
        sites.site_decide(actor=world.province_officer, application=application, designate=True, reason="认定",
                          period_start=timezone.localdate(),
                          period_end=timezone.localdate() + dt.timedelta(days=365))
    assert str(refused.value) == _(sites.OWN_APPLICATION)
    assert SiteApplication.objects.get().state == SiteState.SUBMITTED


def test_a_province_officer_who_co_leads_a_community_cannot_decide_the_county_application(world, community):
    WorkshopMember.objects.create(workshop=community, user=world.province_officer, role=WorkshopMember.Role.LEADER,
                                  state=WorkshopMember.State.JOINED)
    application = sites.site_apply(actor=world.county_officer, unit_path=community.scope_path,
                                   unit_ref=str(community.pk), plan=PLAN, targets={})
    assert sites.decision_conflict(world.province_officer, application)
    with pytest.raises(PermissionDenied):
        sites.site_decide(actor=world.province_officer, application=application, designate=False, reason="不认定")
    assert SiteApplication.objects.get().state == SiteState.SUBMITTED
