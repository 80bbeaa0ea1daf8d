"""A teacher signs in through the province identity platform (a small OpenID Connect provider
served by this test, tisheng/accounts/federation/tests/upstream.py; the demo server is its relying
party, configured by tests/browser/conftest.py), at desktop and phone size: the first time the
platform's identity matches no account, so the teacher links it with their tisheng password;
logging out ends the platform's session too; the next sign-in goes straight to the home page."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEMO_PASSWORD, IDP_PORT
from tisheng.accounts.federation.tests.upstream import Provider

pytestmark = pytest.mark.browser

TEACHER = "13800000008"


def _through_platform(page, server_url: str, account: str) -> None:
    page.goto(f"{server_url}/accounts/login/")
    page.click("[data-testid=federation-login]")
    page.wait_for_url(re.compile(rf"http://127\.0\.0\.1:{IDP_PORT}/authorize.*"))
    page.fill("input[name=account]", account)
    page.click("button[type=submit]")


def test_a_teacher_links_their_platform_identity_once_then_signs_in_through_it(browser, server_url, artifacts):
    with Provider(IDP_PORT, {"fj-3501-0008": {"name": "演示教师"}}) as idp:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(f"{server_url}/accounts/login/")
        assert page.get_by_text("通过省教育资源公共服务平台登录").is_visible()
        page.screenshot(path=artifacts / "federation-login-desktop.png", full_page=True)

        _through_platform(page, server_url, "fj-3501-0008")
        page.wait_for_url(re.compile(r".*/accounts/federation/link/$"))
        assert "不会新建账号" in page.content()
        page.fill("#link-username", TEACHER)
        page.fill("#link-password", "not-my-password")
        page.click("[data-testid=link-submit]")
        page.wait_for_selector("[role=alert]")
        page.screenshot(path=artifacts / "federation-link-desktop.png", full_page=True)
        page.fill("#link-username", TEACHER)
        page.fill("#link-password", DEMO_PASSWORD)
        page.click("[data-testid=link-submit]")
        page.wait_for_url(re.compile(rf"{re.escape(server_url)}/$"))
        assert "平台身份已与本账号关联" in page.content()
        page.screenshot(path=artifacts / "federation-linked-desktop.png", full_page=True)

        page.click("form[action$='/accounts/logout/'] button")
        page.wait_for_url(re.compile(r".*/accounts/login/$"))
        assert idp.logged_out == 1  # tisheng's logout went through the platform's end_session_endpoint
        context.close()

        phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
        page = phone.new_page()
        _through_platform(page, server_url, "fj-3501-0008")
        page.wait_for_url(re.compile(rf"{re.escape(server_url)}/$"))
        assert "已通过省教育资源公共服务平台登录" in page.content()
        page.screenshot(path=artifacts / "federation-signed-in-phone.png", full_page=True)

        phone.close()
