"""The registry's exports (issue 17, item 3): the county office opens 定期注册学时审核 from the menu,
reads next year's list (the demo's 2022—2026 cycle), narrows it to the teachers short of hours
and downloads the workbook. Desktop and phone (390×844), nothing sideways-scrolling.
Screenshots: test-artifacts/registration_*.png."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
COUNTY_OFFICER = "13800000003"


def _no_sideways_scroll(page, what: str) -> None:
    width, inner = page.evaluate(OVERFLOW)
    assert width <= inner, f"{what}: {width} px wide on a {inner} px screen"


def test_the_county_reads_next_years_registration_list_and_downloads_it(browser, server_url, log_in, artifacts):
    for size, options in (("desktop", {}), ("phone", PHONE)):
        context, page = log_in(browser, server_url, COUNTY_OFFICER, **options)
        link = page.locator("a[href='/ledger/registration/']").first
        assert link.count() == 1  # in the menu
        page.goto(server_url + "/ledger/registration/")
        assert "2022—2026 年继续教育周期" in page.locator("main").inner_text()
        due = int(page.locator("[data-testid=registration-due]").inner_text())
        unmet = int(page.locator("[data-testid=registration-unmet]").inner_text())
        assert due > 0
        assert 0 < unmet <= due
        assert page.locator("[data-testid=registration-in-progress]").count() in (0, 1)
        _no_sideways_scroll(page, f"registration {size}")
        page.screenshot(path=str(artifacts / f"registration_list_{size}.png"))  # the top: 100 rows are long

        page.locator("[data-testid=registration-filters] input[name=unmet]").check()
        page.locator("[data-testid=registration-filters] button[type=submit]").click()
        page.wait_for_url("**unmet=1**")
        listed = page.locator("[data-testid=registration-rows] tbody tr")
        assert listed.count() == min(unmet, 100)
        assert "学时" in listed.first.inner_text()
        with page.expect_download() as info:
            page.locator("[data-testid=registration-export]").click()
        download = info.value
        assert download.suggested_filename.startswith("定期注册学时审核-")
        assert download.suggested_filename.endswith(".xlsx")
        sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).active  # noqa: SIM115
        names = [row[1] for row in sheet.iter_rows(values_only=True) if row[0] and isinstance(row[0], int)]
        assert len(names) == due
        _no_sideways_scroll(page, f"registration short {size}")
        page.locator("[data-testid=registration-rows]").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"registration_short_{size}.png"))

        # The same county's 职称 records, every teacher of it in one workbook.
        page.goto(server_url + "/certificates/title/")
        page.select_option("[data-testid=title-county]", index=1)
        with page.expect_download() as info:
            page.locator("[data-testid=title-xlsx]").click()
        summary = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))["学时汇总"]  # noqa: SIM115
        assert summary.max_row - 2 > 20  # the demo county's schools, not one school
        _no_sideways_scroll(page, f"title county form {size}")
        page.screenshot(path=str(artifacts / f"title_county_form_{size}.png"), full_page=True)
        context.close()


PRINCIPAL = "13800000006"


def test_the_principal_prints_a_schools_title_review_records_and_downloads_them(browser, server_url, log_in,
                                                                                artifacts):
    for size, options in (("desktop", {}), ("phone", PHONE)):
        context, page = log_in(browser, server_url, PRINCIPAL, **options)
        assert page.locator("a[href='/certificates/title/']").count() >= 1  # in the menu
        page.goto(server_url + "/certificates/title/")
        page.locator("[data-testid=title-ids]").fill("350102190001011234\n")  # not a teacher here
        page.locator("[data-testid=title-print]").click()
        assert "未找到您管辖范围内的教师" in page.locator(".messages").inner_text()
        assert "350102190001011234" in page.locator("[data-testid=title-ids]").input_value()  # kept
        page.locator("[data-testid=title-ids]").fill("")
        page.select_option("[data-testid=title-school]", index=1)
        with page.expect_navigation(wait_until="load"):  # count() does not wait: a half-parsed page counts short
            page.locator("[data-testid=title-print]").click()
        ready = page.locator(".messages").inner_text()
        assert "可以打印" in ready
        records = page.locator("[data-testid=title-record]")
        printed = records.count()
        assert printed > 1
        assert str(printed) in ready  # the message's count is the page's
        first = records.first
        assert first.locator("[data-testid=title-matrix]").is_visible()
        assert "师德师风" in first.locator("[data-testid=title-matrix]").inner_text()
        assert "国家智慧教育平台" in first.locator("[data-testid=title-rows]").inner_text()
        _no_sideways_scroll(page, f"title records {size}")
        first.screenshot(path=str(artifacts / f"title_record_{size}.png"))

        page.goto(server_url + "/certificates/title/")
        page.select_option("[data-testid=title-school]", index=1)
        with page.expect_download() as info:
            page.locator("[data-testid=title-xlsx]").click()
        book = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
        assert book.sheetnames == ["学时汇总", "培训记录", "证书"]
        assert book["学时汇总"].max_row - 2 == printed
        _no_sideways_scroll(page, f"title form {size}")
        page.screenshot(path=str(artifacts / f"title_form_{size}.png"), full_page=True)
        context.close()
