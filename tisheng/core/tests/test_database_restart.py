"""After PostgreSQL restarts, no request is answered 500 (issue 12).

Before: connections were reused without a health check (CONN_MAX_AGE 60), so after a restart
each server thread's next request died on its dead connection with a 500 page. Now a reused
connection is checked before a request's first query, and a request that meets the database
down is answered 503 with Retry-After (a page without the database, or JSON under the API).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.urls import reverse

from tisheng.core.db_unavailable import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from tisheng.core.tests.restartable_pg import NEEDS_PG_SH, _free_port, cluster

ROOT = Path(__file__).resolve().parents[3]
HARNESS = str(ROOT / "tisheng/jobs/tests/worker_harness.py")


def _database_down(*args, **kwargs):
    raise OperationalError("terminating connection due to administrator command")


def test_a_page_that_meets_the_database_down_is_a_chinese_503_with_retry_after(client, world, monkeypatch):
    client.raise_request_exception = False  # the error happens in a middleware, which Django answers itself
    client.force_login(world.county_officer)
    monkeypatch.setattr(SessionStore, "load", _database_down)  # the session middleware's first query

    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "暂时无法访问" in response.content.decode()


def test_a_view_that_meets_the_database_down_under_the_api_answers_json_503(client, world, monkeypatch):
    client.force_login(world.county_officer)
    monkeypatch.setattr("tisheng.jobs.views.get_job_for_user", _database_down)

    response = client.get(reverse("jobs:status", args=[1]), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {"error": str(DATABASE_UNAVAILABLE)}


def test_other_errors_are_still_server_errors(client, world, monkeypatch):
    client.raise_request_exception = False
    client.force_login(world.county_officer)
    monkeypatch.setattr("tisheng.jobs.views.get_job_for_user", lambda *a: 1 / 0)

    assert client.get(reverse("jobs:status", args=[1])).status_code == 500


def test_reused_connections_are_checked_before_a_request_uses_them():
    from django.conf import settings

    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


# --- a real server and a real restart ------------------------------------------------------------------

THREADS = 8


def _get(base: str, path: str) -> int:
    # A session cookie makes every request read the session table: each one needs the database.
    request = urllib.request.Request(base + path, headers={"Cookie": "sessionid=nosuchsessionkey0123456789abcd",
                                                           "Accept-Language": "zh-hans"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our own local server
            return answer.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


@pytest.mark.skipif(not os.getenv("TISHENG_PG_DIR"), reason=NEEDS_PG_SH)
def test_after_a_postgresql_restart_no_request_is_answered_500(tmp_path):
    from tisheng.core.management.commands.serve import server_argv

    with cluster() as pg:
        env = dict(os.environ, DATABASE_URL=pg.url, TISHENG_VAR_DIR=str(tmp_path), TISHENG_ALLOW_DEV_KEYS="1",
                   DJANGO_SETTINGS_MODULE="tisheng.settings")
        subprocess.run([sys.executable, HARNESS, "setup"], env=env, check=True, capture_output=True, timeout=300)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        argv = server_argv("granian", bind=f"127.0.0.1:{port}", workers=1, threads=THREADS, access_log=False)
        log = (tmp_path / "server.log").open("ab")
        server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while _get(base, "/healthz") != 200:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the server did not answer /healthz"
                time.sleep(0.5)
            with ThreadPoolExecutor(THREADS * 2) as pool:
                # Given every server thread holding a connection
                warm = Counter(pool.map(lambda _: _get(base, "/accounts/login/"), range(THREADS * 8)))
                assert set(warm) == {200}, warm

                # When PostgreSQL is killed and restarted while clients keep asking
                during: Counter = Counter()
                stop = threading.Event()

                def keep_asking() -> None:
                    while not stop.is_set():
                        during[_get(base, "/accounts/login/")] += 1

                askers = [pool.submit(keep_asking) for _ in range(THREADS)]
                time.sleep(0.5)
                pg.restart()
                stop.set()
                for a in askers:
                    a.result()

                # Then no request was a 500, during the restart or after it
                after = Counter(pool.map(lambda _: _get(base, "/accounts/login/"), range(THREADS * 8)))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
            log.close()
    print(f"during the restart: {dict(during)}; after it: {dict(after)}")
    assert during[500] == 0, during
    assert after[500] == 0, after
    assert after[200] >= THREADS * 8 - THREADS, after  # at most one 503 per thread after the restart
