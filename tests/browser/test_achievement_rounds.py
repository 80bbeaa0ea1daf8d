"""优秀应用成果评选 in the browser, desktop and phone: the county office opens a round through its
form; the principal nominates a resource of the school on a phone; the county office closes
nominations and lands on the expert panel; everyone reads the demo's published county round, the
office downloads the winners' workbook and an award certificate whose address anyone opens on a
phone to verify it, and the principal reads the results on a phone; another
county's office gets 404 for the new round. (The award on the teacher's registry page is
tisheng/achievements/tests/test_rounds.py's.)"""

import io
import re
import uuid

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.browser

PRINCIPAL = "13800000006"
COUNTY = "13800000003"
OTHER_COUNTY = "13800000012"
PHONE = {"width": 390, "height": 844}


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_county_round_from_the_form_to_the_panel_and_the_published_results(log_in, browser, server_url,
                                                                             artifacts):
    title = f"浏览器测试评选{uuid.uuid4().hex[:6]}"
    context, page = log_in(browser, server_url, COUNTY)
    page.goto(f"{server_url}/achievements/")
    page.click("[data-testid=new-round]")
    page.wait_for_url(re.compile(r".*/achievements/new/"))
    form = page.locator("[data-testid=round-form]")
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=quota]").fill("2")
    with page.expect_navigation():
        form.locator("[data-testid=create]").click()
    assert "评选已发起" in page.inner_text(".messages")
    round_url = page.url
    page.screenshot(path=str(artifacts / "achievements_round_desktop.png"), full_page=True)

    phone, ppage = log_in(browser, server_url, PRINCIPAL, viewport=PHONE)
    ppage.goto(round_url)
    nominate = ppage.locator("[data-testid=nominate-form]")
    nominate.locator("select[name=category]").select_option(index=1)
    nominate.locator("textarea[name=summary]").fill("课堂中常态化使用交互白板，效果显著。")
    with ppage.expect_navigation():
        nominate.locator("[data-testid=nominate]").click()
    assert "已推荐" in ppage.inner_text(".messages")
    assert ppage.locator("[data-testid=nomination-row]").count() == 1
    assert "剩余推荐名额：1" in ppage.inner_text("[data-testid=unit]")
    assert no_horizontal_overflow(ppage)
    ppage.screenshot(path=str(artifacts / "achievements_nominate_phone.png"), full_page=True)
    phone.close()

    page.goto(round_url)
    assert page.locator("[data-testid=nominations] tbody tr").count() == 1
    with page.expect_navigation():
        page.locator("[data-testid=start-scoring] button").click()
    assert re.search(r"/panels/\d+/", page.url)
    assert "交专家组评审" in page.inner_text(".messages")

    # The demo's county round, finished: ranks, scores and awards, and the workbook.
    page.goto(f"{server_url}/achievements/")
    page.locator("[data-testid=round-row] a", has_text="鼓楼区中小学教师信息技术应用优秀成果评选").first.click()
    page.wait_for_load_state()
    results_url = page.url
    assert "结果已公布" in page.inner_text("[data-testid=state]")
    assert "一等奖" in page.inner_text("[data-testid=results-table]")
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.screenshot(path=str(artifacts / "achievements_results_desktop.png"), full_page=True)
    href = page.locator("[data-testid=results-table] a", has_text="证书").first.get_attribute("href")
    pdf = page.request.get(server_url + href)  # opens inline in a browser: fetched with the session
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.body()))
    verify_url = re.search(r"https?://\S+/verify/[A-Z0-9-]+/[A-Z0-9]+", reader.pages[0].extract_text()).group(0)
    scanned = reader.metadata.subject  # what the QR code holds: the address, "#", the signed facts
    assert scanned.startswith(verify_url + "#")
    context.close()

    # Anyone who scans the award certificate on a phone, signed in or not, reads its facts.
    anonymous = browser.new_context(viewport=PHONE, locale="zh-CN")
    apage = anonymous.new_page()
    apage.goto(f"{server_url}/verify/{scanned.split('/verify/', 1)[1]}")  # on the demo's own address
    result = apage.inner_text("[data-testid=verify-result]")
    assert "获奖证书" in result
    assert apage.inner_text("[data-testid=status]") == "有效"
    assert apage.inner_text("[data-testid=award]") in ("一等奖", "二等奖", "三等奖")
    assert "与本证书颁发时的记录一致" in apage.inner_text("[data-testid=qr-match]")  # the scanned facts were signed
    assert "不一致" not in apage.inner_text("[data-testid=qr-match]")
    assert no_horizontal_overflow(apage)
    apage.screenshot(path=str(artifacts / "achievements_verify_phone.png"), full_page=True)
    anonymous.close()

    # On a phone the principal reads the published results (every signed-in person may).
    phone, ppage = log_in(browser, server_url, PRINCIPAL, viewport=PHONE)
    ppage.goto(results_url)
    assert "一等奖" in ppage.inner_text("[data-testid=results-table]")
    assert no_horizontal_overflow(ppage)
    ppage.screenshot(path=str(artifacts / "achievements_results_phone.png"), full_page=True)
    phone.close()

    other, opage = log_in(browser, server_url, OTHER_COUNTY)
    response = opage.goto(round_url)
    assert response.status == 404
    other.close()
