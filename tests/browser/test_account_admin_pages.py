"""The security admin (安全管理员, 13800000010) creates a school account, unlocks it after it was
locked by wrong passwords, and ends its role; the audit admin (审计管理员, 13800000011) finds
those actions in the log in plain words, filters it and exports it. Desktop and phone
(390×844) screenshots in test-artifacts/."""

import re

import pytest

pytestmark = pytest.mark.browser

SECURITY = "13800000010"
AUDITOR = "13800000011"
DEMO_PASSWORD = "Demo@2026"
NEW_PHONE = "13912340001"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _phone_login(browser, server_url: str, phone: str):
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return context, page


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _lock_by_wrong_passwords(browser, server_url: str, phone: str) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    for _i in range(5):
        page.goto(f"{server_url}/accounts/login/")
        page.fill("input[name=username]", phone)
        page.fill("input[name=password]", "wrong-Password-1")
        page.click("form[action$='/accounts/login/'] button[type=submit]")
    assert "锁定" in page.inner_text("main")
    context.close()


def test_the_security_admin_creates_a_school_account_unlocks_it_and_ends_its_role(
        log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, SECURITY)
    page.click("nav >> text=账号管理")
    page.wait_for_selector("[data-testid=account-table]")
    assert "学时" not in page.inner_text("main")
    page.screenshot(path=str(artifacts / "account_admin_list.png"), full_page=True)

    page.click("[data-testid=new-account]")
    page.fill("[data-testid=school-search] input[name=school_q]", "鼓楼第一中心")
    page.click("[data-testid=school-search] button")
    page.click("[data-testid=school-results] a >> nth=0")  # fills the unit with the school's code
    form = page.locator("[data-testid=create-form]")
    assert form.locator("input[name=node]").input_value() == "3501020001"
    form.locator("input[name=name]").fill("鼓楼一小教务员")
    form.locator("input[name=phone]").fill("1391234")  # too short: refused next to the field
    form.locator("select[name=role]").select_option("school_admin")
    form.locator("button[type=submit]").click()
    assert "11位手机号" in page.inner_text("[data-testid=error-phone]")
    assert page.locator("[data-testid=create-form] input[name=name]").input_value() == "鼓楼一小教务员"
    page.fill("[data-testid=create-form] input[name=phone]", NEW_PHONE)
    page.click("[data-testid=create-form] button[type=submit]")
    page.wait_for_selector("[data-testid=one-time-password]")
    assert "已为鼓楼一小教务员创建账号" in page.inner_text(".messages")
    assert len(page.inner_text("[data-testid=one-time-password]").strip()) == 16
    page.screenshot(path=str(artifacts / "account_admin_created.png"), full_page=True)
    page.click("text=查看该账号")
    account_url = page.url

    _lock_by_wrong_passwords(browser, server_url, NEW_PHONE)
    page.goto(account_url)
    assert "锁定至" in page.inner_text("[data-testid=account-status]")
    page.screenshot(path=str(artifacts / "account_admin_locked.png"), full_page=True)
    page.click("[data-testid=unlock]")
    assert "已解锁" in page.inner_text(".messages")
    assert "正常" in page.inner_text("[data-testid=account-status]")

    page.click("[data-testid=end-role]")
    assert "角色已结束" in page.inner_text(".messages")
    assert "没有任何角色" in page.inner_text("[data-testid=roles]")
    page.screenshot(path=str(artifacts / "account_admin_role_ended.png"), full_page=True)
    context.close()

    context, page = _phone_login(browser, server_url, SECURITY)
    page.goto(f"{server_url}/accounts/admin/?q=鼓楼")
    page.wait_for_selector("[data-testid=account-table]")
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts / "account_admin_list_phone.png"), full_page=True)
    page.goto(account_url)
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts / "account_admin_detail_phone.png"), full_page=True)
    context.close()


def test_the_audit_admin_filters_the_log_and_exports_it(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, AUDITOR)
    page.click("nav >> text=审计日志")
    page.wait_for_selector("[data-testid=audit-table]")
    table = page.inner_text("[data-testid=audit-table]")
    # Newest first: the auditor's own sign-in, in words. (What else the first page holds depends on
    # which journeys ran before on this shared server; the demo's role grants are found by filter below.)
    assert "登录" in table
    assert "login" not in table
    assert "role_granted" not in table
    assert "{" not in table
    page.screenshot(path=str(artifacts / "audit_log.png"), full_page=True)

    filters = page.locator("[data-testid=audit-filters]")
    filters.locator("select[name=action]").select_option(label="授予角色")
    filters.locator("input[name=actor]").fill("省工程办")
    filters.locator("input[name=target]").fill("第三方评估专家")
    filters.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=audit-table]")
    rows = page.locator("[data-testid=audit-table] tbody tr")
    assert rows.count() >= 1
    for text in rows.all_inner_texts():  # the demo's evaluator grant, in words
        assert "授予角色" in text
        assert "省工程办管理员" in text
        assert "第三方评估专家" in text
        assert "角色：第三方评估" in text
    page.screenshot(path=str(artifacts / "audit_log_filtered.png"), full_page=True)

    with page.expect_download() as download:
        page.click("[data-testid=export]")
    assert download.value.suggested_filename.endswith(".xlsx")
    context.close()

    context, page = _phone_login(browser, server_url, AUDITOR)
    page.goto(f"{server_url}/accounts/audit/")
    page.wait_for_selector("[data-testid=audit-table]")
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts / "audit_log_phone.png"), full_page=True)
    context.close()
