"""The public verify page in a browser (issue 12 item 6): a certificate's number alone asks for
the code printed on it and shows nothing about the holder; with the code the certificate is
shown, on a desktop and on a phone; a wrong code reads like an unknown number. The demo's
certificates are the institution's 网络培训合格证明 (seed_partner.py)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PROVINCE_OFFICE = "13800000001"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _a_certificate(browser, server_url: str, log_in) -> tuple[str, str, str]:
    """(number, code, holder's name) of the first certificate on the province office's list."""
    context, page = log_in(browser, server_url, PROVINCE_OFFICE)
    page.goto(f"{server_url}/certificates/")
    row = page.locator("table tbody tr").first
    href = row.locator("td a").first.get_attribute("href")
    name = row.locator("td").nth(1).inner_text().strip()
    context.close()
    number, code = re.fullmatch(r"/verify/([^/]+)/([0-9A-Z]{16})", href).groups()
    return number, code, name


def test_anyone_verifies_a_certificate_with_its_number_and_code(browser, server_url, log_in, artifacts):
    number, code, name = _a_certificate(browser, server_url, log_in)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()

    page.goto(f"{server_url}/verify/{number}")
    form = page.locator("[data-testid=verify-code]")
    assert "请输入证书上的验证码" in form.inner_text()
    assert name not in page.content()
    page.screenshot(path=str(artifacts / "verify_code_form.png"), full_page=True)

    page.fill("input[name=code]", f"{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}".lower())
    page.click("[data-testid=verify-form] button[type=submit]")
    page.wait_for_selector("[data-testid=verify-result]")
    assert name in page.inner_text("[data-testid=verify-result]")
    assert page.inner_text("[data-testid=status]") == "有效"
    page.screenshot(path=str(artifacts / "verify_result_desktop.png"), full_page=True)

    wrong = "0" * 16 if code != "0" * 16 else "1" * 16
    response = page.goto(f"{server_url}/verify/{number}/{wrong}")
    assert response.status == 404
    assert "查无此证书" in page.inner_text("[data-testid=verify-not-found]")
    assert name not in page.content()
    context.close()


def test_the_verify_page_fits_a_phone(browser, server_url, log_in, artifacts):
    number, code, name = _a_certificate(browser, server_url, log_in)
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()

    page.goto(f"{server_url}/verify/{number}/{code}")  # what the QR code opens

    assert name in page.inner_text("[data-testid=verify-result]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "verify_result_phone.png"), full_page=True)
    page.goto(f"{server_url}/verify/{number}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "verify_code_form_phone.png"), full_page=True)
    context.close()
