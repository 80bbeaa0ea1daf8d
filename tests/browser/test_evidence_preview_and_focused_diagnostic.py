"""In the browser on the demo seed: the school's assessor previews a teacher's PDF evidence in
a same-origin frame and downloads the point's evidence as one .zip; the demo teacher, weak in
one dimension, gets a focused set of 3 to 5 capability points with the answer behind each.
Desktop and phone screenshots."""

import io
import re
import zipfile

import pytest

pytestmark = pytest.mark.browser

TEACHER = "13800000008"
ASSESSOR = "13800000007"
PHONE = {"width": 390, "height": 844}


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_assessor_previews_a_pdf_and_downloads_the_points_evidence_as_a_zip(log_in, browser, server_url,
                                                                              artifacts):
    context, page = log_in(browser, server_url, ASSESSOR)
    page.goto(f"{server_url}/practice/")
    page.wait_for_url(re.compile(r".*/practice/queue/\d+/.*"))
    page.goto(page.url + "&show=all")
    links = [a.get_attribute("href") for a in page.locator("[data-testid=queue] tbody tr a").all()]
    for href in links:  # the first teacher's point with a PDF among its evidence
        page.goto(server_url + href)
        if page.locator("[data-testid=preview-link]", has_text=".pdf").count():
            break
    else:
        pytest.fail("no PDF evidence in the demo school's queue")

    # The point's evidence as one .zip, with Chinese names inside one folder.
    href = page.get_attribute("[data-testid=zip-point]", "href")
    answer = page.request.get(server_url + href)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(answer.body())).namelist()
    assert names
    assert len({n.split("/")[0] for n in names}) == 1
    assert all("第1次提交" in n or "次提交" in n for n in names)

    pdf_link = page.locator("[data-testid=preview-link]", has_text=".pdf").first
    pdf_link.click()
    page.wait_for_url(re.compile(r".*/practice/evidence/\d+/preview/.*"))
    frame = page.locator("[data-testid=pdf-frame]")
    assert frame.count() == 1
    src = frame.get_attribute("src")
    served = page.request.get(server_url + src)
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("inline")
    assert served.headers["x-frame-options"] == "SAMEORIGIN"
    page.screenshot(path=str(artifacts / "practice_evidence_preview_pdf.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts / "practice_evidence_preview_pdf_phone.png"), full_page=True)
    assert no_horizontal_overflow(page)
    context.close()


def test_a_teacher_weak_in_one_dimension_gets_a_focused_set_with_reasons(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, TEACHER)
    page.goto(f"{server_url}/diagnostics/")
    page.locator("[data-testid=diagnostic-programs] tr", has_text="2.0").locator("a[href*='/take/']").first.click()
    questions = page.locator("[data-testid=diagnostic-form] fieldset")
    for i in range(questions.count()):
        weak = i >= 9  # the last three questions are 学业评价
        choices = questions.nth(i).locator("input[type=radio]")
        choices.nth(0 if weak else choices.count() - 1).check()
    page.click("[data-testid=diagnostic-form] button[type=submit]")
    page.wait_for_selector("[data-testid=radar-micro] canvas")

    points = page.locator("[data-testid=recommended-point]")
    assert 3 <= points.count() <= 5
    first = points.first.inner_text()
    assert "薄弱" in first
    assert "你对“" in first
    assert "学业评价" in page.inner_text("[data-testid=recommended]")
    page.screenshot(path=str(artifacts / "diagnostic_focused_2_0.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.locator("[data-testid=recommended]").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "diagnostic_focused_2_0_phone.png"), full_page=True)
    assert no_horizontal_overflow(page)
    context.close()
