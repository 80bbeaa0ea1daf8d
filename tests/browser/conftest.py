"""A real server for the browser tests: a fresh database, `tisheng migrate`, `tisheng seed
--scale demo`, then `tisheng runserver` on a free port. SQLite in a temp dir by default; when
DATABASE_URL points at PostgreSQL, a throwaway database on that server instead."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
TISHENG = str(Path(sys.executable).with_name("tisheng"))
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except urllib.error.HTTPError:
            return  # it answers (a redirect to login ends as 200; any HTTP status will do)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url}")


class _Postgres:
    """CREATE DATABASE on the server DATABASE_URL names, DROP it afterwards."""

    def __init__(self, url: str) -> None:
        self.name = f"tisheng_browser_{secrets.token_hex(4)}"
        self.url = self._with_database(url, self.name)
        self.admin_url = self._with_database(url, "postgres")

    @staticmethod
    def _with_database(url: str, name: str) -> str:
        # The server may be named in the query (`?host=/socket/dir`), so only the path changes.
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def _admin(self):
        import psycopg

        return psycopg.connect(self.admin_url.replace("postgresql://", "postgres://", 1), autocommit=True)

    def create(self) -> None:
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@contextlib.contextmanager
def demo_server(prefix: str = "tisheng-browser-") -> Iterator[tuple[str, dict[str, str]]]:
    """A demo province served by runserver on a database and var folder of its own (a fresh
    PostgreSQL database when DATABASE_URL names one, else SQLite): (its url, the environment
    `tisheng` commands run with to act on the same database)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as var_dir:
        env = dict(os.environ, TISHENG_VAR_DIR=var_dir, DJANGO_SETTINGS_MODULE="tisheng.settings")
        pg = None
        if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            pg = _Postgres(os.environ["DATABASE_URL"])
            pg.create()
            env["DATABASE_URL"] = pg.url
        else:
            env.pop("DATABASE_URL", None)
        log = open(Path(var_dir) / "server.log", "w+b")  # noqa: SIM115 - closed below
        proc = None
        try:
            subprocess.run([TISHENG, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True)
            subprocess.run([TISHENG, "seed", "--scale", "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
            port = _free_port()
            proc = subprocess.Popen([TISHENG, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env, cwd=ROOT,
                                    stdout=log, stderr=subprocess.STDOUT)
            url = f"http://127.0.0.1:{port}"
            _wait_for(url + "/accounts/login/", proc)
            yield url, env
        except subprocess.CalledProcessError as e:
            raise RuntimeError(f"{e.cmd} failed:\n{e.stdout.decode()}\n{e.stderr.decode()}") from e
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
            if pg is not None:
                pg.drop()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    with demo_server() as (url, _env):
        yield url


@pytest.fixture(scope="session")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        # In CI the Makefile has installed it: a missing browser there is a failure.
        (pytest.fail if os.getenv("CI") else pytest.skip)(f"{CHROMIUM} is not installed (make system-deps)")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


DEMO_PASSWORD = "Demo@2026"


@pytest.fixture
def log_in():
    """`log_in(browser, server_url, phone)`: a new browser context (Chinese, 1366 wide) signed in
    as that demo account on its home page; returns (context, page)."""

    def sign_in(browser, server_url: str, phone: str, *, height: int = 900, **context_options):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": height}, **context_options)
        page = context.new_page()
        page.goto(f"{server_url}/accounts/login/")
        page.fill("input[name=username]", phone)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("form[action$='/accounts/login/'] button[type=submit]")
        page.wait_for_url(re.compile(r".*/$"))
        return context, page

    return sign_in
