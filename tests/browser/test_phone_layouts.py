"""On a phone (390×844, touch) the pages a teacher uses every day, and the principal's and the
county office's main pages, fit the screen: nothing scrolls the page sideways, the navigation
is one menu button that opens and navigates, and everything a finger taps in the header, the
menu and the forms is at least 44 px tall. The same pages at 1366 wide keep the full navigation
bar. Screenshots of both go to test-artifacts/phone_*.png and desktop_*.png."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

TEACHER, PRINCIPAL, COUNTY = "13800000008", "13800000006", "13800000003"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TAP = 44  # px: WCAG 2.5.5 (AAA) target size, Apple's 44 pt, Google's 48 dp

# What a finger taps: the header, the menu and every form on the page. A checkbox or radio is
# tapped through its label, or through its table cell when it is alone in one (site.js), so
# that is what is measured.
SMALL_TARGETS = """(min) => {
  const sel = ['header a', 'header button', 'header select', 'nav a', 'nav button',
    'main form a', 'main form button', 'main form select', 'main form textarea', 'main form summary',
    'main form input:not([type=hidden])'].join(',');
  const small = [];
  for (const el of document.querySelectorAll(sel)) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    let target = el;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const cell = el.parentElement.matches('td, th') && el.parentElement.children.length === 1;
      target = el.closest('label') || (cell ? el.parentElement : el);
    }
    const box = target.getBoundingClientRect();
    if (box.height + 0.5 < min) small.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.name || '').trim()
      .slice(0, 20)}" ${Math.round(box.height)}px`);
  }
  return small;
}"""
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


def on_phone(browser, server_url: str, phone: str):
    """A new touch-screen context at 390×844, signed in as that demo account (the shared
    `log_in` fixture opens 1366 wide)."""
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return context, page


def teacher_pages(page, server_url: str) -> list[tuple[str, str]]:
    """(name, url) of the teacher's daily pages; the lesson and the upload page are found the way
    the teacher finds them (the first lesson of 我的课程, the practice page's redirect)."""
    page.goto(f"{server_url}/learn/lessons/")
    lesson = page.locator("[data-testid=my-lessons] a[href*='/learn/lessons/']").first.get_attribute("href")
    page.goto(f"{server_url}/practice/")
    practice = page.url
    return [("teacher_home", "/"), ("teacher_progress", "/monitoring/me/"), ("teacher_catalogue", "/learning/catalogue/"),
            ("teacher_lessons", "/learn/lessons/"), ("teacher_player", lesson), ("teacher_hours", "/ledger/"),
            ("teacher_practice_upload", practice.removeprefix(server_url)), ("teacher_certificates", "/certificates/"),
            ("teacher_diagnostic", "/diagnostics/"), ("teacher_review", "/programs/review/mine/")]


def check_phone_page(page, server_url: str, name: str, path: str, artifacts) -> list[str]:
    """Load one page at phone size; return what is wrong with it (empty when it fits)."""
    page.goto(server_url + path)
    page.wait_for_load_state("networkidle")
    problems = []
    width, inner = page.evaluate(OVERFLOW)
    if width > inner:
        problems.append(f"{name}: the page is {width} px wide on a {inner} px screen")
    toggle = page.locator("[data-testid=nav-toggle]")
    assert toggle.is_visible(), name
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#site-nav-list").is_visible(), f"{name}: the menu is open before it is asked for"
    problems += [f"{name}: {t}" for t in page.evaluate(SMALL_TARGETS, TAP)]
    page.screenshot(path=str(artifacts / f"phone_{name}.png"), full_page=True)
    return problems


def test_the_teachers_pages_fit_a_phone_with_no_sideways_scroll_and_44_px_targets(browser, server_url,
                                                                                   artifacts):
    context, page = on_phone(browser, server_url, TEACHER)
    problems = []
    for name, path in teacher_pages(page, server_url):
        problems += check_phone_page(page, server_url, name, path, artifacts)
    context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("who", "pages"), [
    (PRINCIPAL, [("principal_home", "/"), ("principal_completion_list", "/programs/review/school/"),
                 ("principal_practice", "/practice/")]),
    (COUNTY, [("county_home", "/"), ("county_dashboard", "/monitoring/"), ("county_review", "/programs/review/"),
              ("county_warning", "/monitoring/warning/")]),
])
def test_the_principals_and_the_county_offices_main_pages_fit_a_phone(browser, server_url, artifacts,
                                                                      who, pages):
    context, page = on_phone(browser, server_url, who)
    problems = []
    for name, path in pages:
        problems += check_phone_page(page, server_url, name, path, artifacts)
    context.close()
    assert problems == [], "\n".join(problems)


def test_the_phone_menu_opens_shows_every_entry_with_44_px_rows_and_navigates(browser, server_url,
                                                                              artifacts):
    context, page = on_phone(browser, server_url, TEACHER)
    toggle = page.locator("[data-testid=nav-toggle]")
    assert "菜单" in toggle.inner_text()
    # Folded, the navigation is one row under the header, not a third of the screen.
    assert page.locator("nav.site-nav").bounding_box()["height"] < 60

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    links = page.locator("#site-nav-list a")
    assert links.count() >= 8
    assert all(links.nth(i).bounding_box()["height"] >= TAP for i in range(links.count()))
    small = page.evaluate(SMALL_TARGETS, TAP)
    assert small == [], "\n".join(small)
    page.screenshot(path=str(artifacts / "phone_menu_open.png"), full_page=True)

    page.locator("#site-nav-list a", has_text=re.compile(r"^我的学时$")).click()
    page.wait_for_url(re.compile(r".*/ledger/$"))
    # The new page starts folded again, and the button says where one is.
    assert toggle.get_attribute("aria-expanded") == "false"
    assert "我的学时" in toggle.inner_text()

    # Escape folds an open menu.
    toggle.click()
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#site-nav-list").is_visible()
    context.close()


def test_at_desktop_width_the_navigation_stays_a_bar_and_the_pages_do_not_scroll_sideways(browser, server_url,
                                                                                          log_in, artifacts):
    context, page = log_in(browser, server_url, TEACHER, height=768)
    for name, path in teacher_pages(page, server_url):
        page.goto(server_url + path)
        page.wait_for_load_state("networkidle")
        assert not page.locator("[data-testid=nav-toggle]").is_visible()
        assert page.locator("#site-nav-list a", has_text=re.compile(r"^我的学时$")).is_visible()
        width, inner = page.evaluate(OVERFLOW)
        assert width <= inner, name
        page.screenshot(path=str(artifacts / f"desktop_{name}.png"))
    context.close()


def test_on_a_phone_a_tap_anywhere_in_a_rows_checkbox_cell_ticks_it(browser, server_url):
    context, page = on_phone(browser, server_url, COUNTY)
    page.goto(f"{server_url}/monitoring/warning/")
    box = page.locator("main form td > input[type=checkbox]").first
    cell = box.locator("xpath=..")
    assert not box.is_checked()
    size = cell.bounding_box()
    assert size["height"] >= TAP
    # The corner of the cell, away from the 20 px box itself.
    cell.click(position={"x": 3, "y": size["height"] - 3})
    assert box.is_checked()
    cell.click(position={"x": 3, "y": 3})
    assert not box.is_checked()
    context.close()
