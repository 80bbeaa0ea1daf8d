"""`tisheng serve` runs the job worker and the periodic tasks beside the site (issue 13 item 1).

The supervisor's rules (restart with growing pauses, one run-periodic at a time, everything
stopped with it) are tried on small stand-in commands; then the real `tisheng serve` on a
database of its own: its worker runs a queued export, comes back after `kill -9`, and nothing
is left running when serve stops; `--no-worker` starts none."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from tisheng.core import supervise
from tisheng.core.supervise import Supervisor
from tisheng.jobs.tests.test_worker_resilience import _database_of_its_own, _show

ROOT = Path(__file__).resolve().parents[3]
TISHENG = str(Path(sys.executable).with_name("tisheng"))
CONTENTION = str(ROOT / "tisheng/jobs/tests/contention_harness.py")


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (its parent, the test, has not reaped it).
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def _descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`: {pid: command line}."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,args="], capture_output=True, text=True, check=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines()]
    children: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        if len(row) == 3:
            children.setdefault(int(row[1]), []).append((int(row[0]), row[2]))
    found, todo = {}, [pid]
    while todo:
        for child, args in children.get(todo.pop(), []):
            found[child] = args
            todo.append(child)
    return found


class Running:
    """A supervisor run in a thread of the test (no signal handlers), stopped on exit."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.code = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.code = self.supervisor.run(handle_signals=False)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.supervisor.stop()
        self.thread.join(30)

    def child(self, name: str):
        return next((c for c in self.supervisor.children if c.name == name and c.proc is not None), None)


SLEEPER = _python("import time; time.sleep(600)")


def test_a_killed_worker_is_started_again_within_seconds_and_stopping_ends_every_child():
    with Running(Supervisor(web=None, worker=SLEEPER, periodic=None)) as running:
        first = _wait_until(lambda: running.child("worker"), 10, "the worker started").proc.pid
        os.kill(first, signal.SIGKILL)
        killed_at = time.monotonic()
        second = _wait_until(lambda: (c := running.child("worker")) and c.proc.pid != first and c.proc.pid, 10,
                             "a new worker started")
        restarted_after = time.monotonic() - killed_at
    assert restarted_after < supervise.FIRST_RESTART_PAUSE + 3
    assert not _alive(second)


def test_a_worker_that_crashes_at_once_is_started_again_with_growing_pauses(tmp_path):
    starts = tmp_path / "starts"
    crash = _python(f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)")
    with Running(Supervisor(web=None, worker=crash, periodic=None)):
        time.sleep(4.5)
    # Pauses of 1, 2, 4 s: started at 0, 1 and 3 s, not 20 times in a loop
    assert 2 <= len(starts.read_text()) <= 4


def test_run_periodic_runs_every_period_and_never_twice_at_once(tmp_path):
    log = tmp_path / "periodic"
    slow = _python(f"import os, time; open({str(log)!r}, 'a').write('start\\n'); time.sleep(1.2); "
                   f"open({str(log)!r}, 'a').write('end\\n')")
    with Running(Supervisor(web=None, worker=None, periodic=slow, periodic_seconds=0.5)):
        _wait_until(lambda: log.exists() and log.read_text().count("end") >= 2, 30, "two runs ended")
    lines = log.read_text().split()
    # Each start follows the previous run's end: the runs due while one was going were skipped
    assert lines[:4] == ["start", "end", "start", "end"]
    assert all(a != b for a, b in zip(lines, lines[1:], strict=False))


def test_when_the_web_server_exits_the_worker_is_stopped_and_serve_exits_with_its_code():
    supervisor = Supervisor(web=_python("import time; time.sleep(1); raise SystemExit(4)"), worker=SLEEPER,
                            periodic=None)
    assert supervisor.run(handle_signals=False) == 4
    assert not any(c.running for c in supervisor.children)


