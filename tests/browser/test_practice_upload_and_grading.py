"""School-based practice in the browser, on the demo seed: the demo teacher uploads a
.docx for a task of a chosen point and sees it listed; the school's assessor opens the
queue, grades every item of a waiting point against the rubric and decides its result;
the principal's plan page renders; the province edits a point's guide, which makes version 2.
Screenshots of each page."""

import io
import re

import docx
import pytest

pytestmark = pytest.mark.browser

TEACHER = "13800000008"
PRINCIPAL = "13800000006"
ASSESSOR = "13800000007"
PROVINCE = "13800000001"


def a_docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_teacher_uploads_evidence_and_the_assessor_grades_a_point(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, TEACHER)
    page.goto(f"{server_url}/practice/")
    page.wait_for_url(re.compile(r".*/practice/my/.*"))
    point = page.locator("[data-testid=point-A1]")
    task = point.locator(".task").nth(1)
    task.locator("input[type=file]").set_input_files(
        files=[{"name": "学情分析报告.docx", "mimeType": "application/octet-stream",
                "buffer": a_docx("本班学生对希沃白板的互动题兴趣浓厚，前测正确率 62%。")}])
    task.locator("button", has_text="上传").click()
    page.wait_for_load_state()
    assert "已上传" in page.inner_text(".messages")
    assert "学情分析报告.docx" in page.inner_text("[data-testid=point-A1]")
    page.screenshot(path=str(artifacts / "practice_my_points.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, ASSESSOR)
    page.goto(f"{server_url}/practice/")
    page.wait_for_url(re.compile(r".*/practice/queue/\d+/.*"))
    page.screenshot(path=str(artifacts / "practice_queue.png"), full_page=True)
    row = page.locator("[data-testid=queue] tbody tr", has_text="待评定").first
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/practice/grade/\d+/\w+/.*"))
    items = page.locator("[data-testid=grade-form]").count()
    assert items >= 2
    for i in range(items):
        form = page.locator("[data-testid=grade-form]").nth(i)
        form.locator("select[name=grade]").select_option("excellent")
        form.locator("input[name=comment]").fill("符合优秀标准")
        form.locator("button").click()
        page.wait_for_load_state()
    assert page.inner_text("[data-testid=preview]").endswith("优秀")
    page.locator("[data-testid=decide] input[name=recommended]").check()
    page.screenshot(path=str(artifacts / "practice_grade.png"), full_page=True)
    page.locator("[data-testid=decide] button").click()
    page.wait_for_load_state()
    assert "优秀" in page.inner_text("[data-testid=result]")
    assert "推优" in page.inner_text("[data-testid=result]")
    context.close()


def test_the_principals_plan_and_the_provinces_catalogue_render(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, PRINCIPAL)
    page.goto(f"{server_url}/practice/")
    page.wait_for_url(re.compile(r".*/practice/plans/school/\d+/.*"))
    assert "已通过" in page.inner_text("[data-testid=plan-status]")
    page.screenshot(path=str(artifacts / "practice_school_plan.png"), full_page=True)
    context.close()

    context, page = log_in(browser, server_url, PROVINCE)
    page.goto(f"{server_url}/practice/catalogue/")
    assert page.locator("[data-testid=catalogue] tbody tr").count() == 30
    page.screenshot(path=str(artifacts / "practice_catalogue.png"), full_page=True)
    page.goto(f"{server_url}/practice/catalogue/B3/")
    assert page.locator("[data-testid=task]").count() == 2
    page.click("a.btn-primary:has-text('编辑')")
    page.wait_for_url(re.compile(r".*/practice/catalogue/B3/edit/$"))
    page.fill("#t0-guide", "提交一个 8 分钟以内的微课视频，聚焦一个知识点。")
    page.fill("#id_note", "缩短微课时长")
    page.screenshot(path=str(artifacts / "practice_point_edit.png"), full_page=True)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r".*/practice/catalogue/B3/$"))
    assert "v2" in page.inner_text("[data-testid=history]")
    assert "8 分钟以内" in page.inner_text("[data-testid=task] >> nth=0")
    context.close()
