"""A new training institution registers on a phone (a wrong credit code first: the form comes back
with the error and what was typed), the province office checks the queue at its desk and
approves it, and the institution's contact signs in with the password they chose. The names,
phone and code are made for this run, so the shared demo server's other tests are untouched."""

import random
import re

import pytest

pytestmark = pytest.mark.browser

PROVINCE = "13800000001"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
PASSWORD = "Fanhang-2026-peixun"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _code(body: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + ALPHABET[(31 - total % 31) % 31]


def test_an_institution_registers_on_a_phone_and_the_province_approves_it(log_in, browser, server_url, artifacts,
                                                                          tmp_path):
    n = random.randrange(10_000, 99_999)
    name, phone, code = f"泉州扬帆教育科技有限公司{n}", f"1861{n:05d}{n % 100:02d}", _code(f"91350500MA3{n}A")
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(PDF)

    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{server_url}/accounts/login/")
    with page.expect_navigation():
        page.click("[data-testid=institution-register]")
    page.fill("input[name=name]", name)
    page.fill("input[name=credit_code]", code[:-1] + ("0" if code[-1] != "0" else "1"))
    page.fill("input[name=contact_name]", "陈扬")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.set_input_files("input[name=licence]", str(licence))
    with page.expect_navigation():
        page.click("[data-testid=register]")
    assert "校验位" in page.inner_text("[data-testid=error-credit_code]")
    assert page.input_value("input[name=name]") == name
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "institution_register_error_phone.png"), full_page=True)
    page.fill("input[name=credit_code]", code)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.set_input_files("input[name=licence]", str(licence))
    with page.expect_navigation():
        page.click("[data-testid=register]")
    assert "注册已提交" in page.inner_text(".messages")
    page.screenshot(path=str(artifacts / "institution_register_sent_phone.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, PROVINCE)
    page.goto(f"{server_url}/institutions/registrations/")
    page.wait_for_load_state()
    assert name in page.inner_text("[data-testid=pending]")
    with page.expect_navigation():
        page.locator("[data-testid=pending] a", has_text=name).click()
    page.screenshot(path=str(artifacts / "institution_registration_check.png"), full_page=True)
    with page.expect_navigation():
        page.click("[data-testid=approve]")
    assert f"{name}已注册" in page.inner_text(".messages")
    assert name in page.inner_text("[data-testid=decided]")
    page.screenshot(path=str(artifacts / "institution_registrations_decided.png"), full_page=True)
    context.close()

    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{server_url}/institutions/selection/")
    assert page.locator("h1").count() == 1
    page.screenshot(path=str(artifacts / "institution_first_sign_in_phone.png"), full_page=True)
    context.close()
