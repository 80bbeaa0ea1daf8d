"""The province plan for the ministry on the demo province (its version 1 filed by the demo seed):
the province office composes (edits the goals) beside the platform's own tables, previews it,
downloads the draft as PDF and Word (checked to be a PDF and a Word document), and files a new
version at desktop size; on a phone it composes, previews, reads the filed list and a version's
page, with the PDF downloadable; a county office gets 404 for every plan page."""

import re
import zipfile

import pytest

pytestmark = pytest.mark.browser

PROVINCE, OUTSIDER = "13800000001", "13800000012"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
GOALS = "到2026年全省教师信息技术应用能力全面提升（浏览器测试修订）。"


def test_the_province_composes_previews_and_files_its_plan_and_reads_the_filed_list_on_a_phone(
        log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, PROVINCE)
    page.goto(f"{server_url}/supervision/")
    page.click("[data-testid=plan-link]")
    page.wait_for_selector("[data-testid=plan-form]")
    assert "福建省" in page.inner_text("h1")
    assert page.locator("[data-testid=plan-edit-programs] table").count() >= 1
    page.fill("textarea[name=text_goals]", GOALS)
    page.screenshot(path=str(artifacts / "supervision_plan_edit.png"), full_page=True)
    page.click("[data-testid=preview-plan]")
    page.wait_for_selector("[data-testid=plan-document]")
    assert "草稿已保存" in page.inner_text(".messages")
    assert GOALS in page.inner_text("[data-testid=plan-section-goals]")
    # Built from the platform's data: the demo province's programs, with their rule sets' hours.
    assert page.locator("[data-testid=plan-section-programs] tbody tr").count() >= 1
    page.screenshot(path=str(artifacts / "supervision_plan_preview.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=draft-pdf]")
    assert download.value.suggested_filename.endswith(".pdf")
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
    with page.expect_download() as download:
        page.click("[data-testid=draft-docx]")
    assert download.value.suggested_filename.endswith(".docx")
    with zipfile.ZipFile(download.value.path()) as docx:  # a Word document, with the goals in it
        assert GOALS in docx.read("word/document.xml").decode()
    page.click("[data-testid=file-plan]")
    page.wait_for_selector("[data-testid=filings]")
    assert re.search(r"已备案第 \d+ 版", page.inner_text(".messages"))
    assert page.locator("[data-testid=filing-row]").count() >= 2
    page.screenshot(path=str(artifacts / "supervision_plan_filed.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, PROVINCE, **PHONE)
    page.goto(f"{server_url}/supervision/plan/")
    page.wait_for_selector("[data-testid=plan-form]")
    assert page.locator("[data-testid=plan-edit-programs] table").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "supervision_plan_edit_phone.png"), full_page=True)
    page.click("[data-testid=preview-plan]")
    page.wait_for_selector("[data-testid=plan-document]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "supervision_plan_preview_phone.png"), full_page=True)
    page.goto(f"{server_url}/supervision/plan/filed/")
    rows = page.locator("[data-testid=filing-row]")
    assert rows.count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "supervision_plan_filed_phone.png"), full_page=True)
    rows.first.locator("a").first.click()
    page.wait_for_selector("[data-testid=plan-document]")
    assert GOALS in page.inner_text("[data-testid=plan-section-goals]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    pdf = page.request.get(page.url.split("?")[0] + "?format=pdf")
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")
    page.screenshot(path=str(artifacts / "supervision_plan_version_phone.png"), full_page=True)
    version_url = page.url
    context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    for url in (f"{server_url}/supervision/plan/", f"{server_url}/supervision/plan/filed/", version_url):
        assert page.goto(url).status == 404
    context.close()
