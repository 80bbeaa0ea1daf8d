"""Institution selection on the demo (seeded by tisheng.institutions.seed): on a phone, the
expert 郑文华 opens their review assignments, reads an application and scores it; at the desk,
the province office reads the finished round's ranking and decisions, the panel's results, and
the public result page with its PDF; an institution's account cannot open another's application."""

import re

import pytest

pytestmark = pytest.mark.browser

EXPERT = "13814000001"
PROVINCE = "13800000001"
INSTITUTION = "13800000005"  # 福建师大继教院
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_the_expert_scores_an_application_on_a_phone(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, EXPERT)
    context.close()
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", EXPERT)
    page.fill("input[name=password]", "Demo@2026")
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{server_url}/panels/mine/")
    assert "2026年度承训机构补充遴选" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "panels_expert_mine_phone.png"), full_page=True)
    page.locator("[data-testid=assignment] a").first.click()
    page.wait_for_selector("[data-testid=score-form]")
    page.click("[data-testid=item-link]")
    page.wait_for_selector("[data-testid=courses]")
    assert "微课设计与制作" in page.inner_text("[data-testid=courses]")
    page.go_back()
    inputs = page.locator("[data-testid=score-form] input[type=number]")
    for i in range(inputs.count()):
        inputs.nth(i).fill(str(80 + i))
    page.fill("textarea[name=comment]", "课程体系完整，平台对接已通过测试。")
    page.screenshot(path=str(artifacts / "panels_expert_score_phone.png"), full_page=True)
    page.click("[data-testid=score-form] button[type=submit]")
    page.wait_for_selector(".messages")
    assert "评分已保存" in page.inner_text(".messages")
    assert "已评分" in page.inner_text("[data-testid=panel]")
    page.screenshot(path=str(artifacts / "panels_expert_saved_phone.png"), full_page=True)
    context.close()


def test_the_province_reads_the_finished_round_and_its_public_result(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, PROVINCE)
    page.goto(f"{server_url}/institutions/selection/")
    page.locator("[data-testid=rounds] a", has_text="2015年度承训机构遴选").click()
    page.wait_for_selector("[data-testid=applications]")
    page.wait_for_load_state()  # the rows below are counted, not awaited: the whole page first
    assert page.locator("[data-testid=application-row]").count() == 6
    assert "平台未通过 xAPI 对接测试" in page.inner_text("[data-testid=applications]")
    page.screenshot(path=str(artifacts / "institutions_round_office.png"), full_page=True)
    page.click("[data-testid=panel-link]")
    page.wait_for_selector("[data-testid=results]")
    assert page.locator("[data-testid=outlier]").count() >= 1
    page.screenshot(path=str(artifacts / "panels_results_desktop.png"), full_page=True)
    page.go_back()
    page.locator("a", has_text="公示结果").first.click()
    page.wait_for_selector("[data-testid=selected]")
    page.wait_for_load_state()  # the rows below are counted, not awaited: the whole page first
    assert page.locator("[data-testid=selected] li").count() == 5
    page.screenshot(path=str(artifacts / "institutions_public_result.png"), full_page=True)
    response = page.request.get(server_url + page.get_attribute("[data-testid=pdf]", "href"))
    assert response.body().startswith(b"%PDF-")
    public = page.url
    context.close()

    # The same public page on a phone.
    phone = browser.new_context(locale="zh-CN", **PHONE)
    page = phone.new_page()
    page.goto(public)  # no login needed
    assert page.locator("[data-testid=selected] li").count() == 5
    page.screenshot(path=str(artifacts / "institutions_public_result_phone.png"), full_page=True)
    phone.close()


def test_an_institution_sees_only_its_own_application(log_in, browser, server_url):
    context, page = log_in(browser, server_url, INSTITUTION)
    page.goto(f"{server_url}/institutions/selection/")
    page.locator("[data-testid=rounds] a", has_text="2015年度承训机构遴选").click()
    assert "入选" in page.inner_text("[data-testid=application-status]")
    # The demo institution's application is the round's first; the second is another's.
    other = 2
    response = page.goto(f"{server_url}/institutions/applications/{other}/")
    assert response.status == 404
    context.close()
