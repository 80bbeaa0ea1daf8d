"""Spot checks, the similarity report and the practice overviews in the browser, on the demo
seed (which indexes the demo's evidence texts and draws a spot check in 鼓楼区): the county
office's list and draw, the teacher college reviewer's assigned items and one item's page,
the school's overview and a near-duplicate side by side. Screenshots of each page. Nothing
is changed (other browser tests share the server)."""

import re

import pytest

pytestmark = pytest.mark.browser

COUNTY = "13800000003"
COLLEGE = "13800000004"
PRINCIPAL = "13800000006"


def test_the_county_office_sees_its_spot_check_and_the_county_overview(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, COUNTY)
    page.click("nav >> text=县级抽检")
    page.wait_for_url(re.compile(r".*/practice/checks/spot/$"))
    assert page.locator("[data-testid=draw-form]").is_visible()
    page.screenshot(path=str(artifacts / "checks_spot_list.png"), full_page=True)
    page.locator("[data-testid=spot-checks] tbody a").first.click()
    page.wait_for_url(re.compile(r".*/practice/checks/spot/\d+/$"))
    assert page.inner_text("[data-testid=seed]").strip() == "20250601"
    assert "抽检合格" in page.inner_text("[data-testid=spot-items]")
    # The county's trainer pool (the demo's 培训团队) is offered first, marked as such.
    picks = page.locator("[data-testid=assign-form] .reviewer-picks label")
    assert picks.count() >= 2
    assert picks.first.get_attribute("data-testid") == "pool-reviewer"
    assert "培训团队库" in picks.first.inner_text()
    page.screenshot(path=str(artifacts / "checks_spot_detail.png"), full_page=True)
    detail = page.url
    phone, small = log_in(browser, server_url, COUNTY, viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True)
    small.goto(detail)
    assert small.locator("[data-testid=pool-reviewer]").first.is_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    small.screenshot(path=str(artifacts / "checks_spot_detail_phone.png"), full_page=True)
    phone.close()
    page.click("nav >> text=校本研修概况")
    page.wait_for_url(re.compile(r".*/practice/checks/regions/\d+/.*"))
    assert page.locator("[data-testid=schools] tbody tr").count() >= 1
    page.screenshot(path=str(artifacts / "checks_county_overview.png"), full_page=True)
    context.close()


def test_the_teacher_college_reviewer_opens_an_assigned_item(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, COLLEGE)
    page.click("nav >> text=我的抽检任务")
    page.wait_for_url(re.compile(r".*/practice/checks/review/$"))
    page.screenshot(path=str(artifacts / "checks_review_list.png"), full_page=True)
    page.locator("[data-testid=review-items] tbody a").first.click()
    page.wait_for_url(re.compile(r".*/practice/checks/items/\d+/$"))
    assert page.locator("[data-testid=decide-form]").is_visible()
    assert page.locator("[data-testid=item-evidence] tbody tr").count() >= 1
    page.screenshot(path=str(artifacts / "checks_item.png"), full_page=True)
    context.close()


def test_the_principal_sees_the_school_overview_and_a_near_duplicate_side_by_side(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, PRINCIPAL)
    page.click("nav >> text=校本研修概况")
    page.wait_for_url(re.compile(r".*/practice/checks/schools/\d+/.*"))
    assert page.locator("[data-testid=points] tbody tr").count() >= 1
    page.screenshot(path=str(artifacts / "checks_school_overview.png"), full_page=True)
    page.click("text=相似材料")
    page.wait_for_url(re.compile(r".*/practice/checks/similarity/.*"))
    page.screenshot(path=str(artifacts / "checks_similarity_list.png"), full_page=True)
    page.locator("[data-testid=flagged] tbody a").first.click()
    page.wait_for_url(re.compile(r".*/practice/checks/similarity/\d+/$"))
    assert page.locator("[data-testid=similar]").count() >= 1
    assert page.locator("mark.shared").count() >= 1
    page.screenshot(path=str(artifacts / "checks_similarity.png"), full_page=True)
    context.close()
