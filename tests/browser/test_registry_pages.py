"""The continuing-education registry (issue 17): the demo teacher opens 我的学时档案 and sees the
2022—2026 cycle against its rule and every credited hour with its source; the county office
checks an export from the national platform and reads each bad row's reason. Desktop and
phone (390×844), nothing sideways-scrolling. Screenshots: test-artifacts/registry_*.png."""

from __future__ import annotations

import hashlib

import pytest

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
EXPORT = ("姓名,身份证号,培训名称,学时,完成日期,证书编号\n"
          "某某,350102195001019872,2025年暑期教师研修,10,2025-08-20,ZXJY-1\n"
          "某某,350102195001019872,,abc,2025-08-20,ZXJY-2\n").encode()


def _no_sideways_scroll(page, what: str) -> None:
    width, inner = page.evaluate(OVERFLOW)
    assert width <= inner, f"{what}: {width} px wide on a {inner} px screen"


def test_a_teacher_reads_their_registry_and_the_county_checks_an_export(browser, server_url, log_in, artifacts):
    for size, options in (("desktop", {}), ("phone", PHONE)):
        context, page = log_in(browser, server_url, "13800000008", **options)
        page.goto(server_url + "/ledger/registry/")
        cycle = page.locator("[data-testid=cycle]", has_text="2022—2026 年继续教育周期")
        assert cycle.is_visible()
        assert "/ 360" in cycle.locator("[data-testid=cycle-total]").inner_text()
        rows = page.locator("[data-testid=registry-rows]").inner_text()
        assert "国家智慧教育平台" in rows
        assert "鼓楼区中小学教师师德师风专题培训" in rows
        assert "师德师风" in rows
        _no_sideways_scroll(page, f"registry {size}")
        page.screenshot(path=str(artifacts / f"registry_teacher_{size}.png"), full_page=True)
        context.close()

    for size, options in (("desktop", {}), ("phone", PHONE)):
        context, page = log_in(browser, server_url, "13800000003", **options)
        page.goto(server_url + "/ledger/external/")
        page.select_option("select[name=mode]", "dry_run")
        page.set_input_files("input[name=file]", files=[{"name": "国家平台导出.csv", "mimeType": "text/csv",
                                                          "buffer": EXPORT}])
        page.locator("[data-testid=external-form] button[type=submit]").click()
        page.wait_for_url("**/ledger/external/*/")
        assert "未写入任何数据" in page.locator(".messages").inner_text()
        errors = page.locator("[data-testid=external-errors]").inner_text()
        assert "您管辖范围内没有该身份证号的教师" in errors
        assert "学时须为 0.5 到 200 之间的数字" in errors
        assert page.locator("[data-testid=sha256]").inner_text().strip() == hashlib.sha256(EXPORT).hexdigest()
        _no_sideways_scroll(page, f"import {size}")
        page.screenshot(path=str(artifacts / f"registry_import_{size}.png"), full_page=True)
        context.close()
