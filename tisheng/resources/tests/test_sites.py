"""Model sites: a county applies for 创新实验区 and a school for 示范校 with a plan and targets
beside the platform's numbers; the province designates for a period with a reason; the public
list shows current designations; scope and bad input."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.notifications.models import Notification
from tisheng.practice.checks.tests.conftest import make_result, practice  # noqa: F401  (a fixture)
from tisheng.resources.models import SiteApplication
from tisheng.resources.services import sites
from tisheng.resources.tests.conftest import make_resource

PLAN = "三年内全县学校常态化应用希沃白板与智慧教育平台，建设县级资源库，每校至少一名种子教师。"


def test_a_county_applies_with_targets_beside_its_numbers_and_the_province_designates(client, world):
    make_resource(world, title="分数的初步认识")
    client.force_login(world.county_officer)
    form = client.get(reverse("resources:site_apply")).content.decode()
    assert "鼓楼区" in form
    assert "创新实验区" in form
    response = client.post(reverse("resources:site_apply"), {
        "unit": world.county_a.path, "plan": PLAN, "target_completion": "95", "target_resources": "200"},
        follow=True)
    assert "申报已提交，等待省级项目办认定。" in response.content.decode()
    application = SiteApplication.objects.get()
    assert application.kind == "zone"
    assert application.targets == {"completion": 95.0, "resources": 200.0}

    client.force_login(world.province_officer)
    page = client.get(reverse("resources:site", args=[application.pk])).content.decode()
    assert "已发布的贡献资源" in page
    assert 'data-testid="decide"' in page
    client.post(reverse("resources:site_decide", args=[application.pk]), {
        "decision": "designate", "reason": "应用基础好，规划可行", "start": "2026-09-01", "end": "2029-08-31"})
    application.refresh_from_db()
    assert application.state == "designated"
    assert application.indicators_at_decision["resources"] == 1
    assert AuditLog.objects.filter(action="resources.site_designate").exists()
    assert Notification.objects.filter(recipient=world.county_officer, title__contains="鼓楼区").exists()


def test_the_public_list_shows_current_designations_without_signing_in(client, world):
    application = sites.site_apply(actor=world.principal, unit_path=world.school_a.path, plan=PLAN, targets={})
    today = timezone.localdate()
    sites.site_decide(actor=world.province_officer, application=application, designate=True, reason="示范引领作用明显",
                      period_start=today - dt.timedelta(days=1), period_end=today + dt.timedelta(days=365))
    page = client.get(reverse("resources:sites")).content.decode()
    assert "福州市鼓楼第一中心小学" in page
    assert "示范引领作用明显" in page


def test_a_designation_needs_a_reason_and_a_period_and_only_the_province_decides(world):
    application = sites.site_apply(actor=world.principal, unit_path=world.school_a.path, plan=PLAN, targets={})
    with pytest.raises(ValidationError):
        sites.site_decide(actor=world.province_officer, application=application, designate=True, reason="")
    with pytest.raises(ValidationError):
        sites.site_decide(actor=world.province_officer, application=application, designate=True, reason="好",
                          period_start=dt.date(2027, 1, 1), period_end=dt.date(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        sites.site_decide(actor=world.county_officer, application=application, designate=False, reason="不行")


def test_bad_targets_and_a_second_application_are_refused_with_what_was_typed_kept(client, world):
    client.force_login(world.principal)
    response = client.post(reverse("resources:site_apply"), {"unit": world.school_a.path, "plan": PLAN,
                                                             "target_completion": "九十"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "目标须为 0 到 100000 之间的数字。" in body
    assert PLAN in body
    sites.site_apply(actor=world.principal, unit_path=world.school_a.path, plan=PLAN, targets={})
    with pytest.raises(ValidationError):
        sites.site_apply(actor=world.principal, unit_path=world.school_a.path, plan=PLAN, targets={})


def test_the_outsider_gets_404_for_county_a_applications(client, world):
    application = sites.site_apply(actor=world.county_officer, unit_path=world.county_a.path, plan=PLAN, targets={})
    client.force_login(world.outsider)
    assert client.get(reverse("resources:site", args=[application.pk])).status_code == 404
    assert client.post(reverse("resources:site_decide", args=[application.pk]),
                       {"decision": "designate"}).status_code == 404
    assert "鼓楼区" not in client.get(reverse("resources:site_list")).content.decode()
    with pytest.raises(PermissionDenied):
        sites.site_apply(actor=world.outsider, unit_path=world.county_a.path, plan=PLAN, targets={})



def test_the_evidence_shows_spot_check_results_and_completion_by_the_last_deadline(world, program_1, practice):  # noqa: F811
    from tisheng.monitoring.models import Rollup
    from tisheng.practice.checks.models import SpotCheck, SpotCheckItem

    # Fujian's 2015 project ended 2017-12-31: 80 of 100 had finished by then, 95 a month later.
    for day, complete in ((dt.date(2017, 12, 31), 80), (dt.date(2018, 1, 31), 95)):
        Rollup.objects.create(program=program_1, day=day, node_path=world.county_a.path, node_kind="county",
                              name="鼓楼区", enrolled=100, complete=complete)
    check = SpotCheck.objects.create(program=practice.program, region=world.county_a, region_path=world.county_a.path,
                                     share="0.300", fail_threshold="0.300", seed=1, created_by=world.county_officer)
    for teacher, outcome in zip(world.teachers_a, ("confirmed", "confirmed", "failed"), strict=True):
        SpotCheckItem.objects.create(spot_check=check, result=make_result(practice, teacher), school=world.school_a,
                                     org_path=world.school_a.path, outcome=outcome)
    SpotCheckItem.objects.create(spot_check=check, result=make_result(practice, world.teachers_a[0], 1),
                                 school=world.school_a, org_path=world.school_a.path)  # not checked yet: not counted

    values = sites.indicators_for(world.county_a.path)

    assert values["on_time"] == 80.0
    assert values["spot_checks"] == 66.7
    assert sites.indicators_for(world.county_b.path)["spot_checks"] is None  # nothing checked there
