"""An expired export in a browser: the province office exports the demo province's teacher list
(8,000 rows: written in the background), a worker writes it, `run-periodic` with a retention of
0 days (only that task) deletes it, and then "My exports" marks it expired and its download answers the Chinese
"export again" page (410).

This module runs its own demo server (the shared one in conftest.py keeps its folder and
database to itself): the test has to run `tisheng run-jobs` and `tisheng run-periodic` on the
same database the server uses."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.browser.conftest import ROOT, TISHENG, demo_server

pytestmark = pytest.mark.browser

PROVINCE_OFFICE = "13800000001"


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[str, dict[str, str]]]:
    """(server url, the environment its commands run with)."""
    with demo_server("tisheng-browser-retention-") as served:
        yield served


def tisheng(env: dict[str, str], *args: str, **extra_env: str) -> str:
    done = subprocess.run([TISHENG, *args], env={**env, **extra_env}, cwd=ROOT, check=True, capture_output=True)
    return done.stdout.decode()


def test_my_exports_marks_an_expired_export_and_its_download_asks_to_export_again(demo, browser, log_in,
                                                                                  artifacts):
    server_url, env = demo
    context, page = log_in(browser, server_url, PROVINCE_OFFICE)
    page.goto(f"{server_url}/people/teachers/")
    page.click("[data-testid=export]")
    page.wait_for_selector("[data-testid=export-job]")
    job_url = page.url
    # Only the export: the fresh demo also has its lessons' HLS cuts queued, a minute of ffmpeg.
    tisheng(env, "run_jobs", "--once", "--kind", "monitoring.export")
    # The job page polls its status and reloads itself when the job is done, as a user sees it; a
    # reload of our own would race that one (net::ERR_ABORTED in CI).
    page.wait_for_selector("[data-testid=export-download]", timeout=30_000)

    # Only the purge: the whole round would first compute every roll-up of the fresh demo.
    out = tisheng(env, "run_periodic", "--only", "exports_purged", TISHENG_EXPORT_RETENTION_DAYS="0")
    assert "exports_purged=1" in out

    page.goto(f"{server_url}/monitoring/exports/")
    row = page.locator("[data-testid=exports] tbody tr").first
    assert row.locator("[data-testid=state]").inner_text() == "已过期"
    assert row.locator("a", has_text="下载").count() == 0
    page.screenshot(path=str(artifacts / "exports_mine_expired.png"), full_page=True)

    response = page.goto(job_url.rstrip("/") + "/download")
    assert response.status == 410
    assert "导出文件已过期" in page.inner_text("[data-testid=export-expired]")
    page.screenshot(path=str(artifacts / "export_expired.png"), full_page=True)
    page.click("[data-testid=export-again]")
    page.wait_for_selector("[data-testid=export-job]")
    assert page.url != job_url
    context.close()
