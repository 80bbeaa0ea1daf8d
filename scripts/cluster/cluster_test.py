"""`make cluster-test`: the topology of scripts/cluster/topology.py under load and under failure
(issue 20, "Proof under failure" and "Numbers").

1. Starts the topology (`up`: reuses var/cluster when it is there, `--fresh` starts anew).
2. Creates viewers (bench/loadgen.prepare_viewers: teachers logged in, each playing a lesson)
   and an institution's xAPI credential with courses in the viewers' program, straight on the
   primary.
3. Ratio: heartbeats/s through HAProxy with both app nodes, then with one (the other disabled on
   HAProxy's runtime API), driven by wrk with bench/heartbeat.lua as bench_heartbeat does.
4. Load through HAProxy from threads of this process: heartbeats (each viewer its own seq) and
   xAPI batches (nine `experienced` and one `completed` per batch; the completion credits the
   course's hours to a teacher who has not had it, so it is a ledger entry). Every answer is
   timed; every 2xx beat (token, seq) and every 200 statement id is recorded as acknowledged.
   a. kills one app node (SIGKILL, its whole process tree): the seconds until HAProxy marks it
      DOWN and the requests that failed meanwhile; then starts it again;
   b. kills the PostgreSQL primary (its Patroni and its postmaster, SIGKILL, as a lost machine):
      the seconds until Patroni promotes the synchronous standby and HAProxy routes to it, and
      the span of failed requests (first to last error); then restarts the old node, which
      rejoins as a replica (pg_rewind).
   c. restarts the object store (moto's S3-compatible server, topology.py; SIGKILL, down for
      STORE_DOWN_SECONDS, then started again with its recording replayed) while teachers upload
      certificates of declared hours (a multipart POST to /ledger/declarations/new, stored through
      the app nodes' TISHENG_S3_* storage): uploads during the outage must get the clear message
      (文件保存失败…) and write no row, uploads after it must succeed.
5. Checks on the new primary, node port direct: every acknowledged beat (its seq ≤ the
   session's last_seq), statement and completion's ledger entry is there; every acknowledged upload
   has its row, and no declaration row points at an object the store does not hold. Prints the figures
   and exits 1 when anything acknowledged is lost or failover took 30 s or more.
6. Stops everything (also on failure or Ctrl-C).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import re
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "bench"))

import topology as topo  # noqa: E402

FAILOVER_GOAL_SECONDS = 30
STORE_DOWN_SECONDS = 8
# This run's uploads only: a reused var/cluster keeps earlier runs' declarations, whose titles
# would otherwise count as this run's rows (and their objects as missing after a purge of the store).
UPLOAD_TITLE = f"集群测试上传-{secrets.token_hex(3)}"
UPLOAD_OK = "申报已提交"  # DECLARATION_SUBMITTED's Chinese
UPLOAD_CLEAR_ERROR = "文件保存失败"  # storage_files.STORAGE_UNWRITABLE's Chinese
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
                    "9c6300010000050001e226059b0000000049454e44ae426082")
RATIO_GOAL = 1.6
WRK_LINE = re.compile(r"WRK requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+) statuses=(\S*)")
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"


def say(line: str) -> None:
    print(f"cluster-test: {line}", flush=True)


# --- setting up the load ------------------------------------------------------------------------

def prepare(viewers: int, courses: int) -> dict:
    """Viewers, an xAPI credential and `courses` courses of the viewers' program with activity ids,
    made with Django straight on the primary (this process's DATABASE_URL)."""
    import loadgen

    loadgen.django_setup()
    from django.db import connections

    from tisheng.integration.auth import secret_hash
    from tisheng.integration.models import ApiCredential
    from tisheng.integration.selectors import platform_id
    from tisheng.learning.models import Course, Lesson

    made = loadgen.prepare_viewers(viewers, tag="cl")
    lesson = Lesson.objects.select_related("course").get(pk=made[0]["lesson"])
    first = lesson.course
    home = f"https://cluster-test.example.org/{first.code}"
    ids = []
    for i in range(courses):
        course = Course.objects.create(institution_id=first.institution_id, program_id=first.program_id,
                                       code=f"{first.code}-x{i}", title=f"集群测试课程{i}", hours=2,
                                       micro_abilities=["A1"], status=Course.Status.PUBLISHED,
                                       activity_id=f"{home}/course/{i}")
        ids.append(course.activity_id)
    # A few viewers also upload: teachers (a role) of a program that takes declared hours.
    from tisheng.accounts.models import RoleAssignment
    from tisheng.people.models import Teacher
    from tisheng.programs.models import Program

    uploaders = made[:6]
    for v in uploaders:
        teacher = Teacher.objects.select_related("school").get(pk=v["teacher"])
        RoleAssignment.objects.get_or_create(user_id=teacher.user_id, role="teacher", school=teacher.school)
    program = Program.objects.get(pk=first.program_id)
    Program.objects.filter(pk=program.pk).update(rules={**program.rules, "max_imported_hours": "100"})
    secret = secrets.token_hex(16)
    credential = ApiCredential.objects.create(institution_id=first.institution_id, name="cluster-test",
                                              secret_hash=secret_hash(secret), rate_limit=0)
    auth = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    from django.conf import settings

    out = {"viewers": made, "activities": ids, "auth": auth, "site": settings.SITE_URL,
           "uploaders": uploaders, "program": program.pk,
           "platform_ids": [platform_id(v["teacher"]) for v in made]}
    connections.close_all()
    return out


def start_playbacks(base: str, viewers: list[dict]) -> None:
    import loadgen

    loadgen.start_playbacks(base, viewers, threads=8)


# --- the load ---------------------------------------------------------------------------------

class Recorder:
    """Every request's time and outcome, and what was acknowledged."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[float, str, bool, int]] = []  # (time, kind, ok, status)
        self.acked_beats: dict[str, set[int]] = {}
        self.acked_statements: set[str] = set()
        self.acked_completions: set[str] = set()
        self.uploads: list[tuple[float, str, str]] = []  # (time, "ok"/"clear_error"/"failed", title)

    def add(self, kind: str, ok: bool, status: int) -> None:
        with self.lock:
            self.events.append((time.monotonic(), kind, ok, status))

    def errors_between(self, start: float, end: float) -> list[tuple[float, str, bool, int]]:
        with self.lock:
            return [e for e in self.events if start <= e[0] <= end and not e[2]]

    def count_between(self, start: float, end: float) -> Counter:
        with self.lock:
            return Counter((e[1], e[3]) for e in self.events if start <= e[0] <= end)


class Load:
    """Heartbeat and xAPI threads against HAProxy until stopped."""

    def __init__(self, port: int, data: dict, recorder: Recorder, *, beat_threads: int, xapi_threads: int,
                 upload_threads: int = 2) -> None:
        self.port, self.data, self.rec = port, data, recorder
        self.stop = threading.Event()
        self.threads = []
        viewers = data["viewers"]
        for i in range(beat_threads):
            mine = viewers[i::beat_threads]
            self.threads.append(threading.Thread(target=self._beats, args=(mine,), daemon=True))
        pairs = [(pid, act) for act in data["activities"] for pid in data["platform_ids"]]
        random.Random(20).shuffle(pairs)
        self.pairs = iter(pairs)
        self.pairs_lock = threading.Lock()
        for _ in range(xapi_threads):
            self.threads.append(threading.Thread(target=self._xapi, daemon=True))
        self.upload_numbers = iter(range(1, 10**9))
        for i in range(upload_threads):
            mine = data["uploaders"][i::upload_threads]
            self.threads.append(threading.Thread(target=self._uploads, args=(mine,), daemon=True))

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def _conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=40)

    def _send(self, conn, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes, object]:
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            return answer.status, answer.read(), conn
        except (OSError, http.client.HTTPException):
            conn.close()
            return 0, b"", self._conn()

    def _beats(self, viewers: list[dict]) -> None:
        conn = self._conn()
        import loadgen

        state = {v["session"]: [0, float(v.get("resume_at") or 0)] for v in viewers}
        while not self.stop.is_set():
            for v in viewers:
                if self.stop.is_set():
                    break
                token = v["session"]
                seq_pos = state[token]
                seq_pos[0] += 1
                a = seq_pos[1]
                b = a + 0.05
                if b > loadgen.LESSON_SECONDS:
                    a, b = 0.0, 0.05
                seq_pos[1] = b
                body = json.dumps({"session": token, "seq": seq_pos[0], "intervals": [[a, b]], "rate": 1.0,
                                   "visible": True, "position": b}).encode()
                status, _body, conn = self._send(conn, "POST", "/learn/heartbeat", body, {
                    "Content-Type": "application/json", "Cookie": v["cookie"], "X-CSRFToken": loadgen.CSRF_SECRET,
                    "Referer": f"http://127.0.0.1:{self.port}/"})
                ok = 200 <= status < 300
                self.rec.add("beat", ok, status)
                if ok:
                    with self.rec.lock:
                        self.rec.acked_beats.setdefault(token, set()).add(seq_pos[0])
                else:
                    time.sleep(0.05)

    def _uploads(self, uploaders: list[dict]) -> None:
        """Teachers declaring hours with a certificate image, one every ~0.3 s per thread; the page
        after the redirect says what happened (Django's messages)."""
        import loadgen
        import requests

        sessions = []
        for v in uploaders:
            session = requests.Session()
            for part in v["cookie"].split("; "):
                key, value = part.split("=", 1)
                session.cookies.set(key, value, domain="127.0.0.1")
            sessions.append(session)
        base = f"http://127.0.0.1:{self.port}"
        while not self.stop.is_set():
            for session in sessions:
                if self.stop.is_set():
                    break
                with self.pairs_lock:
                    title = f"{UPLOAD_TITLE}-{next(self.upload_numbers)}"
                try:
                    answer = session.post(f"{base}/ledger/declarations/new/", timeout=40, headers={
                        "X-CSRFToken": loadgen.CSRF_SECRET, "Referer": f"{base}/"}, data={
                        "program": self.data["program"], "platform": "国家智慧教育平台", "title": title, "hours": "1"},
                        files={"certificate": ("证书.png", PNG + title.encode(), "image/png")})
                    page, status = answer.text, answer.status_code
                except requests.RequestException:
                    page, status = "", 0
                outcome = ("ok" if UPLOAD_OK in page else "clear_error" if UPLOAD_CLEAR_ERROR in page else "failed")
                self.rec.add("upload", outcome == "ok", status)
                with self.rec.lock:
                    self.rec.uploads.append((time.monotonic(), outcome, title))
                time.sleep(0.3)

    def _statement(self, verb: str, actor: str, activity: str) -> dict:
        return {"id": str(uuid.uuid4()),
                "actor": {"objectType": "Agent", "account": {"homePage": self.data["site"], "name": actor}},
                "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
                "object": {"objectType": "Activity", "id": activity},
                "result": {"completion": True, "success": True},
                "timestamp": "2026-12-01T08:30:00+08:00"}

    def _xapi(self) -> None:
        conn = self._conn()
        rng = random.Random()
        headers = {"Authorization": self.data["auth"], "X-Experience-API-Version": "1.0.3",
                   "Content-Type": "application/json"}
        while not self.stop.is_set():
            with self.pairs_lock:
                pair = next(self.pairs, None)
            batch = [self._statement(EXPERIENCED, rng.choice(self.data["platform_ids"]),
                                     rng.choice(self.data["activities"])) for _ in range(9)]
            completion = None
            if pair:
                completion = self._statement(COMPLETED, *pair)
                batch.append(completion)
            status, _body, conn = self._send(conn, "POST", "/xapi/statements", json.dumps(batch).encode(), headers)
            ok = status == 200
            self.rec.add("xapi", ok, status)
            if ok:
                with self.rec.lock:
                    self.rec.acked_statements.update(s["id"] for s in batch)
                    if completion:
                        self.rec.acked_completions.add(completion["id"])
            else:
                time.sleep(0.05)


# --- the figures ------------------------------------------------------------------------------

def wrk_heartbeats(port: int, viewers: list[dict], seconds: int, workdir: Path) -> dict:
    import loadgen

    viewers_file = workdir / "viewers.tsv"
    viewers_file.write_text("".join(f"{v['cookie']}\t{v['session']}\t{int(v.get('resume_at') or 0)}\n"
                                    for v in viewers))
    env = {**os.environ, "VIEWERS": str(viewers_file), "CSRF": loadgen.CSRF_SECRET, "HB_PATH": "/learn/heartbeat",
           "LESSON_SECONDS": str(loadgen.LESSON_SECONDS), "WRK_THREADS": "2"}
    done = subprocess.run(["wrk", "-t2", "-c48", f"-d{seconds}s", "--timeout", "10s", "-s",
                           str(ROOT / "bench/heartbeat.lua"), f"http://127.0.0.1:{port}/learn/heartbeat"],
                          capture_output=True, text=True, env=env)
    m = WRK_LINE.search(done.stdout)
    if not m:
        raise RuntimeError(f"wrk failed: {done.stdout}{done.stderr}")
    requests, duration_us, _p50, p99, errors = (int(x) for x in m.groups()[:5])
    statuses = dict(tuple(int(y) for y in part.split(":")) for part in m.group(6).split(",") if part)
    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
    return {"rps": ok / (duration_us / 1e6), "p99_ms": p99 / 1000, "requests": requests, "errors": errors,
            "statuses": statuses}


# PostgreSQL counts under its node's patroni-* name; "machine" is everything, other people's work included.
COMPONENTS = ("app1", "app2", "patroni-pg1", "patroni-pg2", "pgbouncer", "haproxy", "etcd")


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by each component's process tree (PostgreSQL is under its Patroni),
    and by everything on the machine ("machine", from /proc/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for name in COMPONENTS:
        roots = [topo.pid_of(name)]
        if name.startswith("patroni-"):  # PostgreSQL leaves Patroni's process tree
            roots.append(topo.postmaster_pid(name.removeprefix("patroni-")))
        total = 0
        for p in [q for root in roots if root for q in (root, *topo.descendants(root))]:
            try:
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(") ", 1)[1].split()
            except (OSError, IndexError):
                continue
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        used[name] = total / tick
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["wrk"] = children.ru_utime + children.ru_stime
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    used["machine"] = (sum(int(x) for x in cpu) - int(cpu[3]) - int(cpu[4])) / tick  # all but idle and iowait
    return used


def cpu_share(before: dict[str, float], after: dict[str, float], seconds: float) -> str:
    cores = os.cpu_count() or 1
    parts = [f"{name} {(after[name] - before[name]) / seconds:.2f}" for name in (*COMPONENTS, "wrk", "machine")]
    return f"cores busy (of {cores}): " + ", ".join(parts)


def ratio(data: dict, seconds: int, workdir: Path) -> tuple[dict, dict]:
    base = f"http://127.0.0.1:{topo.PORTS['web']}"
    viewers = [dict(v) for v in data["viewers"]]
    start_playbacks(base, viewers)
    before, started = cpu_seconds(), time.monotonic()
    both = wrk_heartbeats(topo.PORTS["web"], viewers, seconds, workdir)
    say("two app nodes: " + cpu_share(before, cpu_seconds(), time.monotonic() - started))
    topo.haproxy_command("disable server app/app2")
    try:
        start_playbacks(base, viewers)  # new playback tokens: seq starts again from 1
        before, started = cpu_seconds(), time.monotonic()
        one = wrk_heartbeats(topo.PORTS["web"], viewers, seconds, workdir)
        say("one app node: " + cpu_share(before, cpu_seconds(), time.monotonic() - started))
    finally:
        topo.haproxy_command("enable server app/app2")
    topo.wait_for("app2 back in HAProxy", lambda: topo.server_states("app").get("app2") == "UP", seconds=30)
    return both, one


def wait_until(predicate, seconds: float, step: float = 0.1) -> float | None:
    """Seconds until predicate() is true, or None after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(step)
    return None


def kill_app(rec: Recorder) -> dict:
    victim = "app2"
    pid = topo.pid_of(victim)
    killed = time.monotonic()
    topo.kill_tree(pid)
    dropped = wait_until(lambda: topo.server_states("app").get(victim) == "DOWN", 30)
    time.sleep(3)
    errors = rec.errors_between(killed, time.monotonic())
    topo.pidfile(victim).unlink(missing_ok=True)
    topo._reap()
    restarted = time.monotonic()
    topo.start_app(victim)
    back = wait_until(lambda: topo.server_states("app").get(victim) == "UP", 30)
    return {"node": victim, "dropped_after_s": dropped, "failed_requests": len(errors),
            "failed_statuses": dict(Counter(e[3] for e in errors)),
            "back_after_s": (time.monotonic() - restarted) if back is not None else None}


def kill_primary(rec: Recorder) -> dict:
    old = topo.leader()
    killed = time.monotonic()
    topo.kill_node(old)
    other = next(n for n in topo.NODES if n != old)
    promoted = wait_until(lambda: (topo.leader() or old) != old, 90, step=0.2)
    routed = wait_until(lambda: topo.server_states("pg_rw").get(other) == "UP", 60, step=0.2)
    routed = None if routed is None else time.monotonic() - killed
    # Then until requests have gone through for 5 s without an error (or 90 s after the kill).
    deadline = killed + 90
    while time.monotonic() < deadline:
        now = time.monotonic()
        recent = rec.count_between(now - 5, now)
        if now - killed > 10 and recent and all(status and 200 <= status < 300 for (_k, status) in recent):
            break
        time.sleep(0.5)
    errors = rec.errors_between(killed, time.monotonic())
    span = (errors[-1][0] - errors[0][0]) if errors else 0.0
    new = topo.leader()
    # The old node comes back as a replica of the new primary (pg_rewind if it must).
    topo.stop_postgres(old)
    topo.pidfile(f"patroni-{old}").unlink(missing_ok=True)
    restarted = time.monotonic()
    topo.start_patroni(old)
    rejoined = wait_until(lambda: any(m["name"] == old and m.get("state") in ("streaming", "running")
                                      and m.get("role") != "leader" for m in topo.members()), 120, step=0.5)
    return {"old_primary": old, "new_primary": new, "promoted_after_s": promoted, "routed_after_s": routed,
            "error_seconds": span, "failed_requests": len(errors),
            "failed_statuses": dict(Counter(e[3] for e in errors)),
            "first_error_after_s": (errors[0][0] - killed) if errors else None,
            "old_rejoined_after_s": (time.monotonic() - restarted) if rejoined is not None else None}


def restart_store(rec: Recorder) -> dict:
    """SIGKILL the object store, leave it down STORE_DOWN_SECONDS, start it again (its recording
    replayed), then wait for an upload to go through."""
    killed = time.monotonic()
    topo.kill_tree(topo.pid_of("s3"))
    time.sleep(STORE_DOWN_SECONDS)
    topo.pidfile("s3").unlink(missing_ok=True)
    topo._reap()
    restarting = time.monotonic()
    back = topo.start_s3()  # taking connections again; the replay of its recording follows
    replayed = time.monotonic()

    def uploaded_since_back() -> bool:
        with rec.lock:
            return any(t >= back and outcome == "ok" for t, outcome, _title in rec.uploads)

    first_ok = wait_until(uploaded_since_back, 60, step=0.2)
    time.sleep(3)
    with rec.lock:
        during = Counter(outcome for t, outcome, _title in rec.uploads if killed <= t < back)
        after = Counter(outcome for t, outcome, _title in rec.uploads if t >= back)
    return {"down_s": round(back - killed, 1), "replay_s": round(replayed - back, 1),
            "restart_s": round(back - restarting, 1),
            "uploads_during": dict(during), "uploads_after": dict(after),
            "first_upload_ok_after_s": None if first_ok is None else round(first_ok, 1)}


def verify_uploads(rec: Recorder) -> dict:
    """Every acknowledged upload has its row, and every row's object is in the store."""
    import psycopg

    with psycopg.connect(topo.pg_dsn(topo.leader(), user="tisheng")) as conn:
        rows = dict(conn.execute("SELECT title, certificate_file FROM ledger_importedhoursdeclaration "
                                 "WHERE title LIKE %s", [f"{UPLOAD_TITLE}-%"]).fetchall())
    with rec.lock:
        acked = {title for _t, outcome, title in rec.uploads if outcome == "ok"}
        refused = {title for _t, outcome, title in rec.uploads if outcome == "clear_error"}
    missing = [name for name in rows.values() if not topo.s3_has(name)]
    return {"acked_uploads": len(acked), "rows": len(rows), "lost_uploads": len(acked - set(rows)),
            "rows_of_refused_uploads": len(refused & set(rows)), "rows_without_object": len(missing)}


def verify(rec: Recorder) -> dict:
    """What of the acknowledged is on the current primary (node port, not through the proxies)."""
    import psycopg

    node = topo.leader()
    dsn = topo.pg_dsn(node, user="tisheng")
    tokens = list(rec.acked_beats)
    with psycopg.connect(dsn) as conn:
        last = dict(conn.execute("SELECT token, last_seq FROM playback_playbacksession WHERE token = ANY(%s)",
                                 [tokens]).fetchall())
        statements = {str(r[0]) for r in conn.execute(
            "SELECT statement_id FROM xapi_statement WHERE statement_id = ANY(%s::uuid[])",
            [list(rec.acked_statements)]).fetchall()}
        entries = {r[0] for r in conn.execute(
            "SELECT source_id FROM ledger_ledgerentry WHERE source_kind = 'xapi' AND source_id = ANY(%s)",
            [list(rec.acked_completions)]).fetchall()}
        outcomes = dict(conn.execute(
            "SELECT statement_id, reason FROM integration_statementoutcome WHERE statement_id = ANY(%s)",
            [list(rec.acked_completions)]).fetchall())
    beats = sum(len(seqs) for seqs in rec.acked_beats.values())
    lost_beats = sum(1 for token, seqs in rec.acked_beats.items() for seq in seqs if seq > last.get(token, 0))
    refused = Counter(reason for reason in outcomes.values() if reason)
    return {"node": node, "acked_beats": beats, "lost_beats": lost_beats,
            "acked_statements": len(rec.acked_statements),
            "lost_statements": len(rec.acked_statements - statements),
            "acked_completions": len(rec.acked_completions),
            "ledger_entries_found": len(entries & rec.acked_completions),
            "lost_ledger_entries": len({s for s in rec.acked_completions if not outcomes.get(s)} - entries),
            "completions_refused_by_rule": dict(refused)}


def heartbeat_batches() -> str:
    """Mean heartbeats per group commit on each app node, from its /metrics (when it has one)."""
    parts = []
    for app in topo.APPS:
        status, body = topo.http_get(f"http://127.0.0.1:{topo.PORTS[app]}/metrics", timeout=5)
        figures = {}
        for line in body.decode(errors="replace").splitlines() if status == 200 else []:
            for name in ("tisheng_heartbeat_batch_size_sum", "tisheng_heartbeat_batch_size_count"):
                if line.startswith(name):
                    figures[name] = figures.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
        count = figures.get("tisheng_heartbeat_batch_size_count")
        parts.append(f"{app} {figures['tisheng_heartbeat_batch_size_sum'] / count:.1f} beats per commit "
                     f"({count:.0f} commits)" if count else f"{app} no figures (/metrics answered {status})")
    return ", ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true", help="initdb and seed anew (var/cluster removed first)")
    parser.add_argument("--keep", action="store_true", help="leave the topology running afterwards")
    parser.add_argument("--viewers", type=int, default=300)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--ratio-seconds", type=int, default=10)
    parser.add_argument("--beat-threads", type=int, default=8)
    parser.add_argument("--xapi-threads", type=int, default=2)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = topo.VAR / "test"
    failed = False
    try:
        topo.up(fresh=args.fresh)
        workdir.mkdir(exist_ok=True)
        os.environ.update({**topo.app_env("test"), "DATABASE_URL": topo.direct_database_url()})
        started = time.monotonic()
        data = prepare(args.viewers, args.courses)
        say(f"{len(data['viewers'])} viewers, {len(data['activities'])} courses ({time.monotonic() - started:.0f} s)")

        both, one = ratio(data, args.ratio_seconds, workdir)
        r = both["rps"] / one["rps"] if one["rps"] else 0
        say(f"heartbeats through HAProxy: two app nodes {both['rps']:.0f}/s (p99 {both['p99_ms']:.0f} ms), "
            f"one node {one['rps']:.0f}/s (p99 {one['p99_ms']:.0f} ms): ratio {r:.2f} "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")

        start_playbacks(f"http://127.0.0.1:{topo.PORTS['web']}", data["viewers"])
        rec = Recorder()
        load = Load(topo.PORTS["web"], data, rec, beat_threads=args.beat_threads, xapi_threads=args.xapi_threads)
        load.start()
        try:
            time.sleep(5)
            say(f"load running: {dict(rec.count_between(0, time.monotonic()))}")
            app = kill_app(rec)
            say(f"app node killed: {app}")
            time.sleep(3)
            db = kill_primary(rec)
            say(f"PostgreSQL primary killed: {db}")
            time.sleep(3)
            store = restart_store(rec)
            say(f"object store restarted: {store}")
        finally:
            load.finish()
        say(f"heartbeat group commit through PgBouncer: {heartbeat_batches()}")
        checked = verify(rec)
        files = verify_uploads(rec)
        say(f"uploads against the object store: {files}")
        totals = Counter((e[1], "ok" if e[2] else "failed") for e in rec.events)
        say(f"requests: {dict(totals)}")
        say(f"on the new primary {checked['node']}: {checked}")
        lost = checked["lost_beats"] + checked["lost_statements"] + checked["lost_ledger_entries"]
        print(f"cluster_app_node_dropped_s={app['dropped_after_s']:.1f} "
              f"cluster_failover_error_s={db['error_seconds']:.1f} "
              f"cluster_failover_failed_requests={db['failed_requests']} "
              f"cluster_promoted_s={db['promoted_after_s'] or -1:.1f} "
              f"cluster_acked_lost={lost} cluster_acked_beats={checked['acked_beats']} "
              f"cluster_acked_statements={checked['acked_statements']} "
              f"cluster_acked_ledger_entries={checked['ledger_entries_found']} "
              f"cluster_heartbeat_ratio_two_to_one={r:.2f} "
              f"cluster_store_down_s={store['down_s']:.1f} "
              f"cluster_store_outage_clear_errors={store['uploads_during'].get('clear_error', 0)} "
              f"cluster_store_outage_other_failures={store['uploads_during'].get('failed', 0)} "
              f"cluster_store_uploads_after={store['uploads_after'].get('ok', 0)} "
              f"cluster_store_rows_without_object={files['rows_without_object']} "
              f"cluster_store_lost_uploads={files['lost_uploads']}", flush=True)
        if lost or db["error_seconds"] >= FAILOVER_GOAL_SECONDS or db["promoted_after_s"] is None:
            failed = True
            say("FAILED: acknowledged writes lost or failover too slow")
        if (files["rows_without_object"] or files["lost_uploads"] or files["rows_of_refused_uploads"]
                or store["first_upload_ok_after_s"] is None or store["uploads_during"].get("failed", 0)):
            failed = True
            say("FAILED: uploads around the object store's restart (see the figures above)")
        if app["dropped_after_s"] is None:
            failed = True
            say("FAILED: HAProxy did not drop the killed app node")
    finally:
        if not args.keep:
            topo.down(purge=False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
