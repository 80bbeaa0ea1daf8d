"""A county officer logs in and sees their county's schools and teachers, and nothing of
another county. Drives Debian's chromium against a server seeded with `tisheng seed --scale demo`."""

import re

import pytest

pytestmark = pytest.mark.browser

GULOU_OFFICER = "13800000003"  # county office of 350102 鼓楼区
SIMING_OFFICER = "13800000012"  # county office of 350203 思明区


def tree_schools(page, server_url):
    """The schools listed on the officer's own county page of the tree: {name: teachers}."""
    page.goto(f"{server_url}/orgs/tree/")
    rows = page.locator("[data-testid=tree-children] tbody tr")
    schools = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        schools[cells.nth(0).inner_text().strip()] = int(cells.nth(4).inner_text().replace(",", ""))
    return schools


def test_county_officer_sees_only_their_county(log_in, browser, server_url, artifacts):
    siming_context, siming = log_in(browser, server_url, height=768, phone=SIMING_OFFICER)
    siming_schools = tree_schools(siming, server_url)
    siming_context.close()

    context, page = log_in(browser, server_url, height=768, phone=GULOU_OFFICER)
    # The home page greets the officer with their role and county, in Chinese.
    assert "县工程办 · 鼓楼区" in page.inner_text("[data-testid=current-user]")
    # The foundation's entries, in their order, among those later features add (no audit log).
    nav = page.locator(".site-nav").inner_text().split()
    foundation = [nav.index(entry) for entry in ("首页", "组织机构", "教师", "花名册导入")]
    assert foundation == sorted(foundation)
    assert nav[0] == "首页"
    assert "审计日志" not in nav
    home_total = int(page.inner_text("[data-testid=home-teacher-total]").replace(",", ""))
    page.screenshot(path=str(artifacts / "county_officer_home.png"), full_page=True)

    # The tree opens at their county, lists its schools and nothing above or beside it.
    gulou_schools = tree_schools(page, server_url)
    page.screenshot(path=str(artifacts / "county_officer_tree.png"), full_page=True)
    assert page.locator("h1").inner_text() == "鼓楼区"
    assert page.locator(".breadcrumbs li").all_inner_texts() == ["鼓楼区"]
    assert gulou_schools
    assert siming_schools
    assert not set(gulou_schools) & set(siming_schools)
    total = int(page.inner_text("[data-testid=teacher-total]").replace(",", ""))
    assert total == sum(gulou_schools.values()) == home_total
    assert page.goto(f"{server_url}/orgs/tree/?node=350203").status == 404
    assert page.goto(f"{server_url}/orgs/tree/?node=35").status == 404

    # The teacher list holds the county's active teachers, each at one of its schools.
    page.goto(f"{server_url}/people/teachers/?status=active")
    page.screenshot(path=str(artifacts / "county_officer_teachers.png"), full_page=True)
    count = int(re.sub(r"\D", "", page.inner_text("[data-testid=result-count]")))
    assert count == total
    rows = page.locator("[data-testid=teacher-table] tbody tr")
    assert rows.count() == min(20, total)
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        assert cells.nth(3).inner_text().strip() in gulou_schools
        assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", cells.nth(1).inner_text().strip())

    # Asking for the other county's teachers finds none.
    page.goto(f"{server_url}/people/teachers/?region=350203")
    assert page.locator("[data-testid=teacher-table] tbody tr").inner_text().strip() == "没有符合条件的教师。"

    # A teacher's page shows the masked ID; the reveal is audited and shows it in full.
    page.goto(f"{server_url}/people/teachers/?status=active")
    page.locator("[data-testid=teacher-table] tbody tr td a").first.click()
    masked = page.inner_text("[data-testid=masked-id]")
    page.click("text=显示完整身份证号")
    full = page.inner_text("[data-testid=full-id]")
    assert full[:6] == masked[:6]
    assert full[-4:] == masked[-4:]
    page.screenshot(path=str(artifacts / "county_officer_teacher_detail.png"), full_page=True)
    context.close()
