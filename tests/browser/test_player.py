"""The demo teacher plays the seeded demo lesson (a 12-second video generated with ffmpeg by
`tisheng seed --scale demo`, cut into HLS by the seed) in Debian's chromium, through hls.js on the
page's one <video>, and sees the progress the server credits rise."""

import os
import re
import time

import pytest

# The server started by tests/browser/conftest.py copies the environment: beat every 2 s, not 20.
os.environ.setdefault("TISHENG_HEARTBEAT_SECONDS", "2")

pytestmark = pytest.mark.browser

PASSWORD = "Demo@2026"
DEMO_TEACHER = "13800000008"


def percent(page, element: str = "lesson-percent") -> float:
    text = page.locator(f"#{element}").inner_text()
    return 0.5 if text == "<1" else int(text)  # "<1": begun, under one percent


def wait_until(page, predicate: str, timeout: float = 30) -> None:
    """Poll `predicate` (a JavaScript arrow function) through page.evaluate. Playwright's
    wait_for_function evaluates its string with eval, which the site's Content-Security-Policy
    (script-src 'self', no 'unsafe-eval') refuses, as it should."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {predicate}")
        page.wait_for_timeout(100)


def test_playing_the_demo_lesson_raises_the_credited_progress(browser, server_url, artifacts):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    refused = []  # the player runs under the site's Content-Security-Policy: nothing it does is refused
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    fetched = []  # the playlist and its segments (signed URLs), not the single file
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", DEMO_TEACHER)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(f"{server_url}/learn/lessons/")
    page.locator("[data-testid=my-lessons] a", has_text="课堂导入示例").click()
    page.wait_for_url(re.compile(r".*/learn/lessons/\d+/$"))
    lesson_url = page.url
    assert percent(page) == 0
    wait_until(page, "() => document.getElementById('player').readyState >= 1")
    page.wait_for_timeout(500)  # the playback session has started
    page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")

    wait_until(page, "() => parseInt(document.getElementById('lesson-percent').textContent) > 0", 15)
    first = percent(page)
    wait_until(page, f"() => parseInt(document.getElementById('lesson-percent').textContent) > {first}", 15)
    wait_until(page, "() => document.getElementById('player').ended", 20)
    # The end of the video pauses it, and the pause is reported at once: the page shows the
    # answer, the lesson complete, without waiting for a beat or a reload.
    wait_until(page, "() => document.getElementById('lesson-state').textContent === '已学完'", 10)
    # It played as HLS: hls.js fed the element (a MediaSource blob), segments came by signed URLs.
    source = page.evaluate("() => document.getElementById('player').currentSrc")
    assert source.startswith("blob:"), (source, fetched)
    assert any(url.endswith("/hls.m3u8") for url in fetched)
    assert any("/files/s/" in url for url in fetched)
    assert not any(url.endswith("/video") for url in fetched)
    assert percent(page) >= 95
    assert page.locator("[data-testid=media-state]").inner_text() == "已播放完"
    # The course's progress follows without a reload: its lesson count, this lesson's row (the same
    # percentage as above) and the one course percentage (12 s of the course's 45 minutes: <1 %).
    course = page.locator("[data-testid=course-progress]")
    assert page.locator("#course-lessons-done").inner_text() == "1"
    row = page.locator("[data-testid=lessons] tr[aria-current=true]")
    assert row.locator(".lesson-row-percent").inner_text() == page.locator("#lesson-percent").inner_text()
    assert "已学完" in row.inner_text()
    assert page.locator("#course-percent").inner_text() == "<1"
    assert page.locator("[data-testid=course-complete]").inner_text() == ""  # one lesson of two
    shown = (page.locator("#lesson-percent").inner_text(), course.inner_text())
    page.screenshot(path=str(artifacts / "player.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "player-phone.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    # And it is what the server credited: a reload shows the same numbers.
    page.goto(lesson_url)
    assert (page.locator("#lesson-percent").inner_text(), course.inner_text()) == shown
    assert refused == []
    context.close()
