"""Institution integration in the browser: the province office's operations page (statements
the demo seed reported through the LRS), issuing a credential whose secret shows once, the
mapping rules; the demo institution's activity ids; the teacher's training platforms. Server
seeded with `tisheng seed --scale demo`."""


import pytest

pytestmark = pytest.mark.browser

PROVINCE = "13800000001"
INSTITUTION = "13800000005"
TEACHER = "13800000008"


def test_the_province_office_watches_institutions_and_issues_a_credential(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, PROVINCE)
    page.click("nav >> text=机构对接")
    page.wait_for_selector("[data-testid=ops-table]")
    row = page.locator("[data-testid=ops-INST-FJNU]")
    assert row.locator("[data-testid=hours]").inner_text() != "0"
    assert "成绩未通过" in page.inner_text("[data-testid=reasons-table]")
    page.screenshot(path=str(artifacts / "integration_operations.png"), full_page=True)

    page.goto(f"{server_url}/integration/credentials/")
    card = page.locator("[data-testid=institution-INST-JMU]")
    card.locator("input[name=name]").fill("集美大学学习平台")
    card.locator("button[type=submit]", has_text="发放凭据").click()
    page.wait_for_selector("[data-testid=secret-once]")
    assert len(page.inner_text("[data-testid=issued-secret]").strip()) > 30
    page.screenshot(path=str(artifacts / "integration_credentials.png"), full_page=True)

    page.goto(f"{server_url}/integration/docs/")
    assert "http://adlnet.gov/expapi/verbs/completed" in page.inner_text("[data-testid=docs-rules]")
    page.screenshot(path=str(artifacts / "integration_docs.png"), full_page=True)
    context.close()


def test_the_institution_sees_its_activity_ids_and_rejections(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, INSTITUTION)
    page.goto(f"{server_url}/integration/courses/")
    assert "https://lms.fjnu.example/course/" in page.inner_html("[data-testid=activity-table]")
    page.screenshot(path=str(artifacts / "integration_activity_ids.png"), full_page=True)
    context.close()


def test_the_teacher_sees_a_link_to_the_institutions_platform(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, TEACHER)
    page.goto(f"{server_url}/integration/platforms/")
    assert "福建师范大学继续教育学院" in page.inner_text("[data-testid=platform-links]")
    # The demo platform does not exist (a reserved .example address): no button to a dead host,
    # the page says why.
    assert "演示数据" in page.inner_text("[data-testid=platform-placeholder]")
    assert page.locator("[data-testid=platform-links] a.btn").count() == 0
    page.screenshot(path=str(artifacts / "integration_platforms.png"), full_page=True)
    context.close()
