"""A real server for the browser tests: a fresh database with the demo province, then `tisheng
runserver` on a free port. SQLite in a temp dir by default; when DATABASE_URL points at
PostgreSQL, a throwaway database on that server instead.

The demo is seeded once per test run (`tisheng migrate` + `tisheng seed --scale demo`, a minute
or more), into a template that every server of the run copies: the first xdist worker to need
it seeds it under a file lock (fcntl) while the others wait, then each server gets a copy of the
SQLite file and the var folder (its files hard-linked: they are only ever replaced, never
changed in place), or on PostgreSQL a `CREATE DATABASE … TEMPLATE` of the seeded database.
The template belongs to the run (keyed by the pytest process that started it) and is removed at
its end (`demo_templates_remove`, from the root conftest's sessionfinish)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
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


# The province identity platform that demo servers sign teachers in through: a small OpenID Connect
# provider that tests/browser/test_federation_login.py serves on this port while it runs.
IDP_PORT = int(os.environ.setdefault("TISHENG_TEST_IDP_PORT", str(_free_port())))  # one port however often imported


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
    """CREATE DATABASE on the server DATABASE_URL names (empty, or a copy of `template`), DROP it
    afterwards."""

    def __init__(self, url: str, name: str | None = None) -> None:
        self.name = name or f"tisheng_browser_{secrets.token_hex(4)}"
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

    def create(self, template: str | None = None) -> None:
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"' + (f' TEMPLATE "{template}"' if template else ""))

    def exists(self) -> bool:
        with self._admin() as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name]).fetchone() is not None

    def drop(self) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _started(pid: int) -> str:
    """When process `pid` started (clock ticks since boot): with the pid, names one process even
    after its pid is reused."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "0"


def _run_key(pid: int | None = None) -> str:
    """The test run a process belongs to: an xdist worker's is its controller (its parent), a
    plain run's is the pytest process itself."""
    if pid is None:
        pid = os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()
    return f"{pid}-{_started(pid)}-{'pg' if _on_postgres() else 'sqlite'}"


def _remove_abandoned_templates() -> None:
    """Templates of runs that ended without removing theirs (killed): their process is gone."""
    for template in Path(tempfile.gettempdir()).glob("tisheng-demo-template-*-*-*"):
        if not template.is_dir():
            continue
        pid, started = template.name.split("-")[3:5]
        if _started(int(pid)) != started:
            shutil.rmtree(template, ignore_errors=True)
            Path(f"{template}.lock").unlink(missing_ok=True)


def _template_dir(key: str) -> Path:
    return Path(tempfile.gettempdir()) / f"tisheng-demo-template-{key}"


def _template_database(key: str) -> str:
    return f"tisheng_demo_template_{key.replace('-', '_')}"


