"""Every demo account's home page says what to do next (待办), at 1366 wide and on a phone
(390×844): a section for the role, counts that link to where the work is done, quiet 全部完成
items, nothing sideways-scrolling. The teacher continues the next lesson from it, the county
office opens the plans waiting for it. Screenshots: test-artifacts/home_<role>_{desktop,phone}.png."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
# A count's tap target (the round number) is at least this tall.
TAP = 44

ACCOUNTS = {  # role: (demo phone, a line the section must show)
    "teacher": ("13800000008", "继续学习"),
    "school_admin": ("13800000006", "待审批的学时申报"),
    "school_assessor": ("13800000007", "待评分的实践成果"),
    "county_office": ("13800000003", "待审批的学校研修规划"),
    "city_office": ("13800000002", "待您审核的结业名单"),
    "province_office": ("13800000001", "已审核通过、待发证书的教师"),
    "teacher_college": ("13800000004", "分配给您的抽检项目"),
    "institution": ("13800000005", "选修本机构课程的教师"),
    "evaluator": ("13800000009", "您的查阅权限于"),
    "security_admin": ("13800000010", "因登录失败被锁定的账号"),
    "audit_admin": ("13800000011", "近 24 小时审计记录"),
}


def sign_in(browser, server_url: str, phone: str, **options):
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    if "/accounts/password" in page.url:  # a forced password change would hide the home page
        pytest.fail(f"{phone} was sent to change the password")
    return context, page


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_each_roles_home_page_lists_its_to_dos_on_desktop_and_phone(browser, server_url, artifacts, role):
    phone, line = ACCOUNTS[role]
    for size, options in (("desktop", {"viewport": {"width": 1366, "height": 900}}), ("phone", PHONE)):
        context, page = sign_in(browser, server_url, phone, **options)
        page.goto(server_url + "/")
        section = page.locator(f"[data-testid=section-{role}]")
        assert section.is_visible(), (role, size)
        assert "待办" in section.locator("h2").inner_text()
        assert line in section.inner_text(), (role, size)
        width, inner = page.evaluate(OVERFLOW)
        assert width <= inner, f"{role} {size}: {width} px wide on a {inner} px screen"
        for box in [c.bounding_box() for c in section.locator(".todo-count").all()]:
            assert box["height"] + 0.5 >= TAP, (role, size, box)
        page.screenshot(path=str(artifacts / f"home_{role}_{size}.png"), full_page=True)
        context.close()


def test_the_teacher_continues_the_next_lesson_from_the_home_page(browser, server_url, artifacts):
    context, page = sign_in(browser, server_url, ACCOUNTS["teacher"][0], **PHONE)
    # The 2.0 program's card: the demo teacher is also in the county's training team, whose card
    # (the nearer deadline) comes first and has no lessons.
    card = page.locator("[data-testid^=program-]", has=page.locator("[data-testid=next-lesson]")).first
    assert re.search(r"已获 [\d.]+ / 50 学时", card.inner_text())
    assert "距截止还有" in card.inner_text()
    next_lesson = card.locator("[data-testid=next-lesson]")
    title = re.search(r"下一讲：(\S+)", next_lesson.inner_text()).group(1)

    next_lesson.get_by_role("link", name="继续学习").click()

    page.wait_for_url(re.compile(r".*/learn/lessons/\d+/$"))
    assert title in page.locator("main").inner_text()
    context.close()


def test_the_county_office_opens_the_plans_waiting_for_it(browser, server_url):
    context, page = sign_in(browser, server_url, ACCOUNTS["county_office"][0], viewport={"width": 1366, "height": 900})
    plans = page.locator("[data-testid=todo-plans-count]")
    assert int(plans.get_attribute("data-count")) >= 1
    assert "鼓楼区" in page.locator("[data-testid=todo-bulletin]").inner_text()

    plans.click()

    page.wait_for_url(re.compile(r".*/practice/plans/\?.*status=submitted"))
    assert page.locator("main table tbody tr").count() >= 1
    context.close()


def test_the_other_county_sees_nothing_of_the_demo_county(browser, server_url):
    context, page = sign_in(browser, server_url, "13800000012", viewport={"width": 1366, "height": 900})
    text = page.locator("[data-testid=section-county_office]").inner_text()
    assert "鼓楼" not in text
    assert int(page.locator("[data-testid=todo-plans-count]").get_attribute("data-count")) == 0
    context.close()
