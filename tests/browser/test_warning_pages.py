"""Early warning on the demo county (scored and reminded by the seed): the county office finds
the at-risk list from its dashboard, reminds a teacher and sees the interventions; the
principal reads the follow-up request; the other county's office cannot open the list."""


import pytest

pytestmark = pytest.mark.browser

COUNTY = "13800000003"  # 鼓楼区 office
PRINCIPAL = "13800000006"
OUTSIDER = "13800000012"  # 思明区 office


def test_the_county_office_reminds_a_teacher_at_risk_and_sees_the_interventions(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, COUNTY)
    page.goto(f"{server_url}/monitoring/")
    page.click("[data-testid=warning-link]")
    page.wait_for_selector("[data-testid=risk-table]")
    assert "预警" in page.inner_text("h1")
    assert "鼓楼第一中心小学" in page.inner_text("[data-testid=schools]")
    assert "尚未开始学习" in page.inner_text("[data-testid=risk-table]") or \
        "无学习记录" in page.inner_text("[data-testid=risk-table]")
    page.screenshot(path=str(artifacts / "warning_county.png"), full_page=True)

    # Years before the deadline nobody in the demo county is 高风险: the office nudges a teacher
    # who has not started from the whole list.
    page.locator("[data-testid=risk-row] input[type=checkbox]").first.check()
    page.click("[data-testid=remind-selected]")
    page.wait_for_selector(".messages")
    assert "已向 1 位教师发送提醒" in page.inner_text(".messages")

    page.locator("a", has_text="干预记录及效果").click()
    page.wait_for_selector("[data-testid=interventions]")
    assert page.locator("[data-testid=intervention-row]").count() >= 4
    page.screenshot(path=str(artifacts / "warning_interventions.png"), full_page=True)
    context.close()


def test_the_principal_reads_the_follow_up_request(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, PRINCIPAL)
    page.locator(".site-nav a", has_text="我的消息").click()
    page.wait_for_selector("[data-testid=notification]")
    # (the demo tells the principal other things too: the follow-up is one of the notifications)
    assert page.locator("[data-testid=notification]", has_text="请跟进本校预警教师").count() >= 1
    page.screenshot(path=str(artifacts / "warning_notifications.png"), full_page=True)
    context.close()


def test_the_other_countys_office_cannot_open_the_demo_county(log_in, browser, server_url):
    context, page = log_in(browser, server_url, OUTSIDER)
    response = page.goto(f"{server_url}/monitoring/warning/?node=35/3501/350102")
    assert response.status == 404
    context.close()
