"""No heartbeat that was answered 2xx is lost if the database restarts right after (issue 4).

A real server (gunicorn with 2 sync workers, and granian with 2 workers of 16 threads, whose
beats are committed in batches) on a PostgreSQL cluster of its own, a few dozen
viewers beating through a thread pool, and PostgreSQL killed and restarted in the middle of
the run (`pg_ctl restart -m immediate`: no shutdown checkpoint, crash recovery from the WAL —
harsher than `-m fast`). Beats during the outage fail; that is fine. Afterwards, for every
viewer, the database must hold at least what the 2xx answers reported, and never more than
the wall clock allows.

The cluster is private to this test (`core.tests.restartable_pg`: initdb in a temporary
directory, synchronous_commit=on as production runs it), so restarting it cannot break tests running at
the same time on scripts/pg.sh's cluster. It needs that script's environment to find the
PostgreSQL binaries, so it runs only under `scripts/pg.sh with …`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402

from tisheng.core.tests import restartable_pg  # noqa: E402

pytestmark = pytest.mark.skipif(
    not os.getenv("TISHENG_PG_DIR"), reason="restarts PostgreSQL: runs only under `scripts/pg.sh with …`")

VIEWERS = 30
BEAT_EVERY = 0.3  # seconds; a real player beats every 20 s, this compresses a lesson into a test
CLAIM = 0.2  # seconds of the lesson each beat says it played
RUN_SECONDS = 9.0
RESTART_AT = 3.0


@pytest.fixture
def cluster():
    with restartable_pg.cluster(migrated=True) as c:
        yield c


def _loadgen(cluster: restartable_pg.Cluster, *args: str, stdin: str = "") -> object:
    done = subprocess.run([loadgen.PYTHON, str(ROOT / "bench/loadgen.py"), *args], input=stdin, cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": cluster.url}, capture_output=True, text=True,
                          # Only a guard against a hang.
                          timeout=600, check=True)
    return json.loads(done.stdout)


class Viewer:
    """Beats every BEAT_EVERY seconds, each claiming the next CLAIM seconds of the lesson: less
    than the wall clock allows, so an accepted beat earns exactly CLAIM, which the answers
    report exactly (they round to 0.1 s): the sums below compare without slack."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.seq = 0
        self.reported = 0.0  # the sum of credited_seconds of the 2xx answers
        self.lesson_seconds = 0.0  # the last union length a 2xx answer reported
        self.answered = []  # (seconds since the start, status)

    def play(self, base: str, started: float, until: float) -> None:
        while time.time() < until:
            time.sleep(BEAT_EVERY)
            self.seq += 1
            a, b = round((self.seq - 1) * CLAIM, 1), round(self.seq * CLAIM, 1)
            status, body = loadgen.post_json(base, "/learn/heartbeat", self.spec["cookie"], {
                "session": self.spec["session"], "seq": self.seq, "intervals": [[a, b]], "rate": 1.0,
                "visible": True, "position": b}, timeout=5)
            self.answered.append((time.time() - started, status))
            if 200 <= status < 300:
                self.reported += body["credited_seconds"]
                self.lesson_seconds = body["lesson_seconds"]

    @property
    def ok(self) -> list[float]:
        return [t for t, status in self.answered if 200 <= status < 300]


# gunicorn's sync workers record each beat alone; granian's threads hand theirs to the group
# commit (playback/fastpath.GroupCommit), which answers a batch only once it is committed.
@pytest.mark.parametrize("server_kind", ["sync", "granian"])
def test_no_answered_heartbeat_is_lost_when_postgresql_restarts_mid_run(cluster, tmp_path, server_kind):
    # Given a server on its own cluster and viewers that have each started a lesson
    specs = _loadgen(cluster, "viewers", str(VIEWERS))
    server = loadgen.start_server(server_kind, port := loadgen.free_port(), env={"DATABASE_URL": cluster.url},
                                  log=tmp_path / "server.log")
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.time()
        loadgen.start_playbacks(base, specs)
        viewers = [Viewer(s) for s in specs]

        # When they beat for a while and PostgreSQL is killed and restarted in the middle
        restarted = threading.Event()
        killed_at = []  # seconds since `started`, the clock of the viewers' answers

        def restart_later() -> None:
            time.sleep(RESTART_AT)
            killed_at.append(time.time() - started)
            cluster.restart()
            restarted.set()

        with ThreadPoolExecutor(VIEWERS + 1) as pool:
            restart = pool.submit(restart_later)
            runs = [pool.submit(v.play, base, started, started + RUN_SECONDS) for v in viewers]
            for f in [restart, *runs]:
                f.result()
        ended = time.time()
    finally:
        loadgen.stop_server(server)
    assert restarted.is_set()

    # Then the run straddled the restart: answered beats before it and after it (on the clock
    # of the answers, which started before the playbacks did: under load starting them takes
    # a while, and RESTART_AT counts from when they beat)
    for v in viewers:
        assert min(v.ok) < killed_at[0] < max(v.ok), (killed_at, v.answered)
    # And every viewer has in the database at least what the 2xx answers reported; more only
    # by beats whose answer was lost (committed, then the connection died), and never more
    # than the wall clock since the viewer started
    held = _loadgen(cluster, "credited", stdin=" ".join(str(s["teacher"]) for s in specs))
    for v in viewers:
        db = held[str(v.spec["teacher"])]
        unanswered = len(v.answered) - len(v.ok)
        assert v.reported == pytest.approx(CLAIM * len(v.ok), abs=1e-6), v.answered
        assert db["earned"] >= v.reported - 1e-3, (v.spec["teacher"], db, v.reported)
        assert db["lesson_seconds"] >= v.lesson_seconds - 0.05, (v.spec["teacher"], db, v.lesson_seconds)
        assert db["earned"] <= v.reported + CLAIM * unanswered + 1e-3, (v.spec["teacher"], db, v.answered)
        assert db["earned"] <= ended - started, (v.spec["teacher"], db)
