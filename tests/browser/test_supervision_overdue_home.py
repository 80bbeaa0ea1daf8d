"""Overdue rectifications on the home page (the demo's 鼓楼区 item from the province's round is
a week past its deadline): the county office, the inspected unit, sees it as a to-do at desktop
and phone size and follows it to supervision; the province office, which ran the round, sees it
too; both see it on their monitoring dashboards; the other county's office sees no supervision
to-do of 鼓楼区's and nothing of it on its dashboard."""

import pytest

pytestmark = pytest.mark.browser

PROVINCE, COUNTY, OUTSIDER = "13800000001", "13800000003", "13800000012"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def test_the_overdue_item_is_on_the_home_page_of_the_inspected_county_and_of_the_province(
        log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, COUNTY)
    todo = page.locator("[data-testid=section-supervision] [data-testid=todo-supervision-overdue]")
    assert "逾期未整改事项" in todo.inner_text()
    assert "督促未通过规划审核的学校" in todo.inner_text()
    assert page.get_attribute("[data-testid=todo-supervision-overdue-count]", "data-count") == "1"
    page.screenshot(path=str(artifacts / "supervision_overdue_home.png"), full_page=True)
    todo.locator("a").first.click()
    page.wait_for_selector("[data-testid=overdue]")
    assert "督促未通过规划审核的学校" in page.inner_text("[data-testid=overdue]")
    context.close()

    context, page = log_in(browser, server_url, COUNTY, **PHONE)
    todo = page.locator("[data-testid=todo-supervision-overdue]")
    assert "已逾期" in todo.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    todo.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "supervision_overdue_home_phone.png"), full_page=True)
    # The same item on the county's dashboard.
    page.goto(f"{server_url}/monitoring/")
    section = page.locator("[data-testid=section-overdue-rectifications]")
    assert "督促未通过规划审核的学校" in section.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "supervision_overdue_dashboard_phone.png"), full_page=False)
    context.close()

    context, page = log_in(browser, server_url, PROVINCE)
    assert page.get_attribute("[data-testid=todo-supervision-overdue-count]", "data-count") == "1"
    page.goto(f"{server_url}/monitoring/")
    section = page.locator("[data-testid=section-overdue-rectifications]")
    assert "督促未通过规划审核的学校" in section.inner_text()
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "supervision_overdue_dashboard.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    assert "督促未通过规划审核的学校" not in page.inner_text("main")
    assert page.goto(f"{server_url}/supervision/").status in (200, 404)
    assert "督促未通过规划审核的学校" not in page.content()
    page.goto(f"{server_url}/monitoring/")
    assert page.locator("[data-testid=section-overdue-rectifications]").count() == 0
    context.close()
