"""A certificate that travels, in a browser at desktop and phone size: from the verify page the
QR code opens, anyone downloads the certificate as a verifiable credential (.json); on the
public verify page they upload that file and read, in Chinese, what was checked; a file changed
by hand fails the signature check."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.browser

PROVINCE_OFFICE = "13800000001"
SIZES = {"desktop": {"viewport": {"width": 1366, "height": 900}},
         "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}}


def _a_certificate(browser, server_url: str, log_in) -> tuple[str, str]:
    context, page = log_in(browser, server_url, PROVINCE_OFFICE)
    page.goto(f"{server_url}/certificates/")
    href = page.locator("table tbody tr").first.locator("td a").first.get_attribute("href")
    context.close()
    return re.fullmatch(r"/verify/([^/]+)/([0-9A-Z]{16})", href).groups()


def test_anyone_downloads_a_certificate_as_a_credential_and_checks_the_file(
        browser, server_url, log_in, artifacts, tmp_path):
    number, code = _a_certificate(browser, server_url, log_in)
    for size, options in SIZES.items():
        context = browser.new_context(locale="zh-CN", accept_downloads=True, **options)
        page = context.new_page()
        page.goto(f"{server_url}/verify/{number}/{code}")
        with page.expect_download() as download:
            page.click("[data-testid=credential-download]")
        path = tmp_path / f"{size}.json"
        download.value.save_as(path)
        credential = json.loads(path.read_text())
        assert "OpenBadgeCredential" in credential["type"]

        page.goto(f"{server_url}/verify/")
        page.click("[data-testid=credential-check]")
        page.set_input_files("#credential-file", str(path))
        page.click("[data-testid=credential-submit]")
        page.wait_for_selector("[data-testid=credential-verdict]")
        assert "真实有效" in page.inner_text("[data-testid=credential-verdict]")
        checks = page.inner_text("[data-testid=credential-checks]")
        for said in ("省级签名完好", "与证书记录一致", "未被撤销"):
            assert said in checks
        page.screenshot(path=str(artifacts / f"credential-check-{size}.png"), full_page=True)

        credential["credentialSubject"]["creditsEarned"] = "999.00"
        forged = tmp_path / f"{size}-forged.json"
        forged.write_text(json.dumps(credential, ensure_ascii=False))
        page.set_input_files("#credential-file", str(forged))
        page.click("[data-testid=credential-submit]")
        page.wait_for_selector("[data-testid=credential-verdict]")
        assert "未通过" in page.inner_text("[data-testid=credential-verdict]")
        if size == "phone":
            page.screenshot(path=str(artifacts / "credential-forged-phone.png"), full_page=True)
        context.close()
