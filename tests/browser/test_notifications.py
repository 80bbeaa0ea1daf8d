"""A teacher is told what happened to their work: the teacher declares hours from another
platform, the school admin refuses them with a reason, and the teacher, signing in again, finds
the unread count in the header and the notification with the reason, opens it (read, and on to
the hours page) and mutes SMS on 通知设置. At 1366 wide and on a phone (390×844).
Screenshots: test-artifacts/notifications_*.png."""

from __future__ import annotations

import re
import secrets

import pytest

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

TEACHER = "13800000008"
PRINCIPAL = "13800000006"
OUTSIDER = "13800000012"  # 思明区 office
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5f0000000049454e44ae426082")


def sign_in(browser, server_url: str, phone: str, **options):
    """A new context (Chinese; desktop 1366×900 unless `options` say otherwise) signed in."""
    context = browser.new_context(locale="zh-CN", **({"viewport": {"width": 1366, "height": 900}} | options))
    page = context.new_page()
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return context, page


def declare(page, server_url: str, title: str) -> None:
    """The teacher declares 4 hours with a certificate image, trying each program offered."""
    page.goto(f"{server_url}/ledger/")
    programs = page.locator("form[action$='/ledger/declarations/new/'] select[name=program] option")
    for value in [programs.nth(i).get_attribute("value") for i in range(programs.count())]:
        page.goto(f"{server_url}/ledger/")
        form = page.locator("form[action$='/ledger/declarations/new/']")
        form.locator("select[name=program]").select_option(value)
        form.locator("input[name=title]").fill(title)
        form.locator("input[name=hours]").fill("4")
        form.locator("input[name=certificate]").set_input_files(
            {"name": "证书.png", "mimeType": "image/png", "buffer": PNG})
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        if title in page.inner_text("[data-testid=declarations]"):
            return
    pytest.fail("no program of the demo teacher took the declaration")


def test_the_teacher_finds_the_refusal_and_its_reason_after_the_school_decides(
        log_in, browser, server_url, artifacts):
    title = f"寒假研修 {secrets.token_hex(3)}"
    reason = "证书上的姓名与本人不符，请上传本人的证书"

    context, page = log_in(browser, server_url, TEACHER)
    declare(page, server_url, title)
    context.close()

    context, page = log_in(browser, server_url, PRINCIPAL)
    page.goto(f"{server_url}/ledger/declarations/")
    row = page.locator("[data-testid=pending] tr", has_text=title)
    row.locator("input[name=reason]").fill(reason)
    row.locator("button[value=reject]").click()
    page.wait_for_selector(".messages")
    context.close()

    for size, options in (("desktop", {}), ("phone", PHONE)):
        context, page = sign_in(browser, server_url, TEACHER, **options)
        badge = page.locator("[data-testid=notification-badge]")
        if size == "desktop":
            assert int(badge.locator("[data-testid=unread-count]").inner_text()) >= 1
            page.screenshot(path=str(artifacts / "notifications_badge_desktop.png"))
            badge.click()
        else:
            page.goto(f"{server_url}/notifications/")
        note = page.locator("[data-testid=notification]", has_text=title)
        assert "学时申报未通过" in note.inner_text()
        assert f"原因：{reason}" in note.inner_text()
        width, viewport = page.evaluate(OVERFLOW)
        assert width <= viewport, f"{size}: the page scrolls sideways ({width} > {viewport})"
        page.screenshot(path=str(artifacts / f"notifications_list_{size}.png"), full_page=True)
        if size == "desktop":
            assert note.get_attribute("data-read") == "no"
            note.locator("[data-testid=open]").click()
            page.wait_for_url(f"{server_url}/ledger/")
            assert reason in page.inner_text("[data-testid=declarations]")
            page.goto(f"{server_url}/notifications/")
            assert page.locator("[data-testid=notification]", has_text=title).get_attribute("data-read") == "yes"
        context.close()


def test_the_teacher_mutes_sms_and_is_told_so(log_in, browser, server_url, artifacts):
    for size, options in (("desktop", {}), ("phone", PHONE)):
        context, page = sign_in(browser, server_url, TEACHER, **options)
        page.goto(f"{server_url}/notifications/settings/")
        box = page.locator("[data-testid=sms-muted]")
        box.set_checked(size == "desktop")
        page.click("[data-testid=save]")
        page.wait_for_selector(".messages")
        assert ("不再发送短信通知" if size == "desktop" else "同时以短信发送") in page.inner_text(".messages")
        assert box.is_checked() == (size == "desktop")
        width, viewport = page.evaluate(OVERFLOW)
        assert width <= viewport
        page.screenshot(path=str(artifacts / f"notifications_settings_{size}.png"), full_page=True)
        context.close()


def test_another_countys_office_cannot_open_the_teachers_notifications(log_in, browser, server_url):
    context, page = log_in(browser, server_url, TEACHER)
    page.goto(f"{server_url}/notifications/")
    form = page.locator("[data-testid=notification] form").first
    action = form.get_attribute("action")
    context.close()
    context, page = log_in(browser, server_url, OUTSIDER)
    page.goto(f"{server_url}/notifications/settings/")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post(f"{server_url}{action}", form={"csrfmiddlewaretoken": token},
                                 headers={"Referer": f"{server_url}/notifications/"})
    assert response.status == 404
    context.close()
