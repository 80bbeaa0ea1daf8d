"""Workshops on the demo: the county office creates a workshop and a collective lesson
preparation with a first draft (desktop); a teacher of the county joins on a phone, saves the
second version and comments on its goals; the office closes the activity and the teacher's points
become hours, shown with their conversion; the demo's own workshop shows its lesson preparation in
progress; the other county's office gets 404."""

import uuid

import pytest

pytestmark = pytest.mark.browser

OFFICE = "13800000003"
TEACHER = "13800000008"
LEADER = "13800001610"
OUTSIDER = "13800000012"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _width_fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_workshop_prepares_a_lesson_together_and_the_points_become_hours(log_in, browser, server_url, artifacts):
    name = f"鼓楼区数学工作坊{uuid.uuid4().hex[:4]}"
    context, page = log_in(browser, server_url, OFFICE)
    page.locator(".site-nav a", has_text="工作坊").click()
    page.wait_for_selector("[data-testid=workshop-table]")
    page.click("[data-testid=create-workshop]")
    page.fill("[data-testid=workshop-form] input[name=name]", name)
    page.fill("[data-testid=workshop-form] textarea[name=description]", "集体备课与课例研讨")
    with page.expect_navigation():
        page.click("[data-testid=workshop-form] button[type=submit]")
    assert "工作坊已创建" in page.inner_text(".messages")
    workshop_url = page.url
    page.click("[data-testid=new-lesson_prep]")
    page.fill("[data-testid=activity-form] input[name=title]", "《认识钟表》集体备课")
    page.fill("[data-testid=activity-form] textarea[name=section-goals]", "认识钟面，会认读整时。")
    with page.expect_navigation():
        page.click("[data-testid=activity-form] button[type=submit]")
    assert "活动已创建" in page.inner_text(".messages")
    assert "第 1 版" in page.inner_text("[data-testid=design-version]")
    activity_url = page.url
    page.screenshot(path=str(artifacts / "workshop_lesson_prep_office.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, TEACHER, **PHONE)
    page.goto(workshop_url)
    with page.expect_navigation():
        page.click("[data-testid=join]")
    assert "您已加入工作坊" in page.inner_text(".messages")
    page.goto(activity_url)
    page.fill("[data-testid=design-form] textarea[name=section-goals]", "认识钟面，会认读整时和半时。")
    page.fill("[data-testid=design-form] input[name=note]", "补充半时")
    with page.expect_navigation():
        page.click("[data-testid=design-form] button[type=submit]")
    assert "教学设计第 2 版已保存" in page.inner_text(".messages")
    page.locator("#section-goals summary").click()
    page.fill("#section-goals textarea[name=body]", "半时是否放到第二课时？")
    with page.expect_navigation():
        page.click("#section-goals button[type=submit]")
    assert "评论已发布" in page.inner_text(".messages")
    assert "半时是否放到第二课时？" in page.inner_text("#section-goals")
    assert "您目前的积分" in page.inner_text("[data-testid=my-points]")
    assert _width_fits(page)
    page.screenshot(path=str(artifacts / "workshop_lesson_prep_phone.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, OFFICE)
    page.goto(activity_url)
    page.wait_for_selector("[data-testid=points-preview]")
    with page.expect_navigation():
        page.click("[data-testid=close-form] button[type=submit]")
    # the office's first draft earns it points too (no hours: it is no enrolled teacher)
    assert "活动已结束：2 名参与者的积分已折算为学时" in page.inner_text(".messages")
    assert page.locator("[data-testid=credit-table] tbody tr").count() == 2
    page.screenshot(path=str(artifacts / "workshop_closed_office.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, TEACHER, **PHONE)
    page.goto(workshop_url)
    page.wait_for_load_state()
    assert "学时" in page.inner_text("[data-testid=my-hours]")
    assert _width_fits(page)
    page.screenshot(path=str(artifacts / "workshop_my_hours_phone.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    assert page.goto(workshop_url).status == 404
    assert page.goto(activity_url).status == 404
    context.close()


def test_the_demo_workshop_has_a_lesson_preparation_in_progress(log_in, browser, server_url, artifacts):
    for label, options in (("desktop", {}), ("phone", PHONE)):
        context, page = log_in(browser, server_url, LEADER, **options)
        page.goto(f"{server_url}/communities/workshops/")
        with page.expect_navigation():
            page.locator("[data-testid=workshop-table] a", has_text="鼓楼区小学数学名师工作坊").click()
        page.wait_for_selector("[data-testid=activity-table]")
        page.screenshot(path=str(artifacts / f"workshop_demo_{label}.png"), full_page=True)
        with page.expect_navigation():
            page.locator("[data-testid=activity-table] a", has_text="《认识钟表》集体备课").click()
        assert page.locator("[data-testid=design-section]").count() == 6
        assert page.locator("[data-testid=design-comment]").count() >= 1
        assert _width_fits(page)
        page.screenshot(path=str(artifacts / f"workshop_demo_lesson_prep_{label}.png"), full_page=True)
        context.close()


CITY_OFFICE = "13800000002"
PROVINCE_OFFICE = "13800000001"


def test_the_city_sees_pair_coverage_a_mentor_logs_an_activity_and_the_province_edits_the_rule(
        log_in, browser, server_url, artifacts, tmp_path):
    context, page = log_in(browser, server_url, CITY_OFFICE)
    page.locator(".site-nav a", has_text="结对帮扶").click()
    page.wait_for_selector("[data-testid=coverage]")
    assert page.locator("[data-testid=coverage-table] tbody tr").count() >= 1
    assert page.locator("[data-testid=pair-row]").count() >= 1
    page.screenshot(path=str(artifacts / "pairing_city_coverage.png"), full_page=True)
    with page.expect_navigation():
        page.locator("[data-testid=pair-row] a").first.click()
    assert page.locator("[data-testid=log-row]").count() >= 5
    pair_url = page.url
    page.screenshot(path=str(artifacts / "pairing_pair_desktop.png"), full_page=True)
    context.close()

    evidence = tmp_path / "听课记录.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
                         b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    context, page = log_in(browser, server_url, TEACHER, **PHONE)
    page.goto(pair_url)
    page.select_option("[data-testid=log-form] select[name=kind]", "observation")
    page.fill("[data-testid=log-form] input[name=title]", "线上听课：两位数加法")
    page.set_input_files("[data-testid=log-form] input[name=file]", str(evidence))
    with page.expect_navigation():
        page.click("[data-testid=log-form] button[type=submit]")
    assert "活动已记录" in page.inner_text(".messages")
    assert "听课记录.pdf" in page.inner_text("[data-testid=log-table]")
    assert _width_fits(page)
    page.screenshot(path=str(artifacts / "pairing_pair_phone.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, PROVINCE_OFFICE)
    page.goto(f"{server_url}/communities/rules/")
    with page.expect_navigation():
        page.locator("[data-testid=edit-rule]").first.click()
    page.fill("[data-testid=rule-form] input[name=points-post]", "3")
    with page.expect_navigation():
        page.click("[data-testid=preview]")
    assert "以下为预览" in page.inner_text(".messages")
    assert "新规则" in page.inner_text("[data-testid=rule-effect]")
    page.screenshot(path=str(artifacts / "hours_rule_preview.png"), full_page=True)
    with page.expect_navigation():
        page.click("[data-testid=save-rule]")
    assert "规则已保存" in page.inner_text(".messages")
    context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    assert page.goto(pair_url).status == 404
    assert page.goto(f"{server_url}/communities/rules/").status == 404
    context.close()
