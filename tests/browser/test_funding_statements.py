"""Funding on the demo (seeded by tisheng.funding.seed): 鼓楼区's office enters a budget line (a
bad amount first), opens last month's draft statement with 福建师大继教院 that the monthly job
drafted; the institution agrees with it on a phone; the office confirms it and downloads the
workbook for finance. 思明区's office gets 404 for the statement and its workbook."""

import io
import re

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser

OFFICE = "13800000003"  # 鼓楼区工程办管理员
INSTITUTION = "13800000005"  # 福建师大继教院管理员
OUTSIDER = "13800000012"  # 思明区工程办管理员
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def test_a_month_is_settled_from_the_budget_to_the_finance_workbook(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, OFFICE)
    page.goto(f"{server_url}/funding/")
    form = page.locator("[data-testid=budget-form]")
    form.locator("select[name=source]").select_option("continuing")
    form.locator("input[name=amount]").fill("八万")
    form.locator("input[name=purpose]").fill("下半年全员培训")
    form.locator("button[type=submit]").click()
    assert "请填写金额（元）" in page.inner_text(".messages")
    assert form.locator("input[name=purpose]").input_value() == "下半年全员培训"  # nothing typed is lost
    assert form.locator("select[name=source]").input_value() == "continuing"
    form.locator("input[name=amount]").fill("80000")
    form.locator("button[type=submit]").click()
    assert "已新增预算条目" in page.inner_text(".messages")
    assert "下半年全员培训" in page.inner_text("[data-testid=budget-lines]")
    assert "继续教育经费" in page.inner_text(".messages")
    page.screenshot(path=str(artifacts / "funding_budget_desktop.png"), full_page=True)

    page.goto(f"{server_url}/funding/statements/?state=draft")
    row = page.locator("[data-testid=statements] tbody tr", has_text="福建师范大学继续教育学院").first
    row.locator("a").click()
    page.wait_for_selector("[data-testid=lines]")
    assert page.inner_text("[data-testid=state]") == "已起草"
    assert "学时" in page.inner_text("[data-testid=lines]")
    statement = page.url
    page.screenshot(path=str(artifacts / "funding_statement_draft_desktop.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, INSTITUTION, **PHONE)
    page.goto(statement)
    fits_the_phone(page)
    page.screenshot(path=str(artifacts / "funding_statement_check_phone.png"), full_page=True)
    page.locator("[data-testid=check] button[value=agree]").click()
    assert "您已确认结算单无误" in page.inner_text(".messages")
    assert page.inner_text("[data-testid=state]") == "机构已核对"
    fits_the_phone(page)
    page.screenshot(path=str(artifacts / "funding_statement_checked_phone.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, OFFICE)
    page.goto(statement)
    page.locator("[data-testid=office-actions] button", has_text="确认定稿").click()
    assert "已确认定稿" in page.inner_text(".messages")
    assert page.inner_text("[data-testid=state]") == "已确认"
    page.screenshot(path=str(artifacts / "funding_statement_confirmed_desktop.png"), full_page=True)
    export = server_url + page.get_attribute("[data-testid=export]", "href")
    response = page.request.get(export)
    assert response.status == 200
    book = load_workbook(io.BytesIO(response.body()))
    text = " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value is not None)
    assert "福建师范大学继续教育学院" in text
    assert "已确认" in text
    context.close()

    context, page = log_in(browser, server_url, OFFICE, **PHONE)
    page.goto(f"{server_url}/funding/statements/")
    fits_the_phone(page)
    page.screenshot(path=str(artifacts / "funding_statements_phone.png"), full_page=True)
    page.goto(statement)
    fits_the_phone(page)
    context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    assert page.goto(statement).status == 404
    assert page.request.get(export).status == 404
    assert not re.search(r"福建师范大学继续教育学院", page.goto(f"{server_url}/funding/statements/").text())
    context.close()
