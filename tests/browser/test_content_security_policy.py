"""No page breaks under the Content-Security-Policy (issue 12): signed in as each main role,
Chromium visits the home page and every entry of that role's navigation, plus the API docs and
the public verify page, and the console shows no CSP violation (a blocked inline script,
handler or style)."""

import re

import pytest

pytestmark = pytest.mark.browser

ROLES = {
    "13800000001": "province office",
    "13800000003": "county office",
    "13800000004": "teacher college",
    "13800000005": "training institution",
    "13800000006": "school administrator",
    "13800000008": "teacher",
}
CSP = re.compile(r"Content Security Policy|Content-Security-Policy", re.I)


def _violations_on(page, urls: list[str]) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(f"{page.url}: {m.text}") if CSP.search(m.text) else None)
    for url in urls:
        # "load": every script (the charts draw from the page's own JSON, no fetch) has run; a
        # violation is reported while the page parses and runs them. Waiting for network idle
        # cost half a second a page and found nothing more.
        page.goto(url, wait_until="load")
    page.wait_for_timeout(200)  # the last page's console messages
    return found


@pytest.mark.parametrize("phone", list(ROLES))
def test_no_page_of_a_role_violates_the_content_security_policy(log_in, browser, server_url, phone):
    context, page = log_in(browser, server_url, phone=phone)
    try:
        links = page.eval_on_selector_all(".site-nav a[href]", "as => as.map(a => a.href)")
        urls = [server_url + "/", *dict.fromkeys(u for u in links if u.startswith(server_url))]
        if phone == "13800000001":
            urls += [server_url + "/api/v1/docs", server_url + "/verify/"]

        violations = _violations_on(page, urls)
    finally:
        context.close()

    assert len(urls) > 2
    assert violations == []


def test_chart_tooltips_draw_without_violating_the_policy(log_in, browser, server_url):
    context, page = log_in(browser, server_url, phone="13800000001")
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if CSP.search(m.text) else None)
    try:
        page.goto(f"{server_url}/monitoring/")
        for chart in ("funnel", "trend", "ranking", "hours", "split"):
            box = page.wait_for_selector(f"[data-testid=chart-{chart}][data-drawn='1'] canvas").bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(300)
    finally:
        context.close()

    assert found == []
