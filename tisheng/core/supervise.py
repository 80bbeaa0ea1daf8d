"""`tisheng serve`'s supervisor: the web server, the job worker and the periodic tasks as child
processes of one command, so the background work runs wherever the site runs.

- web: the server (granian or gunicorn). When it exits, the supervisor stops the others and
  exits with its code: the site is down, and whoever started serve (systemd, a terminal) sees it.
- worker: `tisheng run-jobs`. When it exits (a crash, `kill -9`, the OOM killer) it is started
  again after a pause of 1, 2, 4 … 60 s, so a worker that crashes at once does not spin; the pause
  is back to 1 s once a worker has run for a minute.
- periodic: `tisheng run-periodic` every `periodic_seconds` (60, TISHENG_PERIODIC_SECONDS), as
  cron would; never two at once (a run still going when the next is due is left to finish).

SIGTERM or SIGINT (Ctrl-C) stops everything: each child gets SIGTERM, then SIGKILL after
STOP_GRACE_SECONDS. Each child has a process group of its own (Ctrl-C in a terminal reaches
the supervisor only, which stops the children in order), and on Linux the kernel sends it SIGTERM
if the supervisor itself dies (PR_SET_PDEATHSIG), so not even a `kill -9` of serve leaves one
running. `tisheng serve --no-worker` runs none of this: the server replaces the command, for
machines where the worker and the periodic tasks run as services of their own (deploy/systemd/).
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0
FIRST_RESTART_PAUSE = 1.0
MAX_RESTART_PAUSE = 60.0
# A worker that ran this long was healthy: its next restart starts again from the first pause.
HEALTHY_AFTER_SECONDS = 60.0
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1


def tisheng_command(*args: str) -> list[str]:
    """A `tisheng` subcommand run by the same Python as this process."""
    return [sys.executable, "-m", "tisheng.cli", *args]


try:  # loaded here, not between fork and exec
    _prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _prctl = None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    """Ask the kernel to send this child SIGTERM when its parent dies (Linux only)."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    quiet: bool = False  # stdout to /dev/null (run-periodic's one-line report every minute)
    proc: subprocess.Popen | None = None
    started_at: float = 0.0

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL if self.quiet else None,
                                     process_group=0, preexec_fn=_die_with_parent)
        self.started_at = time.monotonic()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Supervisor:
    web: Sequence[str] | None
    worker: Sequence[str] | None
    periodic: Sequence[str] | None
    periodic_seconds: float = 60.0
    stop_grace: float = STOP_GRACE_SECONDS
    sleep: Callable[[float], None] = time.sleep
    stopping: threading.Event = field(default_factory=threading.Event)
    children: list[Child] = field(default_factory=list)

    def stop(self, *_signal_args: object) -> None:
        """Ask the loop to stop (a signal handler, or a test from another thread)."""
        self.stopping.set()

    def run(self, *, handle_signals: bool = True) -> int:
        """Run until the web server exits or a stop is asked; returns the exit code for serve."""
        if handle_signals:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        web = self._start(Child("web", list(self.web))) if self.web else None
        worker = self._start(Child("worker", list(self.worker))) if self.worker else None
        periodic = Child("periodic", list(self.periodic), quiet=True) if self.periodic else None
        next_periodic = time.monotonic() + self.periodic_seconds
        pause, restart_at = FIRST_RESTART_PAUSE, None
        code = 0
        try:
            while not self.stopping.wait(POLL_SECONDS):
                now = time.monotonic()
                if web is not None and not web.running:
                    code = web.proc.returncode
                    logger.error("the web server exited with %s; stopping the worker and the periodic tasks", code)
                    code = code if code > 0 else 1
                    break
                if worker is not None and not worker.running:
                    if restart_at is None:
                        ran = now - worker.started_at
                        if ran >= HEALTHY_AFTER_SECONDS:
                            pause = FIRST_RESTART_PAUSE
                        logger.warning("the job worker (pid %s) exited with %s after %.0f s; starting it again in "
                                       "%.0f s", worker.proc.pid, worker.proc.returncode, ran, pause)
                        restart_at = now + pause
                        pause = min(pause * 2, MAX_RESTART_PAUSE)
                    elif now >= restart_at:
                        restart_at = None
                        self._start(worker)
                if periodic is not None and now >= next_periodic:
                    next_periodic = now + self.periodic_seconds
                    if periodic.running:
                        logger.warning("run-periodic (pid %s) is still running; this run is skipped",
                                       periodic.proc.pid)
                    else:
                        self._start(periodic)
        finally:
            self._stop_all()
        return code

    def _start(self, child: Child) -> Child:
        child.start()
        if child not in self.children:
            self.children.append(child)
        logger.info("started %s (pid %s)", child.name, child.proc.pid)
        return child

    def _stop_all(self) -> None:
        """SIGTERM to every running child, SIGKILL to those still running after the grace."""
        running = [c for c in self.children if c.running]
        for child in running:
            child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_grace
        for child in running:
            try:
                child.proc.wait(max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                logger.warning("%s (pid %s) did not stop within %.0f s; killed", child.name, child.proc.pid,
                               self.stop_grace)
                child.proc.kill()
                child.proc.wait()
