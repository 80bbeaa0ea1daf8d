"""Exports from the dashboard and the offices' page for third-party evaluators, in a browser on
the demo province (seeded evaluator 13800000009 holds a 90-day grant over the province)."""

import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser



def test_the_county_office_exports_its_schools_and_grants_an_evaluator(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, accept_downloads=True, phone="13800000003")  # 鼓楼区's office
    page.goto(f"{server_url}/monitoring/")
    with page.expect_download() as download:
        page.locator("[data-testid=exports] a", has_text="下级单位").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True)  # noqa: SIM115
                .worksheets[0].iter_rows(values_only=True))
    assert rows[1][1].startswith("鼓楼区")

    page.locator(".site-nav a", has_text="第三方评估").click()
    page.fill("input[name=phone]", "13800000009")
    page.fill("input[name=node]", "350102")
    page.click("[data-testid=grant-form] button[type=submit]")
    page.wait_for_selector("[data-testid=grants] td:has-text('第三方评估专家')")
    page.screenshot(path=str(artifacts / "evaluators_county.png"), full_page=True)
    context.close()


def test_an_evaluator_sees_the_province_dashboard_and_exports_teachers(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, accept_downloads=True, phone="13800000009")
    page.goto(f"{server_url}/monitoring/")
    page.wait_for_selector("[data-testid=chart-funnel][data-drawn='1'] canvas")
    assert "福建省" in page.inner_text("h1")
    page.screenshot(path=str(artifacts / "dashboard_evaluator.png"), full_page=True)
    page.goto(f"{server_url}/monitoring/?node=35/3501/350102")  # 鼓楼区
    page.wait_for_selector("[data-testid=exports]")
    with page.expect_download() as download:
        page.locator("[data-testid=exports] a", has_text="教师").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    context.close()
