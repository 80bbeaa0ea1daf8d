"""Offices open their dashboards on the demo province (roll-ups refreshed by the seed): the
charts are drawn by the vendored ECharts and the province drills down to a county."""


import pytest

pytestmark = pytest.mark.browser

PROVINCE = "13800000001"


def test_the_province_office_drills_down_from_its_dashboard(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, PROVINCE)
    page.goto(f"{server_url}/monitoring/")
    for chart in ("funnel", "trend", "ranking", "hours", "split"):
        page.wait_for_selector(f"[data-testid=chart-{chart}][data-drawn='1'] canvas")
    assert "福建省" in page.inner_text("h1")
    assert "福州市" in page.inner_text("[data-testid=children]")
    page.screenshot(path=str(artifacts / "dashboard_province.png"), full_page=True)

    page.locator("[data-testid=children] a", has_text="福州市").click()
    page.wait_for_selector("[data-testid=chart-ranking][data-drawn='1'] canvas")
    assert "福州市" in page.inner_text("h1")
    page.locator("[data-testid=children] a").first.click()
    page.wait_for_selector("[data-testid=chart-funnel][data-drawn='1'] canvas")
    assert page.locator(".breadcrumbs a", has_text="福建省").count() == 1
    page.screenshot(path=str(artifacts / "dashboard_county.png"), full_page=True)
    context.close()


def test_the_county_office_issues_a_bulletin(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, "13800000003")  # 鼓楼区's office
    page.goto(f"{server_url}/monitoring/")
    page.locator("a", has_text="通报").first.click()
    page.click("[data-testid=bulletin-new]")
    page.wait_for_selector("[data-testid=bulletin-children]")
    assert "鼓楼区" in page.inner_text("h1.bulletin-title")
    page.screenshot(path=str(artifacts / "bulletin_county.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=bulletin-pdf]")
    assert download.value.suggested_filename.endswith(".pdf")
    context.close()


def test_a_teacher_sees_their_own_progress(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, "13800000008")
    page.locator(".site-nav a", has_text="我的进度").click()
    page.wait_for_selector("[data-testid^=standing-]")
    assert "截止日期" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "my_progress.png"), full_page=True)
    context.close()