def test_children_of_a_supervisor_killed_with_sigkill_stop_too():
    code = (f"from tisheng.core.supervise import Supervisor; "
            f"Supervisor(web=None, worker={SLEEPER!r}, periodic=None).run()")
    parent = subprocess.Popen(_python(code), cwd=ROOT)
    try:
        worker = _wait_until(lambda: next(iter(_descendants(parent.pid)), None), 20, "the worker started")
        parent.kill()
        parent.wait()
        _wait_until(lambda: not _alive(worker), 10, "the worker stopped with its supervisor")
    finally:
        if parent.poll() is None:
            parent.kill()


def test_serve_supervises_by_default_and_execs_the_server_alone_with_no_worker(settings, monkeypatch):
    from tisheng.core.management.commands import serve

    settings.DEVELOPMENT_KEYS = []
    made, execs = [], []
    monkeypatch.setattr(serve.Supervisor, "run", lambda self: made.append(self) or 0)
    monkeypatch.setattr(os, "execv", lambda *a: execs.append(a))

    call_command("serve", "--periodic-seconds", "30")
    call_command("serve", "--no-worker")

    assert [s.worker[-1] for s in made] == ["run-jobs"]
    assert (made[0].periodic[-1], made[0].periodic_seconds) == ("run-periodic", 30)
    assert len(execs) == 1
    assert "granian" in execs[0][1]


# --- the real `tisheng serve` ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """`served(*flags)`: `tisheng serve` on a database of its own with a small county (the
    contention harness), answering /healthz; returns (process, environment). Stopped after."""
    env, drop = _database_of_its_own(tmp_path)
    # run-periodic every 5 s, not every 1: each run starts Django (over a second of CPU), so at 1 s
    # they ran back to back and kept a core busy for the whole test
    env.update(TISHENG_ALLOW_DEV_KEYS="1", TISHENG_PERIODIC_SECONDS="5", DJANGO_SETTINGS_MODULE="tisheng.settings")
    subprocess.run([sys.executable, CONTENTION, "setup", "20"], env=env, check=True, capture_output=True,
                   timeout=300)
    started = []

    def serve(*flags: str):
        port = _free_port()
        log = (tmp_path / "serve.log").open("ab")
        proc = subprocess.Popen([TISHENG, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
                                 "--no-access-log", *flags], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        started.append(proc)

        def answers():
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200  # noqa: S310
            except OSError:
                return False

        _wait_until(answers, 90, "serve answered /healthz")
        return proc, env

    yield serve
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    drop()


def _worker_pid(serve_pid: int) -> int | None:
    return next((pid for pid, args in _descendants(serve_pid).items() if "run-jobs" in args), None)


def test_serve_runs_a_worker_that_does_queued_jobs_comes_back_after_a_kill_and_stops_with_serve(served):
    # Given `tisheng serve` with its defaults
    proc, env = served()
    worker = _wait_until(lambda: _worker_pid(proc.pid), 30, "a job worker runs under serve")

    # Then an export queued by the site is done without anyone running run-jobs
    pk = subprocess.run([sys.executable, CONTENTION, "export", "1"], env=env, check=True, capture_output=True,
                        text=True, timeout=120).stdout.strip()
    done = _wait_until(lambda: (s := _show(env, pk))["state"] == "done" and s, 90, "the export was done")
    assert done["result"]["rows"] == 20
    # and run-periodic runs beside it (every second here)
    _wait_until(lambda: any("run-periodic" in a for a in _descendants(proc.pid).values()), 30, "run-periodic ran")

    # When the worker is killed, a new one takes its place within seconds
    os.kill(worker, signal.SIGKILL)
    again = _wait_until(lambda: (w := _worker_pid(proc.pid)) and w != worker and w, 20, "a new worker")
    assert again != worker

    # And when serve is stopped, nothing it started is left running
    family = _descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    _wait_until(lambda: not any(_alive(pid) for pid in family), 15, "every child of serve stopped")


def test_serve_with_no_worker_runs_no_worker_and_no_periodic_tasks(served):
    proc, _env = served("--no-worker", "--periodic-seconds", "1")
    time.sleep(2)  # longer than the period run-periodic would have
    running = " ".join(_descendants(proc.pid).values())
    assert "run-jobs" not in running
    assert "run-periodic" not in running
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
