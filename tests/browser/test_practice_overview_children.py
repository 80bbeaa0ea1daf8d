"""The practice overview of a city and of the province in the browser, on the demo seed: a row
per county (per city), and the county's link opens that county's own overview with its schools.
Screenshots of both pages. Nothing is changed (other browser tests share the server)."""

import re

import pytest

pytestmark = pytest.mark.browser

PROVINCE = "13800000001"
CITY = "13800000002"


def test_the_city_office_sees_a_row_per_county_and_drills_down(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, CITY)
    page.click("nav >> text=校本研修概况")
    page.wait_for_url(re.compile(r".*/practice/checks/regions/\d+/.*"))
    counties = page.locator("[data-testid=counties]")
    assert "按县（市、区）" in page.inner_text("main")
    assert counties.locator("tbody tr").count() >= 1
    gulou = counties.locator("tbody tr", has_text="鼓楼区")
    assert gulou.count() == 1
    assert int(gulou.locator("td").nth(1).inner_text().replace(",", "")) > 0
    page.screenshot(path=str(artifacts / "checks_city_overview.png"), full_page=True)
    gulou.locator("a").click()
    page.wait_for_url(re.compile(r".*/practice/checks/regions/\d+/\?program=\d+$"))
    assert "鼓楼区" in page.inner_text("h1")
    assert page.locator("[data-testid=schools] tbody tr").count() >= 1
    context.close()


def test_the_province_office_sees_a_row_per_city(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, PROVINCE)
    page.click("nav >> text=校本研修概况")
    page.wait_for_url(re.compile(r".*/practice/checks/regions/\d+/.*"))
    cities = page.locator("[data-testid=cities] tbody tr")
    assert cities.filter(has_text="福州市").count() == 1
    page.screenshot(path=str(artifacts / "checks_province_overview.png"), full_page=True)
    context.close()
