"""Each teacher's registration date (issue 17, 定期注册): the school administrator opens 资格注册
有效期 from the menu, picks a teacher with no date on record and enters next year's date; the
county office then reads next year's 定期注册 list, where that teacher falls due on their own
date and the teachers with none are marked, and downloads it. Desktop and phone (390×844),
nothing sideways-scrolling. Screenshots: test-artifacts/registration_dates_*.png."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
SCHOOL_ADMIN, COUNTY_OFFICER = "13800000006", "13800000003"


def _no_sideways_scroll(page, what: str) -> None:
    width, inner = page.evaluate(OVERFLOW)
    assert width <= inner, f"{what}: {width} px wide on a {inner} px screen"


def test_the_school_enters_a_date_and_the_county_lists_the_teacher_on_it(browser, server_url, log_in, artifacts):
    year = dt.date.today().year + 1  # noqa: DTZ011 - the server's next year, as its list defaults to
    entered: dict[str, str] = {}
    for number, (size, options) in enumerate((("desktop", {}), ("phone", PHONE)), start=1):
        context, page = log_in(browser, server_url, SCHOOL_ADMIN, **options)
        assert page.locator("a[href='/ledger/registration/dates/']").count() >= 1  # in the menu
        page.goto(server_url + "/ledger/registration/dates/?missing=1")
        row = page.locator("[data-testid=registration-date-row]").first
        name = row.locator("td").first.inner_text().strip()
        _no_sideways_scroll(page, f"dates {size}")
        page.screenshot(path=str(artifacts / f"registration_dates_list_{size}.png"))
        with page.expect_navigation():
            row.locator("a").click()
        day = f"{year}-0{number + 4}-20"
        page.fill("input[name=valid_until]", day)
        with page.expect_navigation():
            page.locator("[data-testid=registration-save]").click()
        message = page.locator(".messages").inner_text()
        assert "已保存" in message
        assert day in message
        assert day in page.locator("[data-testid=registration-history]").inner_text()
        assert "注册周期" in page.locator("[data-testid=registration-window]").inner_text()
        _no_sideways_scroll(page, f"date {size}")
        page.screenshot(path=str(artifacts / f"registration_dates_saved_{size}.png"), full_page=True)
        entered[name] = day

        page.fill("input[name=valid_until]", f"{year + 9}-01-01")  # more than five years away
        with page.expect_navigation():
            page.locator("[data-testid=registration-save]").click()
        assert "超过五年" in page.locator("main").inner_text()
        assert day in page.locator("[data-testid=registration-history]").inner_text()  # nothing lost
        context.close()

    for size, options in (("desktop", {}), ("phone", PHONE)):
        context, page = log_in(browser, server_url, COUNTY_OFFICER, **options)
        page.goto(server_url + f"/ledger/registration/?year={year}")
        assert int(page.locator("[data-testid=registration-missing-count]").inner_text()) > 0
        assert page.locator("[data-testid=registration-not-on-record]").count() > 0
        _no_sideways_scroll(page, f"registration {size}")
        page.screenshot(path=str(artifacts / f"registration_dates_county_{size}.png"))
        with page.expect_download() as download:
            page.locator("[data-testid=registration-export]").click()
        book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
        rows = [[c.value for c in r] for r in book.active.iter_rows()]
        header = next(r for r in rows if r[0] == "序号")
        due_column, basis_column = header.index("资格注册有效期至"), header.index("学时核算依据")
        for name, day in entered.items():
            line = next(r for r in rows if r[1] == name)
            assert line[due_column] == day
            assert line[6].startswith("本人注册周期")
        assert any(r[due_column] == "未登记" and r[basis_column].startswith("注册有效期未登记") for r in rows[4:])
        context.close()
