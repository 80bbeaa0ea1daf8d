"""Institution evaluation and exit on the demo (tisheng.institutions.seed_evaluation): on a phone,
a teacher who finished a course is invited to rate it and rates it; at the desk, the province
office reads the year's ranking and an institution's page (figures per city, ratings, comments
without names), then previews what suspending an institution in 福州市 would affect (and
leaves it unconfirmed, since the demo server is shared); on a phone, a bulletin it issues carries
the published ranking (the demo's last year); a teacher of the institution the demo suspended
reads, on a phone, why its course no longer earns hours and where to choose another."""

import pytest

pytestmark = pytest.mark.browser

RATER = "13800000018"
TOLD = "13800000019"  # had INST-JMU's course unfinished when the demo suspended it
PROVINCE = "13800000001"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_teacher_rates_a_finished_course_on_a_phone(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, RATER, **PHONE)
    page.goto(f"{server_url}/institutions/ratings/")
    assert "等待您评价" in page.inner_text("[data-testid=unrated-count]")
    page.screenshot(path=str(artifacts / "institutions_ratings_phone.png"), full_page=True)
    page.click("[data-testid=rate-course]")
    page.wait_for_selector("[data-testid=rating-form]")
    for key, stars in (("content", "5"), ("usefulness", "4"), ("platform", "3"), ("service", "4")):
        page.check(f"input[name={key}][value='{stars}']")
    page.fill("textarea[name=comment]", "案例很实用，希望增加初中的例子。")
    page.screenshot(path=str(artifacts / "institutions_rating_form_phone.png"), full_page=True)
    page.click("[data-testid=save-rating]")
    page.wait_for_selector(".messages")
    assert "感谢评价" in page.inner_text(".messages")
    assert page.locator("[data-testid=edit-rating]").count() >= 1
    page.screenshot(path=str(artifacts / "institutions_rating_saved_phone.png"), full_page=True)
    context.close()


def test_the_province_reads_the_ranking_and_previews_an_exit(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, PROVINCE)
    page.goto(f"{server_url}/institutions/evaluation/")
    page.locator("[data-testid=periods] a").first.click()
    page.wait_for_selector("[data-testid=ranking]")
    assert "福建师范大学继续教育学院" in page.inner_text("[data-testid=ranking]")
    page.screenshot(path=str(artifacts / "institutions_evaluation_ranking.png"), full_page=True)
    page.locator("[data-testid=ranking] a", has_text="福建师范大学继续教育学院").click()
    page.wait_for_selector("[data-testid=measures]")
    assert "福州市" in page.inner_text("[data-testid=measures]")
    page.screenshot(path=str(artifacts / "institutions_evaluation_institution.png"), full_page=True)
    institution_page = page.url

    page.goto(f"{server_url}/institutions/exits/")
    assert "暂停承训" in page.inner_text("[data-testid=decisions]")
    page.select_option("select[name=institution]", label="福建教育学院")
    page.select_option("select[name=regions]", label="福州市")
    page.fill("textarea[name=reason]", "年度考评完成率偏低")
    page.click("[data-testid=preview-exit]")
    page.wait_for_selector("[data-testid=affected]")
    assert "受影响学时" in page.inner_text("[data-testid=affected]")
    page.screenshot(path=str(artifacts / "institutions_exit_preview.png"), full_page=True)
    context.close()

    # The institution page on a phone.
    context, page = log_in(browser, server_url, PROVINCE, **PHONE)
    page.goto(institution_page)
    page.wait_for_selector("[data-testid=measures]")
    page.screenshot(path=str(artifacts / "institutions_evaluation_institution_phone.png"), full_page=True)
    # The published ranking (the demo's last year) goes out in the bulletins: issue one and read it.
    # The 2.0 program's bulletins (newer track programs come first in the picker and have no numbers yet).
    page.goto(f"{server_url}/monitoring/bulletins/")
    program = page.evaluate("""() => [...document.querySelectorAll('select[name=program] option')]
        .find(o => o.textContent.trim().startsWith('提升工程2.0'))?.value""")
    page.goto(f"{server_url}/monitoring/bulletins/?program={program}")
    with page.expect_navigation():
        page.click("[data-testid=bulletin-new]")
    section = page.locator("[data-testid=bulletin-section-institution-ranking]")
    assert "培训机构考评结果" in section.inner_text()
    assert "综合得分" in section.inner_text()
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "institutions_ranking_in_bulletin_phone.png"), full_page=True)
    context.close()


def test_a_teacher_of_the_suspended_institution_sees_why_on_a_phone(log_in, browser, server_url, artifacts):
    """The demo suspended INST-JMU province-wide; this teacher had its course selected and
    unfinished: the catalogue marks it, its page and its lessons say why in Chinese and where to
    choose another course, and no player starts."""
    context, page = log_in(browser, server_url, TOLD, **PHONE)
    page.goto(f"{server_url}/notifications/")
    notice = page.locator("[data-testid=notification]", has_text="暂停承训").first
    assert "已获得的学时保留" in notice.inner_text()
    page.screenshot(path=str(artifacts / "institutions_exit_teacher_notice_phone.png"), full_page=True)
    with page.expect_navigation():
        notice.locator("[data-testid=open]").click()  # to the catalogue of the course's program
    badge = page.locator("[data-testid=credit-stopped-badge]")
    assert badge.count() >= 1
    assert "不再认定学时" in badge.first.inner_text()
    page.screenshot(path=str(artifacts / "institutions_exit_teacher_catalogue_phone.png"), full_page=True)
    badge.first.locator("xpath=ancestor::tr").locator("a").first.click()
    page.wait_for_selector("[data-testid=credit-stopped]")
    stopped = page.inner_text("[data-testid=credit-stopped]")
    assert "不再认定新的学时" in stopped
    assert "整改期间暂停承训" in stopped
    assert "改选" in stopped
    assert page.locator("[data-testid=lesson-table] a", has_text="播放").count() == 0
    page.screenshot(path=str(artifacts / "institutions_exit_teacher_course_phone.png"), full_page=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is wider than the phone ({width}px)"
    course_page = page.url
    page.click("[data-testid=choose-another]")
    page.wait_for_selector("[data-testid=my-selection]")
    # The selection's total no longer counts that course beyond what it earned, and says so.
    assert "选学时" in page.inner_text("[data-testid=selection-stopped]")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "institutions_exit_teacher_selection_phone.png"), full_page=True)
    context.close()
    # The same at a desk.
    context, page = log_in(browser, server_url, TOLD)
    page.goto(course_page)
    assert "不再认定新的学时" in page.inner_text("[data-testid=credit-stopped]")
    page.screenshot(path=str(artifacts / "institutions_exit_teacher_course.png"), full_page=True)
    context.close()
