"""No one decides their own application (issue 15): a province officer who applied for a unit, or
who holds an office of the applicant unit (the county office of a county applying for 创新实验区,
the school's administrator for 示范校), may neither designate nor review it. The refusal says why,
the page says who else may decide, and another province officer decides as usual."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tisheng.accounts.models import AuditLog, RoleAssignment
from tisheng.people.tests.factories import UserFactory
from tisheng.resources.models import SiteApplication, SiteState
from tisheng.resources.services import sites

PLAN = "三年内全县学校常态化应用希沃白板与智慧教育平台，建设县级资源库，每校至少一名种子教师。"


@pytest.fixture
def second_officer(world):
    user = UserFactory(name="省项目办周敏", phone="13700000009")
    RoleAssignment.objects.create(user=user, role="province_office", region=world.province)
    return user


def _period() -> dict:
    start = timezone.localdate()
    return {"period_start": start, "period_end": start + dt.timedelta(days=3 * 365)}


def test_a_province_officer_who_applied_for_a_county_cannot_designate_it_but_another_officer_can(
        client, world, second_officer):
    # The province officer also holds the county office of county A, and applies for it.
    RoleAssignment.objects.create(user=world.province_officer, role="county_office", region=world.county_a)
    application = sites.site_apply(actor=world.province_officer, unit_path=world.county_a.path, plan=PLAN,
                                   targets={})

    with pytest.raises(PermissionDenied) as refused:
        sites.site_decide(actor=world.province_officer, application=application, designate=True,
                          reason="自己认定自己", **_period())
    assert str(refused.value) == _(sites.OWN_APPLICATION)
    application.refresh_from_db()
    assert application.state == SiteState.SUBMITTED

    client.force_login(world.province_officer)
    response = client.post(reverse("resources:site_decide", args=[application.pk]), {
        "decision": "designate", "reason": "自己认定自己", "start": timezone.localdate().isoformat(),
        "end": (timezone.localdate() + dt.timedelta(days=365)).isoformat()}, follow=True)
    assert response.status_code == 200
    assert _(sites.OWN_APPLICATION) in [str(m) for m in get_messages(response.wsgi_request)]
    page = response.content.decode()
    assert 'data-testid="decide"' not in page
    assert 'data-testid="conflict"' in page
    assert "省项目办周敏" in page  # who else may decide
    assert SiteApplication.objects.get().state == SiteState.SUBMITTED
    assert not AuditLog.objects.filter(action="resources.site_designate").exists()

    sites.site_decide(actor=second_officer, application=application, designate=True, reason="示范引领作用明显",
                      **_period())
    assert SiteApplication.objects.get().state == SiteState.DESIGNATED
    assert AuditLog.objects.filter(action="resources.site_designate", actor=second_officer).exists()


def test_an_officer_who_leads_the_applicant_school_cannot_decide_or_review_it(world, second_officer):
    # The province officer is also an administrator of school A; the principal applies for it.
    RoleAssignment.objects.create(user=world.province_officer, role="school_admin", school=world.school_a)
    application = sites.site_apply(actor=world.principal, unit_path=world.school_a.path, plan=PLAN, targets={})
    assert sites.decision_conflict(world.province_officer, application)
    assert not sites.decision_conflict(second_officer, application)
    assert [u.name for u in sites.other_deciders(world.province_officer, application)] == ["省项目办周敏"]

    with pytest.raises(PermissionDenied):
        sites.site_decide(actor=world.province_officer, application=application, designate=False, reason="不认定")
    sites.site_decide(actor=second_officer, application=application, designate=True, reason="认定", **_period())
    with pytest.raises(PermissionDenied) as refused:
        sites.site_review(actor=world.province_officer, application=application, verdict="on_track",
                          comment="进展顺利，按计划推进")
    assert str(refused.value) == _(sites.OWN_APPLICATION)
    assert not application.reviews.exists()


def test_the_only_province_officer_who_applied_is_told_no_one_else_may_decide(client, world):
    RoleAssignment.objects.create(user=world.province_officer, role="county_office", region=world.county_a)
    application = sites.site_apply(actor=world.province_officer, unit_path=world.county_a.path, plan=PLAN,
                                   targets={})
    client.force_login(world.province_officer)
    page = client.get(reverse("resources:site", args=[application.pk])).content.decode()
    assert _(sites.NO_OTHER_DECIDER) in page
    assert 'data-testid="decide"' not in page