@contextlib.contextmanager
def _template_lock(key: str) -> Iterator[None]:
    with open(f"{_template_dir(key)}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _migrated_database(key: str) -> str:
    return f"tisheng_migrated_template_{key.replace('-', '_')}"


def migrated_template(key: str | None = None) -> Path:
    """The run's migrated empty database (its var folder holds the SQLite file; on PostgreSQL
    the database `_migrated_database(key)`), migrated by whichever process asks first while the
    others wait. Every database the tests start from (pytest-django's test databases, the demo
    template, the worker and serve tests' databases of their own) is a copy of it: `migrate`
    renders the project state over a hundred migrations, ~50 s of CPU each time, and a copy
    takes a fraction of a second."""
    key = key or _run_key()
    migrated = _template_dir(key) / "migrated"
    with _template_lock(key):
        if (migrated / "ready").exists():
            return migrated
        _remove_abandoned_templates()
        shutil.rmtree(migrated, ignore_errors=True)
        migrated.mkdir(parents=True)
        env = dict(os.environ, TISHENG_VAR_DIR=str(migrated), DJANGO_SETTINGS_MODULE="tisheng.settings")
        env.pop("DATABASE_URL", None)
        if _on_postgres():
            pg = _Postgres(os.environ["DATABASE_URL"], _migrated_database(key))
            pg.drop()
            pg.create()
            env["DATABASE_URL"] = pg.url
        try:
            subprocess.run([TISHENG, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True)
        except subprocess.CalledProcessError as e:
            raise RuntimeError(f"{e.cmd} failed:\n{e.stdout.decode()}\n{e.stderr.decode()}") from e
        (migrated / "ready").touch()
        return migrated


def fresh_database(var_dir: Path) -> tuple[str | None, Callable[[], None]]:
    """A database of its own for a process that runs `tisheng` commands with
    TISHENG_VAR_DIR=var_dir: a copy of the run's migrated template (the SQLite file copied into
    var_dir, or a PostgreSQL `CREATE DATABASE … TEMPLATE`). Returns (the DATABASE_URL to run with,
    None for SQLite; a function that drops it)."""
    migrated = migrated_template()
    if not _on_postgres():
        shutil.copy2(migrated / "tisheng.sqlite3", Path(var_dir) / "tisheng.sqlite3")
        return None, lambda: None
    pg = _Postgres(os.environ["DATABASE_URL"], f"tisheng_fresh_{secrets.token_hex(4)}")
    pg.create(template=_migrated_database(_run_key()))
    return pg.url, pg.drop


def migrated_database_url() -> str:
    """On PostgreSQL: the URL of the run's migrated empty database (migrated first if no process
    has yet), for a test that copies it elsewhere, e.g. into a cluster of its own with pg_dump."""
    key = _run_key()
    migrated_template(key)
    return _Postgres(os.environ["DATABASE_URL"], _migrated_database(key)).url


def _demo_template(key: str) -> Path:
    """The run's seeded demo (its var folder; on PostgreSQL also its database), seeded by
    whichever process asks first while the others wait. Call under `_template_lock`."""
    template = _template_dir(key)
    var_dir = template / "var"
    if (template / "ready").exists():
        return var_dir
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    env = dict(os.environ, TISHENG_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="tisheng.settings")
    env.pop("DATABASE_URL", None)
    if _on_postgres():
        pg = _Postgres(os.environ["DATABASE_URL"], _template_database(key))
        pg.drop()
        pg.create(template=_migrated_database(key))
        env["DATABASE_URL"] = pg.url
    else:
        shutil.copy2(template / "migrated" / "tisheng.sqlite3", var_dir / "tisheng.sqlite3")
    try:
        subprocess.run([TISHENG, "seed", "--scale", "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"{e.cmd} failed:\n{e.stdout.decode()}\n{e.stderr.decode()}") from e
    (template / "ready").touch()
    return var_dir


@contextlib.contextmanager
def demo_database() -> Iterator[str]:
    """A copy of the run's seeded demo database for tests that read it in process (the default
    connection pointed at it): the NAME to give DATABASES["default"]. The same seed the browser
    tests' servers copy, so a run seeds the demo province once."""
    key = _run_key()
    migrated_template(key)
    pg = _Postgres(os.environ["DATABASE_URL"]) if _on_postgres() else None
    with tempfile.TemporaryDirectory(prefix="tisheng-demo-copy-") as copy_dir:
        with _template_lock(key):
            var_dir = _demo_template(key)
            if pg is None:
                shutil.copy2(var_dir / "tisheng.sqlite3", Path(copy_dir) / "tisheng.sqlite3")
            else:
                pg.create(template=_template_database(key))
        try:
            yield str(Path(copy_dir) / "tisheng.sqlite3") if pg is None else pg.name
        finally:
            if pg is not None:
                pg.drop()


def _copy_var_dir(source: Path, target: Path) -> None:
    """The template's var folder into `target`: the SQLite database copied, every other file
    hard-linked (uploads and exports are written to a new file and renamed, never changed in
    place, so a server cannot change the template's)."""

    def link_or_copy(src: str, dst: str) -> None:
        if Path(src).name.startswith("tisheng.sqlite3"):
            shutil.copy2(src, dst)
            return
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy, dirs_exist_ok=True)


def demo_templates_remove(pid: int | None = None) -> None:
    """Remove the run's demo template (the folder and, on PostgreSQL, its database); the root
    conftest calls it when the run ends (the xdist controller, or the only process)."""
    key = _run_key(pid)
    template = _template_dir(key)
    if not template.exists():
        return
    if _on_postgres():
        with contextlib.suppress(Exception):  # the cluster may be gone already; it was throwaway then
            _Postgres(os.environ["DATABASE_URL"], _template_database(key)).drop()
            _Postgres(os.environ["DATABASE_URL"], _migrated_database(key)).drop()
    shutil.rmtree(template, ignore_errors=True)
    Path(f"{template}.lock").unlink(missing_ok=True)


@contextlib.contextmanager
def demo_server(prefix: str = "tisheng-browser-") -> Iterator[tuple[str, dict[str, str]]]:
    """A demo province served by runserver on a database and var folder of its own (a copy of
    the run's seeded template: a PostgreSQL database when DATABASE_URL names one, else SQLite):
    (its url, the environment `tisheng` commands run with to act on the same database)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as var_dir:
        env = dict(os.environ, TISHENG_VAR_DIR=var_dir, DJANGO_SETTINGS_MODULE="tisheng.settings")
        env.update(TISHENG_IDP_OIDC_DISCOVERY_URL=f"http://127.0.0.1:{IDP_PORT}/.well-known/openid-configuration",
                   TISHENG_IDP_OIDC_CLIENT_ID="tisheng-demo", TISHENG_IDP_OIDC_CLIENT_SECRET="demo-platform-secret",
                   TISHENG_IDP_OIDC_LINK_BY="none")
        key = _run_key()
        pg = None
        migrated_template(key)
        with _template_lock(key):
            _copy_var_dir(_demo_template(key), Path(var_dir))
            if _on_postgres():
                pg = _Postgres(os.environ["DATABASE_URL"])
                pg.create(template=_template_database(key))
                env["DATABASE_URL"] = pg.url
            else:
                env.pop("DATABASE_URL", None)
        log = open(Path(var_dir) / "server.log", "w+b")  # noqa: SIM115 - closed below
        proc = None
        try:
            port = _free_port()
            proc = subprocess.Popen([TISHENG, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env, cwd=ROOT,
                                    stdout=log, stderr=subprocess.STDOUT)
            url = f"http://127.0.0.1:{port}"
            _wait_for(url + "/accounts/login/", proc)
            yield url, env
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
        viewport = context_options.pop("viewport", {"width": 1366, "height": height})  # a phone's, when given
        context = browser.new_context(locale="zh-CN", viewport=viewport, **context_options)
        page = context.new_page()
        page.goto(f"{server_url}/accounts/login/")
        page.fill("input[name=username]", phone)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("form[action$='/accounts/login/'] button[type=submit]")
        page.wait_for_url(re.compile(r".*/$"))
        return context, page

    return sign_in
