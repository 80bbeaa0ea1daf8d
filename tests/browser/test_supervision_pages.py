"""Supervision on the demo province (seeded by tisheng/supervision/seed.py): the province office
sees its round with 鼓楼区 graded and an overdue item; the inspector grades the demo school in the
county's mid-term inspection and raises an item for the principal; the principal answers on a
phone with a photo; the county office accepts it and sees its own overdue item from the province;
the other county's office gets 404 for 鼓楼区's inspection."""

import re
import struct
import zlib

import pytest

pytestmark = pytest.mark.browser

PROVINCE, COUNTY, PRINCIPAL, OUTSIDER = "13800000001", "13800000003", "13800000006", "13800000012"
INSPECTOR = "13800001901"
DEMO_PASSWORD = "Demo@2026"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80\x80\x80" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _phone_login(browser, server_url: str, phone: str):
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{server_url}/accounts/login/")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return context, page


def test_a_school_is_inspected_graded_and_its_rectification_answered_and_accepted(
        log_in, browser, server_url, artifacts):
    # The province office: its round, 鼓楼区 graded, one item overdue.
    context, page = log_in(browser, server_url, PROVINCE)
    page.locator(".site-nav a", has_text="督导").first.click()
    page.wait_for_selector("[data-testid=rounds]")
    assert "逾期未整改事项" in page.inner_text("[data-testid=overdue]")
    page.locator("[data-testid=rounds] a", has_text="实施情况督导").click()
    page.wait_for_selector("[data-testid=units]")
    row = page.locator("[data-testid=unit-row]", has_text="鼓楼区")
    assert "良好" in row.inner_text()
    page.screenshot(path=str(artifacts / "supervision_round.png"), full_page=True)
    context.close()

    # The inspector grades the demo school in the county's mid-term inspection.
    context, page = log_in(browser, server_url, INSPECTOR)
    page.goto(f"{server_url}/supervision/")
    page.locator("[data-testid=assigned] a", has_text="鼓楼第一中心小学").click()
    page.wait_for_selector("[data-testid=findings-form]")
    for select in page.locator("[data-testid=finding-row] select").all():
        select.select_option("good")
    page.locator("[data-testid=finding-row] textarea").first.fill("教师参训积极")
    page.locator("[data-testid=finding-row] input[type=file]").first.set_input_files(
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": _png()}])
    page.click("[data-testid=save-findings]")
    page.wait_for_selector(".messages")
    assert "已保存" in page.inner_text(".messages")
    page.select_option("[data-testid=grade-form] select[name=grade]", "good")
    page.fill("[data-testid=grade-form] textarea[name=summary]", "整体推进有序。")
    page.click("[data-testid=grade-form] button[type=submit]")
    page.wait_for_selector("[data-testid=overall-grade]")
    assert "良好" in page.inner_text("[data-testid=overall-grade]")
    page.fill("[data-testid=item-form] textarea[name=description]", "完善校本研修活动记录")
    page.click("[data-testid=item-form] button[type=submit]")
    page.wait_for_selector("[data-testid=item]")
    assert "已添加整改事项" in page.inner_text(".messages")
    page.screenshot(path=str(artifacts / "supervision_inspection_inspector.png"), full_page=True)
    context.close()

    # The principal answers on a phone, with a photo.
    context, page = _phone_login(browser, server_url, PRINCIPAL)
    page.goto(f"{server_url}/supervision/")
    page.locator("[data-testid=own] a").first.click()
    page.wait_for_selector("[data-testid=answer-form]")
    page.fill("[data-testid=answer-form] textarea[name=text]", "已补齐本学期研修活动记录。")
    page.locator("[data-testid=answer-form] input[type=file]").set_input_files(
        files=[{"name": "记录.png", "mimeType": "image/png", "buffer": _png()}])
    page.click("[data-testid=answer-form] button[type=submit]")
    page.wait_for_selector(".messages")
    assert "整改情况已提交" in page.inner_text(".messages")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "supervision_answer_phone.png"), full_page=True)
    context.close()

    # The county office accepts; on its own side it sees the province's overdue item.
    context, page = log_in(browser, server_url, COUNTY)
    page.goto(f"{server_url}/supervision/")
    assert "督促未通过规划审核的学校" in page.inner_text("[data-testid=overdue]")
    page.locator("[data-testid=awaiting] a").first.click()
    page.wait_for_selector("[data-testid=decide-form]")
    page.click("[data-testid=decide-form] button[value=accept]")
    page.wait_for_selector(".messages")
    assert "整改已验收通过" in page.inner_text(".messages")
    assert "已验收" in page.inner_text("[data-testid=rectifications]")
    page.screenshot(path=str(artifacts / "supervision_accepted.png"), full_page=True)
    inspection_url = page.url
    context.close()

    context, page = _phone_login(browser, server_url, OUTSIDER)
    assert page.goto(inspection_url).status == 404
    page.goto(f"{server_url}/supervision/")
    page.screenshot(path=str(artifacts / "supervision_home_phone.png"), full_page=True)
    context.close()
