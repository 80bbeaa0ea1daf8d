"""A class discussion on the demo (issue 16): a member starts a thread on the page, the tutor
replies, and the member is told — the header's count, the notice on 我的通知, and 查看 lands on
the tutor's reply in the thread (desktop, then on a phone 390×844); the other county's office gets
404. Screenshots: test-artifacts/communities_discussion_*.png."""

from __future__ import annotations

import secrets

import pytest

pytestmark = pytest.mark.browser

TUTOR = "13800001601"
TEACHER = "13800000008"
OUTSIDER = "13800000012"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


def test_a_reply_to_a_members_thread_tells_the_member_who_lands_on_it(log_in, browser, server_url, artifacts):
    title = f"低年级怎么用白板{secrets.token_hex(2)}"
    context, page = log_in(browser, server_url, TEACHER)
    page.goto(f"{server_url}/communities/classes/")
    page.locator("[data-testid=class-table] a").first.click()
    page.locator("[data-testid=discussion-link]").click()
    page.wait_for_selector("[data-testid=thread-form]")
    page.fill("[data-testid=thread-form] input[name=title]", title)
    page.fill("[data-testid=thread-form] textarea[name=body]", "大家在一二年级怎么用交互式白板？")
    with page.expect_navigation():
        page.click("[data-testid=thread-form] button[type=submit]")
    assert "主题已发布" in page.inner_text(".messages")
    thread_url = page.url.split("?")[0].split("#")[0]
    context.close()

    context, page = log_in(browser, server_url, TUTOR)
    page.goto(thread_url)
    page.fill("[data-testid=reply-form] textarea[name=body]", "可以先用拖拽分类，学生很喜欢。")
    with page.expect_navigation():
        page.click("[data-testid=reply-form] button[type=submit]")
    assert "回复已发布" in page.inner_text(".messages")
    page.screenshot(path=str(artifacts / "communities_discussion_tutor_replied.png"), full_page=True)
    context.close()

    for label, options in (("desktop", {}), ("phone", PHONE)):
        context, page = log_in(browser, server_url, TEACHER, **options)
        if label == "desktop":
            assert page.locator("[data-testid=unread-count]").is_visible()
        page.goto(f"{server_url}/notifications/")
        notice = page.locator("[data-testid=notification]", has_text=f"回复了您的主题“{title}”").first
        assert "可以先用拖拽分类" in notice.inner_text()
        page.screenshot(path=str(artifacts / f"communities_discussion_notice_{label}.png"), full_page=True)
        if label == "phone":
            width, inner = page.evaluate(OVERFLOW)
            assert width <= inner
            context.close()
            break
        with page.expect_navigation():
            notice.locator("[data-testid=open]").click()
        page.wait_for_load_state()
        assert page.url.startswith(thread_url)
        assert "#reply-" in page.url
        anchor = page.url.split("#", 1)[1]
        assert "可以先用拖拽分类" in page.inner_text(f"#{anchor}")
        page.screenshot(path=str(artifacts / "communities_discussion_landed_desktop.png"), full_page=True)
        context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    assert page.goto(thread_url).status == 404
    context.close()
