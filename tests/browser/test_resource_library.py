"""The resource library in the browser, on the demo seed, desktop and phone: a teacher searches
in Chinese with a facet, opens a resource (its text previewed, the score's inputs and formula
shown), rates it and records a use; contributes their graded evidence in two clicks; the
principal (on a phone) publishes it with a comment from the review queue; the county office
picks it into the county library; another county's office gets 404 for an unpublished one."""

import re

import pytest

from tests.browser.test_practice_resubmission import a_docx

pytestmark = pytest.mark.browser

TEACHER = "13800000008"
ASSESSOR = "13800000007"
PRINCIPAL = "13800000006"
COUNTY = "13800000003"
OTHER_COUNTY = "13800000012"
PHONE = {"width": 390, "height": 844}


def graded_excellent(browser, server_url, log_in, teacher_name: str, point: str) -> None:
    """The school's assessor grades the teacher's waiting item of `point` 优秀, as the team does
    before a teacher can offer it to the library."""
    context, page = log_in(browser, server_url, ASSESSOR)
    page.goto(f"{server_url}/practice/")
    page.wait_for_url(re.compile(r".*/practice/queue/\d+/.*"))
    page.goto(page.url + "&show=all")
    page.locator("[data-testid=queue] tbody tr", has_text=teacher_name).filter(has_text=point).locator("a").first.click()
    page.wait_for_url(re.compile(rf".*/practice/grade/\d+/{point}/.*"))
    form = page.locator("[data-testid=grade-form]").first
    form.locator("select[name=grade]").select_option("excellent")
    form.locator("input[name=comment]").fill("情境导入完整，符合优秀标准")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "已保存" in page.inner_text(".messages")
    context.close()


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_teacher_finds_rates_and_contributes_and_the_levels_publish_and_pick(log_in, browser, server_url,
                                                                             artifacts):
    context, page = log_in(browser, server_url, TEACHER)
    page.goto(f"{server_url}/resources/")
    search = page.locator("[data-testid=search]")
    search.locator("input[name=q]").fill("白板")
    search.locator("select[name=stage]").select_option("primary")
    search.locator("button").click()
    page.wait_for_load_state()
    assert "白板" in page.locator("input[name=q]").input_value()
    results = page.locator("[data-testid=resource-row]")
    assert results.count() > 0
    assert "资源如何排序" in page.inner_text("[data-testid=formula]")
    page.screenshot(path=str(artifacts / "resources_search_desktop.png"), full_page=False)

    results.first.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/resources/\d+/$"))
    assert page.locator("[data-testid=text]").count() >= 1  # the Word file as its extracted text
    assert "质量得分" in page.inner_text("[data-testid=quality]")
    page.locator("[data-testid=use] input[name=note]").fill("四年级数学教案")
    page.locator("[data-testid=used]").click()
    page.wait_for_load_state()
    assert "已记录你使用了这份资源" in page.inner_text(".messages")
    page.locator("input[name=stars][value='5']").check()
    page.locator("textarea[name=comment]").fill("情境导入设计得很好，直接用在了我的课上")
    page.locator("[data-testid=rate]").click()
    page.wait_for_load_state()
    assert "你的评分已保存。" in page.inner_text(".messages")
    page.screenshot(path=str(artifacts / "resources_detail_desktop.png"), full_page=True)

    # The teacher's evidence for A10, graded 优秀 by the school's team, then offered to the
    # library in two clicks: 贡献 on the graded item, then 同意并贡献.
    page.goto(f"{server_url}/practice/my/")
    teacher_name = page.inner_text(".page-head .muted").split("·")[0].strip()
    task = page.locator("[data-testid=point-A10] .task").first
    task.locator("input[type=file]").set_input_files(
        files=[{"name": "白板情境导入应用案例.docx", "mimeType": "application/octet-stream",
                "buffer": a_docx("用交互式白板的拖拽题导入分数的意义，学生当堂正确率 91%。")}])
    task.locator("button", has_text="上传").click()
    page.wait_for_load_state()
    assert "已上传" in page.inner_text(".messages")
    graded_excellent(browser, server_url, log_in, teacher_name, "A10")

    page.goto(f"{server_url}/resources/contribute/")
    page.locator("[data-testid=evidence-row]", has_text="白板情境导入应用案例").locator(
        "[data-testid=contribute]").click()
    page.wait_for_url(re.compile(r".*/resources/contribute/\d+/$"))
    title = page.locator("input[name=title]").input_value()
    page.locator("[data-testid=agree]").click()
    page.wait_for_url(re.compile(r".*/resources/\d+/$"))
    assert "等待福州市鼓楼第一中心小学资源库审核" in page.inner_text(".messages")
    resource_url = page.url
    context.close()

    context, page = log_in(browser, server_url, PRINCIPAL)
    page.set_viewport_size(PHONE)
    page.goto(f"{server_url}/resources/review/")
    page.locator("[data-testid=queue-row]", has_text=title[:20]).locator("a").first.click()
    page.wait_for_url(resource_url)
    page.screenshot(path=str(artifacts / "resources_review_phone.png"), full_page=True)
    assert no_horizontal_overflow(page)
    decide = page.locator("[data-testid=decide]")
    decide.locator("textarea[name=comment]").fill("设计完整，同意入库")
    decide.locator("[data-testid=publish]").click()
    page.wait_for_url(re.compile(r".*/resources/review/$"))
    assert "已在福州市鼓楼第一中心小学资源库发布" in page.inner_text(".messages")
    page.screenshot(path=str(artifacts / "resources_published_phone.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, COUNTY)
    page.goto(resource_url)
    page.locator("[data-testid=pick]").click()
    page.wait_for_load_state()
    assert "已遴选进入鼓楼区资源库" in page.inner_text(".messages")
    assert "上级遴选入库" in page.inner_text("[data-testid=libraries]")
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts / "resources_picked_phone.png"), full_page=True)
    assert no_horizontal_overflow(page)
    page.goto(f"{server_url}/resources/review/")
    waiting = page.locator("[data-testid=queue-row] a").first.get_attribute("href")
    context.close()

    context, page = log_in(browser, server_url, OTHER_COUNTY)
    assert page.goto(f"{server_url}{waiting}").status == 404
    assert page.goto(resource_url).status == 200  # published: every teacher of the province reads it
    context.close()
