"""Tracks on the demo: the county office creates a backbone track and gives the demo school one
place; the school administrator nominates two teachers on a phone; the county tries to select
both (refused: one place), selects one and sees the places taken; the demo's leadership track
shows its principals and CIOs; the other county's office gets 404."""

import re
import secrets

import pytest

pytestmark = pytest.mark.browser

COUNTY = "13800000003"
SCHOOL_ADMIN = "13800000006"
OUTSIDER = "13800000012"


def test_a_track_from_creation_through_nomination_to_selection(log_in, browser, server_url, artifacts):
    name = f"鼓楼区骨干教师信息化教学研修{secrets.token_hex(2)}"
    context, page = log_in(browser, server_url, COUNTY)
    page.locator(".site-nav a", has_text="专项培训").click()
    page.wait_for_load_state()
    page.screenshot(path=str(artifacts / "tracks_list.png"), full_page=True)
    with page.expect_navigation():
        page.click("[data-testid=new-track]")
    page.select_option("select[name=kind]", "backbone")
    page.fill("input[name=name]", name)
    page.fill("input[name=required_hours]", "24")
    with page.expect_navigation():
        page.click("[data-testid=track-form] button[type=submit]")
    assert "已创建" in page.inner_text(".messages")
    track_url = page.url
    row = page.locator("[data-testid=unit-row]", has_text="福州市鼓楼第一中心小学")
    row.locator("input[name=target]").fill("1")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "名额" in page.inner_text(".messages")
    context.close()

    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context, page = log_in(browser, server_url, SCHOOL_ADMIN, **phone)
    page.goto(track_url)
    with page.expect_navigation():
        page.click("[data-testid=nominate-link]")
    boxes = page.locator("[data-testid=nominate-form] input[name=teacher]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.fill("textarea[name=reason]", "学科骨干，课堂信息化应用突出")
    page.screenshot(path=str(artifacts / "tracks_nominate_phone.png"), full_page=True)
    with page.expect_navigation():
        page.click("[data-testid=nominate-form] button[type=submit]")
    assert "已推荐 2 人" in page.inner_text(".messages")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "tracks_detail_phone.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, COUNTY)
    page.goto(track_url)
    page.locator("[data-testid=nomination-row] input[name=nomination]").nth(0).check()
    page.locator("[data-testid=nomination-row] input[name=nomination]").nth(1).check()
    with page.expect_navigation():
        page.click("[data-testid=select]")
    assert "个名额" in page.inner_text(".messages")
    assert page.locator("[data-testid=nomination-row] .badge-ok").count() == 0
    page.locator("[data-testid=nomination-row] input[name=nomination]").nth(0).check()
    page.fill("input[name=note]", "请按时参加集中研修")
    with page.expect_navigation():
        page.click("[data-testid=select]")
    assert "已入选并报名" in page.inner_text(".messages")
    assert page.locator("[data-testid=nomination-row] .badge-ok").count() == 1
    assert re.search(r"福州市鼓楼第一中心小学\s+1\s+1\s+0", page.inner_text("[data-testid=quotas]"))
    page.screenshot(path=str(artifacts / "tracks_detail_desktop.png"), full_page=True)

    page.goto(f"{server_url}/tracks/")
    with page.expect_navigation():
        page.locator("[data-testid=track-row] a", has_text="校长信息化领导力").click()
    assert "学校的校长和信息化负责人" in page.inner_text("[data-testid=participant-rule]")
    assert page.locator("[data-testid=nomination-row] .badge-ok").count() >= 2
    page.screenshot(path=str(artifacts / "tracks_leadership_demo.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    assert page.goto(track_url).status == 404
    context.close()


INSTITUTION = "13800000005"


def test_the_county_reviews_a_leadership_plan_and_an_institution_reads_the_trainer_pool(log_in, browser, server_url,
                                                                                        artifacts):
    context, page = log_in(browser, server_url, COUNTY)
    page.goto(f"{server_url}/tracks/")
    with page.expect_navigation():
        page.locator("[data-testid=track-row] a", has_text="校长信息化领导力").click()
    with page.expect_navigation():
        page.click("[data-testid=plans-link]")
    assert page.locator("[data-testid=plan-school-row]").count() >= 2
    page.screenshot(path=str(artifacts / "tracks_plans_desktop.png"), full_page=True)
    with page.expect_navigation():
        page.locator("[data-testid=plan-school-row] a", has_text="福州市鼓楼第一中心小学").click()
    for name, points in (("analysis", "12"), ("goals", "20"), ("topics", "15"), ("schedule", "16"),
                         ("support", "14")):
        page.fill(f"input[name=score_{name}]", points)
    page.fill("textarea[name=comments]", "研修安排具体，保障措施到位")
    with page.expect_navigation():
        page.click("[data-testid=review-form] button[type=submit]")
    assert "77" in page.inner_text(".messages")
    assert page.locator("[data-testid=term-row]").count() >= 2
    page.screenshot(path=str(artifacts / "tracks_plan_desktop.png"), full_page=True)
    plan_url = page.url
    context.close()

    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context, page = log_in(browser, server_url, SCHOOL_ADMIN, **phone)
    page.goto(plan_url)
    assert "研修安排具体，保障措施到位" in page.inner_text("[data-testid=reviews]")
    assert page.locator("[data-testid=review-form]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "tracks_plan_phone.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, INSTITUTION, **phone)
    page.goto(f"{server_url}/tracks/pool/")
    assert page.locator("[data-testid=trainer-row]").count() >= 1
    page.screenshot(path=str(artifacts / "tracks_pool_phone.png"), full_page=True)
    with page.expect_navigation():
        page.locator("[data-testid=draw]").first.click()
    assert "辅导教师" in page.inner_text(".messages")
    context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    assert page.goto(plan_url).status == 404
    context.close()
