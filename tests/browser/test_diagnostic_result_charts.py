"""A teacher takes the diagnostic test in the browser and sees the two radar charts, drawn by
the vendored ECharts (no request leaves the server); the school admin opens the result of one
of the school's seeded results. Server seeded with `tisheng seed --scale demo`."""

import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

TEACHER = "13800000008"  # the demo school's first teacher, who has not taken the test
PRINCIPAL = "13800000006"


def test_a_teacher_takes_the_test_and_sees_two_radar_charts(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, TEACHER)
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto(f"{server_url}/diagnostics/")
    # The 1.0 program's test (the 2014 standard: two levels, two charts).
    page.locator("[data-testid=diagnostic-programs] tr", has_text="2014").locator("a", has_text="参加测评").click()
    questions = page.locator("[data-testid=diagnostic-form] fieldset")
    for i in range(questions.count()):
        # Strong at level I, weak at level II: level II's topics are recommended.
        choices = questions.nth(i).locator("input[type=radio]")
        choices.nth(3 if i < 10 else 0).check()
    page.click("[data-testid=diagnostic-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/diagnostics/results/\d+/$"))

    page.wait_for_selector("[data-testid=radar-I] canvas")
    page.wait_for_selector("[data-testid=radar-II] canvas")
    page.screenshot(path=str(artifacts / "diagnostic_result.png"), full_page=True)
    assert page.locator("[data-testid=radar-I]").get_attribute("data-bands") == ",".join(["excellent"] * 5)
    assert "T16 网络学习空间的构建与管理" in page.inner_text("[data-testid=recommended]")
    assert "T1 " not in page.inner_text("[data-testid=recommended]")
    assert hosts == {urlsplit(server_url).netloc}
    context.close()


# The 2.0 test (one attempt per teacher and program, on the shared demo server) is taken in
# tests/browser/test_evidence_preview_and_focused_diagnostic.py, which checks its focused
# recommendation (the unit tests check the courses recommended for weak points).


def test_the_principal_sees_the_schools_results(log_in, browser, server_url):
    context, page = log_in(browser, server_url, PRINCIPAL)

    page.goto(f"{server_url}/diagnostics/results/")
    page.locator("[data-testid=attempt-table] tr", has_text="2014").first.locator("a").click()

    page.wait_for_selector("[data-testid=radar-I] canvas")
    assert page.locator("[data-testid=result-cells] tbody tr").count() == 10
    context.close()
