"""Passwords in the browser, at desktop and phone size: a teacher imported from the roster sets a
first password with an SMS code from the login page, logs in, changes it and logs in with the new
one; the principal resets a teacher's password and the teacher must change the temporary one at
the next login.

The SMS code: the demo server sends SMS through the default backend, which writes each message to
the `tisheng.sms` log, i.e. the server's console, which the shared demo server writes to a file.
The test finds that file through /proc (the runserver process listening on the test's port, its
standard output), so nothing test-only exists in the application."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PRINCIPAL = "13800000006"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def server_log(server_url: str) -> Path:
    """The file the demo server's console goes to."""
    port = f"127.0.0.1:{urlsplit(server_url).port}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"runserver" in argv and port in argv:
                return Path(os.readlink(proc / "fd" / "1"))
        except OSError:
            continue
    pytest.fail(f"no runserver process on {port.decode()}")


def sms_code(server_url: str, phone: str, after: int) -> str:
    """The 6-digit code in the latest SMS to `phone` written after byte `after` of the log."""
    log = server_log(server_url)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = log.read_bytes()[after:].decode("utf-8", "replace")
        codes = re.findall(rf"sms to {phone}: .*?(\d{{6}})", text)
        if codes:
            return codes[-1]
        time.sleep(0.2)
    pytest.fail(f"no SMS to {phone} in {log}")


def new_page(browser, size: str):
    context = browser.new_context(locale="zh-CN", viewport=SIZES[size])
    return context, context.new_page()


