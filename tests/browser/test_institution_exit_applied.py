"""An institution's exit confirmed today is applied in the background (issue 14): the province office
suspends 福建教育学院 in 福州市 from today; the page it lands on says the decision is being
applied; the job worker applies it; the same page then shows it in effect with the teachers told,
at a desk and on a phone; the decisions list links to it with its state; a county office gets 404.

On a demo server of its own: the decision changes the shared demo's catalogues."""

import subprocess

import pytest

from tests.browser.conftest import ROOT, TISHENG, demo_server

pytestmark = pytest.mark.browser

PROVINCE, COUNTY = "13800000001", "13800000003"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def own_server():
    with demo_server("tisheng-browser-exit-") as served:
        yield served


def test_a_suspension_confirmed_today_is_applied_by_the_worker_and_the_page_says_so(
        log_in, browser, own_server, artifacts):
    url, env = own_server
    context, page = log_in(browser, url, PROVINCE)
    page.goto(f"{url}/institutions/exits/")
    page.select_option("select[name=institution]", label="福建教育学院")
    page.check("input[name=kind][value=suspend]")
    page.select_option("select[name=regions]", label="福州市")
    page.fill("input[name=effective_on]", page.get_attribute("input[name=effective_on]", "min"))  # today, the server's
    page.fill("textarea[name=reason]", "年度考评完成率偏低")
    page.click("[data-testid=preview-exit]")
    page.wait_for_selector("[data-testid=affected]")
    teachers = page.inner_text("[data-testid=affected-teachers]").strip()
    page.click("[data-testid=confirm-exit]")

    # Confirmed: the decision's page, being applied, and the message says what happens next.
    page.wait_for_selector("[data-testid=exit-applying]")
    assert "正在" in page.inner_text(".messages")
    assert teachers in page.inner_text("[data-testid=exit-applying]")
    page.screenshot(path=str(artifacts / "institutions_exit_applying.png"), full_page=True)
    decision_url = page.url

    # The job worker (what `make run` and `tisheng serve` run beside the server) applies it.
    done = subprocess.run([TISHENG, "run-jobs", "--once", "--kind", "institutions.exit_apply"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    page.goto(decision_url)
    page.wait_for_selector("[data-testid=exit-applied]")
    assert page.locator("[data-testid=exit-applying]").count() == 0
    assert page.inner_text("[data-testid=exit-told]").strip() == teachers
    assert page.locator("[data-testid=exit-carried]").count() == 0  # a suspension carries nothing over
    page.screenshot(path=str(artifacts / "institutions_exit_applied.png"), full_page=True)

    # The list links the decision with its state.
    page.goto(f"{url}/institutions/exits/")
    row = page.locator("[data-testid=decisions] tr", has_text="年度考评完成率偏低")
    assert "已生效" in row.inner_text()
    row.locator("a", has_text="福建教育学院").click()
    page.wait_for_selector("[data-testid=exit-applied]")
    context.close()

    # On a phone: the same page, nothing wider than the screen.
    context, page = log_in(browser, url, PROVINCE, **PHONE)
    page.goto(decision_url)
    page.wait_for_selector("[data-testid=exit-counts]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "institutions_exit_applied_phone.png"), full_page=True)
    context.close()

    # A county office: not its decision to see.
    context, page = log_in(browser, url, COUNTY)
    assert page.goto(decision_url).status == 404
    context.close()
