"""Practice has a way back, in the browser on the demo seed: the demo teacher uploads evidence
for A5; the school's assessor grades it 不合格 with a comment; the teacher (on a phone) sees
the comment, a refused upload shows its reason beside the file field with the note kept,
then resubmits with a note; the assessor sees 第2次提交 with the earlier version and its
comment, and grades the new version. Screenshots at desktop and phone size."""

import io
import re

import docx
import pytest

pytestmark = pytest.mark.browser

TEACHER = "13800000008"
ASSESSOR = "13800000007"
PHONE = {"width": 390, "height": 844}
COMMENT = "教学设计缺少技术支持导入环节的具体步骤，请补充后重新提交"


def a_docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def grading_page(browser, server_url, log_in, teacher_name: str):
    context, page = log_in(browser, server_url, ASSESSOR)
    page.goto(f"{server_url}/practice/")
    page.wait_for_url(re.compile(r".*/practice/queue/\d+/.*"))
    page.goto(page.url + "&show=all")
    page.locator("[data-testid=queue] tbody tr", has_text=teacher_name).filter(has_text="A5").locator("a").first.click()
    page.wait_for_url(re.compile(r".*/practice/grade/\d+/A5/.*"))
    return context, page


def test_a_returned_item_is_resubmitted_and_graded_again(log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, TEACHER)
    page.goto(f"{server_url}/practice/my/")
    teacher_name = page.inner_text(".page-head .muted").split("·")[0].strip()
    task = page.locator("[data-testid=point-A5] .task").first
    task.locator("input[type=file]").set_input_files(
        files=[{"name": "课堂导入教学设计.docx", "mimeType": "application/octet-stream",
                "buffer": a_docx("用希沃白板的情境图片导入新课。")}])
    task.locator("button", has_text="上传").click()
    page.wait_for_load_state()
    assert "已上传" in page.inner_text(".messages")
    context.close()

    context, page = grading_page(browser, server_url, log_in, teacher_name)
    form = page.locator("[data-testid=grade-form]").first
    form.locator("select[name=grade]").select_option("fail")
    form.locator("input[name=comment]").fill(COMMENT)
    form.locator("button").click()
    page.wait_for_load_state()
    assert "评定已保存" in page.inner_text(".messages") or "已保存" in page.inner_text(".messages")
    context.close()

    context, page = log_in(browser, server_url, TEACHER)
    page.set_viewport_size(PHONE)
    page.goto(f"{server_url}/practice/my/")
    task = page.locator("[data-testid=point-A5] .task").first
    assert COMMENT in task.locator("[data-testid=sent-back]").inner_text()
    assert "退回修改" in task.inner_text()
    task.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "practice_resubmit_sent_back_phone.png"), full_page=True)
    assert no_horizontal_overflow(page)

    # A file that is not what it says: refused beside the field, the note as typed is kept.
    task.locator("textarea[name=note]").fill("补充了导入环节的三个步骤")
    task.locator("input[type=file]").set_input_files(
        files=[{"name": "修改稿.docx", "mimeType": "application/octet-stream", "buffer": b"not a word file at all"}])
    task.locator("button", has_text="重新提交").click()
    page.wait_for_load_state()
    task = page.locator("[data-testid=point-A5] .task").first
    assert "不是" in task.locator("[data-testid=file-errors]").inner_text()
    assert task.locator("textarea[name=note]").input_value() == "补充了导入环节的三个步骤"
    task.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "practice_upload_field_error_phone.png"), full_page=True)

    task.locator("input[type=file]").set_input_files(
        files=[{"name": "课堂导入教学设计（修改稿）.docx", "mimeType": "application/octet-stream",
                "buffer": a_docx("导入环节：1. 情境图片 2. 设问 3. 学生投票。")}])
    task.locator("button", has_text="重新提交（第2次，共3次）").click()
    page.wait_for_load_state()
    assert "已重新提交" in page.inner_text(".messages")
    assert "第2次提交" in page.locator("[data-testid=point-A5] .task").first.inner_text()
    page.screenshot(path=str(artifacts / "practice_resubmitted_phone.png"), full_page=True)
    assert no_horizontal_overflow(page)
    context.close()

    context, page = grading_page(browser, server_url, log_in, teacher_name)
    item = page.locator("[data-testid=item]").first
    assert "第2次提交" in item.locator("[data-testid=resubmission]").inner_text()
    assert COMMENT in item.locator("[data-testid=earlier-versions]").inner_text()
    assert "补充了导入环节的三个步骤" in item.inner_text()
    page.screenshot(path=str(artifacts / "practice_grade_resubmission.png"), full_page=True)
    form = item.locator("[data-testid=grade-form]")
    form.locator("select[name=grade]").select_option("pass")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "合格" in page.locator("[data-testid=item]").first.locator("[data-testid=review-team]").inner_text()
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts / "practice_grade_resubmission_phone.png"), full_page=True)
    assert no_horizontal_overflow(page)
    context.close()
