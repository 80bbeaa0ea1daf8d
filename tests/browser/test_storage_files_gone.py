"""A stored file that is gone from the file store (removed by hand, lost with a disk, an object
deleted in the bucket): the teacher who clicks its link reads a page that says so, in Chinese,
on a desktop and on a phone, instead of a server error or the store's own error (issue 20,
item 4). The test moves the demo server's copy of one of the demo teacher's evidence files aside
and puts it back afterwards, so the shared demo server is as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

TEACHER = "13800000008"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _private_root(server_url: str) -> Path:
    """The demo server's private file store, read from the environment of its runserver process
    (the shared server is a child of this test run)."""
    address = f"127.0.0.1:{urlsplit(server_url).port}".encode()
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            if b"runserver" not in command or address not in command:
                continue
            env = dict(item.split(b"=", 1) for item in (proc / "environ").read_bytes().split(b"\0") if b"=" in item)
        except OSError:
            continue
        if b"TISHENG_PRIVATE_MEDIA_ROOT" in env:
            return Path(env[b"TISHENG_PRIVATE_MEDIA_ROOT"].decode())
        return Path(env[b"TISHENG_VAR_DIR"].decode()) / "private"
    pytest.skip("the demo server's process is not readable here")


def test_a_file_gone_from_the_store_is_a_page_that_says_so_on_a_desktop_and_a_phone(
        log_in, browser, server_url, artifacts):
    context, page = log_in(browser, server_url, TEACHER)
    page.goto(f"{server_url}/practice/")
    link = page.locator("a[href$='?download=1']").first
    href = server_url + link.get_attribute("href")
    content = context.request.get(href).body()
    digest = hashlib.sha256(content).hexdigest()
    copies = [p for p in _private_root(server_url).rglob("*")
              if p.is_file() and p.stat().st_size == len(content) and hashlib.sha256(p.read_bytes()).hexdigest() == digest]
    assert copies, "the served file is in the demo server's store"
    aside = [(p, p.with_name(p.name + ".aside")) for p in copies]
    try:
        for path, moved in aside:
            path.rename(moved)

        answer = page.goto(href)
        assert answer.status == 404
        assert "文件已不存在" in page.inner_text("[data-testid=stored-file-unavailable]")
        assert "请联系上传者重新上传" in page.inner_text("main")
        page.screenshot(path=str(artifacts / "storage_file_gone_desktop.png"), full_page=True)
        context.close()

        context, page = log_in(browser, server_url, TEACHER, **PHONE)
        answer = page.goto(href)
        assert answer.status == 404
        assert "文件已不存在" in page.inner_text("h1")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=str(artifacts / "storage_file_gone_phone.png"), full_page=True)
    finally:
        for path, moved in aside:
            moved.rename(path)
        context.close()

    # Back in its place, the same link serves the file again.
    context, page = log_in(browser, server_url, TEACHER)
    assert context.request.get(href).body() == content
    context.close()
