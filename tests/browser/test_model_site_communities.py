"""A research community becomes a 示范性网络研修社区 on the demo: the county office creates a
community and, from its page, applies with targets beside the community's own numbers (desktop);
the province designates it and records the yearly review on a phone; the public list shows it
under the community kind (beside the demo's seeded one) and the community's page carries the
badge with its period; the other county's office gets 404 on the application."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser

OFFICE = "13800000003"
PROVINCE = "13800000001"
OUTSIDER = "13800000012"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _width_fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_community_is_designated_a_model_site_and_shows_it(log_in, browser, server_url, artifacts):
    name = f"鼓楼区研修共同体{uuid.uuid4().hex[:4]}"
    context, page = log_in(browser, server_url, OFFICE)
    page.goto(server_url + "/communities/workshops/new/")
    page.fill("[data-testid=workshop-form] input[name=name]", name)
    page.select_option("[data-testid=workshop-form] select[name=kind]", "community")
    with page.expect_navigation():
        page.click("[data-testid=workshop-form] button[type=submit]")
    workshop_url = page.url
    with page.expect_navigation():
        page.click("[data-testid=apply-model-site]")
    assert f"{name}（示范性网络研修社区）" in page.inner_text("[data-testid=unit]")
    targets = page.inner_text("[data-testid=targets]")
    assert "近90天活跃成员" in targets
    assert "培训完成率" not in targets
    page.fill("textarea[name=plan]", "每月一次线上集中研讨，每学期两轮集体备课和课例研讨。")
    page.fill("input[name=target_members]", "60")
    page.fill("input[name=target_lesson_rounds]", "6")
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    assert "申报已提交" in page.inner_text(".messages")
    site_url = page.url
    page.screenshot(path=str(artifacts / "model_site_community_applied_desktop.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, PROVINCE, **PHONE)
    page.goto(site_url)
    page.fill("[data-testid=decide] input[name=end]", (timezone.localdate() + dt.timedelta(days=1000)).isoformat())
    page.fill("[data-testid=decide] textarea[name=reason]", "研修活动常态化，示范作用明显。")
    with page.expect_navigation():
        page.click("[data-testid=designate]")
    assert "已认定" in page.inner_text(".messages")
    page.fill("[data-testid=review-form] textarea[name=comment]", "成员规模达标，活跃度需提高。")
    page.select_option("[data-testid=review-form] select[name=verdict]", "improve")
    with page.expect_navigation():
        page.click("[data-testid=review]")
    assert "年度评估已记录" in page.inner_text(".messages")
    assert "需改进" in page.inner_text("[data-testid=site-review]")
    assert _width_fits(page)
    page.screenshot(path=str(artifacts / "model_site_community_reviewed_phone.png"), full_page=True)
    page.goto(server_url + "/resources/sites/")
    page.wait_for_load_state()
    communities = page.inner_text("[data-testid=communities]")
    assert name in communities
    assert "鼓楼区小学数学名师工作坊" in communities  # the demo's own designation
    assert _width_fits(page)
    page.screenshot(path=str(artifacts / "model_site_community_public_phone.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, OFFICE)
    page.goto(workshop_url)
    assert "示范性网络研修社区" in page.inner_text("[data-testid=model-site]")
    page.screenshot(path=str(artifacts / "model_site_community_badge_desktop.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    assert page.goto(site_url).status == 404
    context.close()
