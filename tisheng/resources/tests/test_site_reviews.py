"""Model sites after designation: the province's yearly review freezes today's indicators beside
the targets (achievements won among them, from the achievements app's registered indicator), can
revoke, and tells the unit; designated units are marked on the area's bulletins and dashboards."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.monitoring.sections import bulletin_sections, dashboard_sections
from tisheng.notifications.models import Notification
from tisheng.resources.services import sites

PLAN = "以希沃白板和国家智慧教育平台为抓手，建设学科教研共同体，每学期开展两次校际展示课。"


@pytest.fixture
def designated(world):
    application = sites.site_apply(actor=world.principal, unit_path=world.school_a.path, plan=PLAN,
                                   targets={"completion": "95", "achievements": "2"})
    today = timezone.localdate()
    return sites.site_decide(actor=world.province_officer, application=application, designate=True,
                             reason="基础扎实", period_start=today - dt.timedelta(days=200),
                             period_end=today + dt.timedelta(days=900))


def test_the_province_reviews_a_site_yearly_beside_its_targets_and_the_unit_is_told(client, world, designated):
    client.force_login(world.province_officer)
    page = client.get(reverse("resources:site", args=[designated.pk])).content.decode()
    assert 'data-testid="review-form"' in page
    response = client.post(reverse("resources:site_review", args=[designated.pk]),
                           {"verdict": "improve", "comment": "资源贡献未达目标，请加强校本研修成果转化。"}, follow=True)
    page = response.content.decode()
    assert 'data-testid="site-review"' in page
    assert "需改进" in page
    review = designated.reviews.get()
    assert review.indicators["achievements"] == 0  # the achievements app's indicator, frozen
    assert designated.targets["achievements"] == 2.0
    assert AuditLog.objects.filter(action="resources.site_review").exists()
    assert Notification.objects.filter(recipient=world.principal, title__contains="年度评估").exists()
    with pytest.raises(ValidationError) as exc:
        sites.site_review(actor=world.province_officer, application=designated, verdict="on_track", comment="再评一次")
    assert exc.value.code == "already_reviewed"


def test_a_revoked_designation_leaves_the_public_list(client, world, designated):
    sites.site_review(actor=world.province_officer, application=designated, verdict="revoked", comment="连续两年未达标")
    designated.refresh_from_db()
    assert designated.period_end < timezone.localdate()
    assert world.school_a.name not in client.get(reverse("resources:sites")).content.decode()


def test_a_review_needs_a_comment_and_only_the_province_reviews(client, world, designated):
    with pytest.raises(ValidationError) as exc:
        sites.site_review(actor=world.province_officer, application=designated, verdict="on_track", comment="")
    assert exc.value.code == "needs_comment"
    client.force_login(world.county_officer)
    client.post(reverse("resources:site_review", args=[designated.pk]), {"verdict": "on_track", "comment": "很好很好"})
    assert not designated.reviews.exists()
    client.force_login(world.outsider)
    assert client.post(reverse("resources:site_review", args=[designated.pk]),
                       {"verdict": "on_track", "comment": "很好很好"}).status_code == 404


def test_designated_units_are_marked_on_the_areas_bulletins_and_dashboards(world, designated):
    county = [s for s in bulletin_sections(None, world.county_a.path) if s["key"] == "model-sites"]
    assert len(county) == 1
    assert county[0]["rows"][0][0] == world.school_a.name
    assert not [s for s in bulletin_sections(None, world.county_b.path) if s["key"] == "model-sites"]
    board = [s for s in dashboard_sections(world.county_officer, None, world.city_a.path) if s.key == "model-sites"]
    assert len(board) == 1
