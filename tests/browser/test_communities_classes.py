"""Study classes on the demo (seeded by communities.seed): the institution sees the classes it
formed; the tutor follows the class, reminds one teacher, posts an announcement and issues a
bulletin (desktop and phone); a member teacher reads it; the other county's office gets 404."""

import pytest

pytestmark = pytest.mark.browser

INSTITUTION = "13800000005"
TUTOR = "13800001601"
TEACHER = "13800000008"
OUTSIDER = "13800000012"


def test_the_tutor_guides_the_class_and_a_member_reads_it(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, INSTITUTION)
    page.locator(".site-nav a", has_text="研修班级").click()
    page.wait_for_selector("[data-testid=class-table]")
    assert page.locator("[data-testid=class-table] tbody tr").count() >= 2
    page.screenshot(path=str(artifacts / "communities_institution_classes.png"), full_page=True)
    context.close()

    for label, options in (("desktop", {}), ("phone", {"height": 844})):
        if label == "phone":
            context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                          is_mobile=True, has_touch=True)
            page = context.new_page()
            page.goto(f"{server_url}/accounts/login/")
            page.fill("input[name=username]", TUTOR)
            page.fill("input[name=password]", "Demo@2026")
            page.click("form[action$='/accounts/login/'] button[type=submit]")
            page.wait_for_url("**/")
        else:
            context, page = log_in(browser, server_url, TUTOR, **options)
        page.goto(f"{server_url}/communities/classes/")
        page.locator("[data-testid=class-table] a").first.click()
        page.wait_for_selector("[data-testid=member-table]")
        assert "林辅导（演示）" in page.inner_text("[data-testid=tutor-names]")
        assert page.locator("[data-testid=member-row]").count() >= 1
        page.screenshot(path=str(artifacts / f"communities_class_{label}.png"), full_page=True)
        if label == "phone":
            context.close()
            break
        page.locator("[data-testid=remind-one]").first.click()
        page.wait_for_selector(".messages")
        assert "已向 1 名教师发送提醒" in page.inner_text(".messages")

        page.fill("[data-testid=announce-form] input[name=title]", "作业提交提醒")
        page.fill("[data-testid=announce-form] textarea[name=body]", "请于本周五前提交第一次作业。")
        page.click("[data-testid=announce-form] button[type=submit]")
        page.wait_for_selector(".messages")
        assert "公告已发布" in page.inner_text(".messages")

        page.fill("[data-testid=bulletin-form] textarea[name=text]", "本周学习氛围很好，继续保持。")
        page.click("[data-testid=bulletin-form] button[type=submit]")
        page.wait_for_selector("[data-testid=bulletin-summary]")
        assert "班级简报已发布" in page.inner_text(".messages")
        assert "共有学员" in page.inner_text("[data-testid=bulletin-summary]")
        page.screenshot(path=str(artifacts / "communities_bulletin.png"), full_page=True)
        with page.expect_download() as download:
            page.evaluate("url => { const a = document.createElement('a'); a.href = url; a.download = 'b.pdf';"
                          " document.body.appendChild(a); a.click(); }",
                          page.get_attribute("[data-testid=bulletin-pdf]", "href"))
        assert download.value.path().read_bytes().startswith(b"%PDF")
        class_url = page.get_attribute("a:has-text('返回班级')", "href")
        context.close()

    context, page = log_in(browser, server_url, TEACHER, height=844)
    page.goto(f"{server_url}{class_url}")
    page.wait_for_selector("[data-testid=announcement]")
    assert "请于本周五前提交第一次作业。" in page.inner_text("#announcements")
    assert page.locator("[data-testid=member-table]").count() == 0
    page.screenshot(path=str(artifacts / "communities_teacher_class.png"), full_page=True)
    page.locator("[data-testid=assignment-table] a", has_text="信息技术支持的教学设计").click()
    page.fill("[data-testid=submit-form] textarea[name=text]", "《认识钟表》：用希沃白板的拖拽钟面让学生动手拨时间。")
    page.click("[data-testid=submit-form] button[type=submit]")
    page.wait_for_selector(".messages")
    assert "作业已提交" in page.inner_text(".messages")
    page.screenshot(path=str(artifacts / "communities_teacher_assignment.png"), full_page=True)
    assignment_url = page.url
    context.close()

    context, page = log_in(browser, server_url, TUTOR)
    page.goto(assignment_url)
    page.locator("[data-testid=grade-link]").first.click()
    page.wait_for_selector("[data-testid=grade-form]")
    for i, points in enumerate(("36", "34", "16")):
        page.fill(f"[data-testid=grade-form] input[name=score-{i}]", points)
    page.fill("[data-testid=grade-form] textarea[name=comment]", "设计清楚，技术用得恰到好处。")
    page.check("[data-testid=grade-form] input[name=excellent]")
    page.click("[data-testid=grade-form] button[type=submit]")
    page.wait_for_selector("[data-testid=submission-table]")
    assert "评分已保存" in page.inner_text(".messages")
    assert "86/100" in page.inner_text("[data-testid=submission-table]")
    page.screenshot(path=str(artifacts / "communities_tutor_graded.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, OUTSIDER)
    assert page.goto(f"{server_url}{class_url}").status == 404
    context.close()