def log_in_as(page, server_url: str, phone: str, password: str) -> None:
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", password)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def teachers_without_password(browser, server_url: str) -> list[str]:
    """Phones of the demo school's teachers who have no password yet, from the principal's page."""
    context, page = new_page(browser, "desktop")
    log_in_as(page, server_url, PRINCIPAL, DEMO_PASSWORD)
    phones = []
    page_number = 1
    while len(phones) < 8:
        page.goto(f"{server_url}/accounts/password/teachers/?page={page_number}")
        for row in page.locator("[data-testid=teacher-login]").all():
            phone = row.locator("[data-testid=phone]").inner_text().strip()
            if "尚未设置密码" in row.locator("td").nth(1).inner_text() and re.fullmatch(r"1\d{10}", phone):
                phones.append(phone)
        if page.locator(".pagination a", has_text="下一页").count() == 0:
            break
        page_number += 1
    context.close()
    assert phones, "the demo school has no teacher without a password"
    return phones


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_new_teacher_sets_a_first_password_by_sms_then_changes_it(browser, server_url, artifacts, size):
    phone = teachers_without_password(browser, server_url)[0]
    first, second = "Shou@Ci2026", "Xin@Mima2027"
    context, page = new_page(browser, size)

    page.goto(f"{server_url}/accounts/login/")
    page.screenshot(path=str(artifacts / f"password_login_{size}.png"), full_page=True)
    page.click("[data-testid=first-login]")
    assert "首次登录" in page.inner_text("[data-testid=password-forgot]")
    page.fill("input[name=phone]", phone)
    log_size = server_log(server_url).stat().st_size
    page.click("[data-testid=password-forgot] button[type=submit]")
    page.wait_for_selector("[data-testid=password-forgot-code]")
    assert "验证码已通过短信发送" in page.inner_text(".messages")
    assert page.input_value("input[name=phone]") == phone
    page.screenshot(path=str(artifacts / f"password_sms_code_{size}.png"), full_page=True)
    assert no_horizontal_overflow(page)

    # A wrong code first: said next to the code field, nothing lost but the code.
    code = sms_code(server_url, phone, log_size)
    page.fill("input[name=code]", f"{(int(code) + 1) % 10 ** 6:06d}")
    page.fill("input[name=new_password1]", first)
    page.fill("input[name=new_password2]", first)
    page.click("[data-testid=password-forgot-code] button[type=submit]")
    assert "验证码错误或已过期" in page.inner_text("#id_code-errors")
    assert page.input_value("input[name=phone]") == phone
    page.screenshot(path=str(artifacts / f"password_sms_wrong_code_{size}.png"), full_page=True)

    page.fill("input[name=code]", code)
    page.fill("input[name=new_password1]", first)
    page.fill("input[name=new_password2]", first)
    page.click("[data-testid=password-forgot-code] button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/login/$"))
    assert "密码已设置" in page.inner_text(".messages")

    log_in_as(page, server_url, phone, first)
    assert urlsplit(page.url).path == "/"

    page.goto(f"{server_url}/accounts/password/change/")
    page.fill("input[name=old_password]", first)
    page.fill("input[name=new_password1]", second)
    page.fill("input[name=new_password2]", second + "x")
    page.click("[data-testid=password-change] button[type=submit]")
    assert "两个密码" in page.inner_text("#id_new_password2-errors") or "不一致" in page.inner_text(
        "#id_new_password2-errors")
    page.screenshot(path=str(artifacts / f"password_change_mismatch_{size}.png"), full_page=True)
    assert no_horizontal_overflow(page)
    page.fill("input[name=old_password]", first)
    page.fill("input[name=new_password1]", second)
    page.fill("input[name=new_password2]", second)
    page.click("[data-testid=password-change] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    assert "密码已修改" in page.inner_text(".messages")
    page.screenshot(path=str(artifacts / f"password_changed_{size}.png"), full_page=True)
    context.close()

    context, page = new_page(browser, size)
    log_in_as(page, server_url, phone, first)
    assert "/accounts/login/" in page.url  # the old one no longer works
    log_in_as(page, server_url, phone, second)
    assert urlsplit(page.url).path == "/"
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_principal_resets_a_teacher_who_must_change_it_at_next_login(browser, server_url, artifacts, size):
    phone = teachers_without_password(browser, server_url)[0]
    context, page = new_page(browser, size)
    log_in_as(page, server_url, PRINCIPAL, DEMO_PASSWORD)
    page.goto(f"{server_url}/accounts/password/teachers/?q={phone}")
    page.wait_for_selector("[data-testid=teacher-logins]")
    assert no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts / f"password_school_teachers_{size}.png"), full_page=True)
    page.locator("[data-testid=teacher-logins] a", has_text="重置密码").first.click()
    page.wait_for_selector("[data-testid=teacher-reset]")
    page.screenshot(path=str(artifacts / f"password_school_reset_confirm_{size}.png"), full_page=True)
    page.click("[data-testid=teacher-reset] button[type=submit]")
    page.wait_for_selector("[data-testid=teacher-reset-done]")
    assert "已重置" in page.inner_text(".messages")
    assert f"临时密码也已通过短信发送到 {phone}" in page.inner_text("[data-testid=teacher-reset-done]")
    temporary = page.inner_text("[data-testid=temporary-password]").strip()
    page.screenshot(path=str(artifacts / f"password_school_reset_done_{size}.png"), full_page=True)
    assert no_horizontal_overflow(page)
    page.goto(f"{server_url}/accounts/password/teachers/?q={phone}")
    assert "临时密码" in page.inner_text("[data-testid=teacher-logins]")
    assert temporary not in page.content()
    context.close()

    context, page = new_page(browser, size)
    log_in_as(page, server_url, phone, temporary)
    page.wait_for_selector("[data-testid=password-change]")
    assert "/accounts/password/change/" in page.url
    assert "他人设置" in page.inner_text("[data-testid=forced]")
    page.screenshot(path=str(artifacts / f"password_forced_change_{size}.png"), full_page=True)
    assert no_horizontal_overflow(page)
    page.goto(f"{server_url}/ledger/")  # any other page sends them back
    assert "/accounts/password/change/" in page.url
    mine = "Wo@DeMima2027"
    page.fill("input[name=old_password]", temporary)
    page.fill("input[name=new_password1]", mine)
    page.fill("input[name=new_password2]", mine)
    page.click("[data-testid=password-change] button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/password/change/" not in page.url
    assert "密码已修改" in page.inner_text(".messages")
    context.close()


def test_the_other_countys_office_cannot_open_the_schools_teacher_logins(browser, server_url):
    context, page = new_page(browser, "desktop")
    log_in_as(page, server_url, "13800000012", DEMO_PASSWORD)  # 思明区 office
    assert page.goto(f"{server_url}/accounts/password/teachers/").status == 404
    context.close()
