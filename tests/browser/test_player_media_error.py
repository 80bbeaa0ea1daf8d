"""A lesson whose video cannot be loaded (here: the server answers 404 for its HLS playlist and for
its single file, which the player falls back to) says so in Chinese with a retry, never shows
"playing" over a black box, and asks the server for nothing (no playback session, no heartbeat)
until the video really plays; the retry then plays it."""

import os
import re
import time

import pytest

os.environ.setdefault("TISHENG_HEARTBEAT_SECONDS", "2")  # as test_player: the demo server beats every 2 s

pytestmark = pytest.mark.browser

DEMO_TEACHER = "13800000008"
PHONE = {"width": 390, "height": 844}


def wait_until(page, predicate: str, timeout: float = 30) -> None:
    """Poll a JavaScript arrow function (the site's CSP refuses wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {predicate}")
        page.wait_for_timeout(100)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_video_that_fails_to_load_says_so_offers_a_retry_and_asks_for_no_credit(
        browser, server_url, log_in, artifacts, viewport):
    context, page = log_in(browser, server_url, DEMO_TEACHER)
    if viewport:
        page.set_viewport_size(viewport)
    asked = []  # what the page asked of the server about playback
    page.on("request", lambda r: asked.append(r.url) if re.search(r"/start$|/heartbeat$", r.url) else None)
    video = re.compile(r".*/learn/lessons/\d+/(video|hls\.m3u8)$")
    page.route(video, lambda route: route.fulfill(status=404, body="not found"))

    page.goto(f"{server_url}/learn/lessons/")
    page.locator("[data-testid=my-lessons] a", has_text="课堂导入示例").click()
    page.wait_for_url(re.compile(r".*/learn/lessons/\d+/$"))
    error = page.locator("[data-testid=media-error]")
    error.wait_for(state="visible", timeout=30_000)

    assert "视频加载失败" in error.inner_text()
    assert "找不到视频" in error.inner_text()
    assert page.locator("[data-testid=media-state]").inner_text() == "加载失败"
    assert page.locator("[data-testid=media-retry]").inner_text() == "重试"
    body = page.locator("main").inner_text() if page.locator("main").count() else page.inner_text("body")
    assert "播放中" not in body
    assert "学习中" not in body
    page.evaluate("() => document.getElementById('player').play().catch(() => null)")
    page.wait_for_timeout(4500)  # two heartbeat periods
    assert asked == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / f"player-media-error-{'phone' if viewport else 'desktop'}.png"),
                    full_page=True)

    # The network is back: the retry loads the video again and plays it, and only now does the
    # player start a playback session.
    page.unroute(video)
    page.evaluate("() => { document.getElementById('player').muted = true; }")
    page.locator("[data-testid=media-retry]").click()
    wait_until(page, "() => document.getElementById('media-state').textContent === '播放中'", 20)
    assert error.is_hidden()
    wait_until(page, "() => document.getElementById('player').currentTime > 1", 10)
    assert any(url.endswith("/start") for url in asked)
    page.evaluate("() => document.getElementById('player').pause()")
    context.close()
