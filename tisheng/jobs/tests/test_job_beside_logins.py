"""A job never fails because someone logged in (issue 13 item 1).

On the embedded SQLite, a large export run by a worker beside the site failed with "database is
locked" while people logged in: the export reads its rows through an open cursor, and its
progress update, written on the same connection, had to turn that read into a write on a
snapshot other connections had moved past. Here a real `tisheng run-jobs` process runs two
large exports while another process logs in again and again through the login page."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tisheng.jobs.tests.test_worker_resilience import _database_of_its_own, _show

HARNESS = str(Path(__file__).with_name("contention_harness.py"))
TISHENG = str(Path(sys.executable).with_name("tisheng"))


def _harness(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, HARNESS, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_large_exports_finish_at_their_first_attempt_while_people_log_in(tmp_path):
    # Given a county of 4,000 teachers, two exports of its roster queued, and someone logging in
    # through the login page again and again (each login writes its session, last login and audit row)
    env, drop = _database_of_its_own(tmp_path)
    stop = tmp_path / "stop-logging-in"
    try:
        _harness(env, "setup", "4000")
        jobs = _harness(env, "export", "2").split()
        logins = subprocess.Popen([sys.executable, HARNESS, "logins", str(stop), "240"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)

        # When a worker runs them while the logins go on
        worker = subprocess.run([TISHENG, "run-jobs", "--once"], env=env, capture_output=True, text=True,
                                timeout=600)
        stop.touch()
        out, err = logins.communicate(timeout=60)
        shown = [_show(env, pk) for pk in jobs]
    finally:
        stop.touch()
        drop()

    # Then every export is done at its first attempt, and every login got in
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert [(s["state"], s["attempts"], s["errors"]) for s in shown] == [("done", 1, [])] * 2, shown
    assert [s["result"]["rows"] for s in shown] == [4000] * 2
    logged_in = json.loads(out)
    assert logged_in["failed"] == 0, logged_in
    assert logged_in["logins"] > 0, err
