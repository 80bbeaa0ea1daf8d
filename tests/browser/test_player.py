"""The demo teacher plays the seeded demo lesson (an 8-second video generated with ffmpeg by
`tisheng seed --scale demo`) in Debian's chromium and sees the progress the server credits rise."""

import os
import re

import pytest

# The server started by tests/browser/conftest.py copies the environment: beat every 2 s, not 20.
os.environ.setdefault("TISHENG_HEARTBEAT_SECONDS", "2")

pytestmark = pytest.mark.browser

PASSWORD = "Demo@2026"
DEMO_TEACHER = "13800000008"


def percent(page) -> int:
    return int(page.locator("#lesson-percent").inner_text())


def test_playing_the_demo_lesson_raises_the_credited_progress(browser, server_url, artifacts):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
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
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.wait_for_timeout(500)  # the playback session has started
    page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")

    page.wait_for_function("parseInt(document.getElementById('lesson-percent').textContent) > 0", timeout=15_000)
    first = percent(page)
    page.wait_for_function(f"parseInt(document.getElementById('lesson-percent').textContent) > {first}",
                           timeout=15_000)
    page.wait_for_function("document.getElementById('player').ended", timeout=20_000)
    # The end of the video pauses it, and the pause is reported at once: the page shows the
    # answer, the lesson complete, without waiting for a beat or a reload.
    page.wait_for_function("document.getElementById('lesson-state').textContent === '已学完'", timeout=10_000)
    assert percent(page) >= 95
    page.screenshot(path=str(artifacts / "player.png"))
    # And it is what the server credited.
    page.goto(lesson_url)
    assert percent(page) >= 90
    context.close()
