"""The school-evaluation indicators (办学评估 / 校长考评) on the demo province, with the inspection
grade beside the training numbers (issue 19): the inspector grades the demo school in its county's
mid-term inspection; the county office then finds the grade, its round and its day in the school's
row on the page (at a desk and on a phone) and in the .xlsx; another county's office gets 404 for
that county's indicators and their export.

On a demo server of its own: the session's shared server is graded by the supervision journey too."""

import io
import re

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import demo_server

pytestmark = pytest.mark.browser

COUNTY, OUTSIDER, INSPECTOR = "13800000003", "13800000012", "13800001901"
SCHOOL = "鼓楼第一中心小学"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def own_server():
    with demo_server("tisheng-browser-indicators-") as (url, _env):
        yield url


def _grade_the_demo_school(log_in, browser, url: str) -> None:
    context, page = log_in(browser, url, INSPECTOR)
    page.goto(f"{url}/supervision/")
    page.locator("[data-testid=assigned] a", has_text=SCHOOL).click()
    page.wait_for_selector("[data-testid=findings-form]")
    for select in page.locator("[data-testid=finding-row] select").all():
        select.select_option("excellent")
    page.click("[data-testid=save-findings]")
    page.wait_for_selector(".messages")
    page.select_option("[data-testid=grade-form] select[name=grade]", "excellent")
    page.fill("[data-testid=grade-form] textarea[name=summary]", "中期推进扎实。")
    page.click("[data-testid=grade-form] button[type=submit]")
    page.wait_for_selector("[data-testid=overall-grade]")
    assert "优秀" in page.inner_text("[data-testid=overall-grade]")
    context.close()


def test_the_county_office_sees_each_schools_inspection_grade_beside_its_training_numbers(
        log_in, browser, own_server, artifacts):
    url = own_server
    _grade_the_demo_school(log_in, browser, url)

    # At a desk: through the menu to the indicators, the grade in the school's row.
    context, page = log_in(browser, url, COUNTY)
    page.locator(".site-nav a", has_text="办学评估指标").first.click()
    page.wait_for_selector("[data-testid=indicator-rows]")
    head = page.inner_text("[data-testid=indicator-rows] thead")
    for label in ("督导评定", "督导轮次", "督导评定日期"):
        assert label in head
    row = page.locator("[data-testid=indicator-rows] tbody tr", has_text=SCHOOL)
    text = row.inner_text()
    assert "优秀" in text
    assert "中期专项督导" in text
    assert re.search(r"\d{4}-\d{2}-\d{2}", text), text
    # A school never inspected has the columns, empty: the grade is not shifted into another column.
    cells = page.locator("[data-testid=indicator-rows] tbody tr").first.locator("td").count()
    assert cells == page.locator("[data-testid=indicator-rows] thead th").count()
    page.screenshot(path=str(artifacts / "school_indicators_desk.png"), full_page=True)
    export = page.get_attribute("[data-testid=indicators-export]", "href")
    query = export.split("?", 1)[1]

    # The workbook has the same grade in the same school's line.
    with page.expect_download() as download:
        page.click("[data-testid=indicators-export]")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active  # noqa: SIM115
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if "督导评定" in r)
    line = next((r for r in rows if any(SCHOOL in str(c) for c in r)), rows)
    assert line[header.index("督导评定")] == "优秀", (header, line)
    assert "中期专项督导" in line[header.index("督导轮次")]
    context.close()

    # On a phone: the table scrolls in its own frame, the page does not widen.
    context, page = log_in(browser, url, COUNTY, **PHONE)
    page.goto(f"{url}/certificates/schools/?{query}")
    assert "优秀" in page.inner_text("[data-testid=indicator-rows]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "school_indicators_phone.png"), full_page=True)
    context.close()

    # Another county's office: neither the page nor the export of this county.
    context, page = log_in(browser, url, OUTSIDER)
    assert page.goto(f"{url}/certificates/schools/?{query}").status == 404
    assert page.request.get(f"{url}{export}").status == 404
    context.close()
