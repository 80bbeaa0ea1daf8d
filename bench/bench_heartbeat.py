"""Heartbeat ingestion through the real HTTP stack (issue 4, "Numbers").

On the database DATABASE_URL names (PostgreSQL under `make bench`): creates N viewers (default
1,000; see loadgen.prepare_viewers: each its own teacher, login session and playback started
through the real `POST /learn/lessons/<id>/start`), serves the app with 2 workers of each
server in `--servers` (default granian (WSGI) and gunicorn sync; also gthread), and drives it
from this machine with wrk:

1. the trivial endpoint /healthz (touches no database) for D seconds: the ceiling;
2. `POST /learn/heartbeat` for D seconds, wrk's Lua (bench/heartbeat.lua) rotating through the
   viewers' cookies and tokens with seq and intervals moving forward.

Prints, per server, `heartbeat_rps=… heartbeat_p99_ms=… trivial_rps=… ratio=… server=… viewers=…`
(the issue's goal: heartbeats/s ≥ 50 % of the trivial endpoint's and ≥ 1,500 absolute). Only
2xx heartbeats count as heartbeats; anything else is reported and fails the run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402

BENCH = Path(__file__).resolve().parent
WRK_LINE = re.compile(r"WRK requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+) statuses=(\S*)")


def wrk(url: str, script: Path, *, seconds: int, connections: int, threads: int, env: dict) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env, "WRK_THREADS": str(threads)})
    m = WRK_LINE.search(done.stdout)
    if not m:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    requests, duration_us, p50, p99, errors = (int(x) for x in m.groups()[:5])
    statuses = dict(tuple(int(y) for y in part.split(":")) for part in m.group(6).split(",") if part)
    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
    return {"requests": requests, "ok": ok, "rps": ok / (duration_us / 1e6), "p50_ms": p50 / 1000,
            "p99_ms": p99 / 1000, "errors": errors, "statuses": statuses}


def server_name(kind: str) -> str:
    return kind if kind in ("granian", "runserver") else f"gunicorn-{kind}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=int(os.getenv("BENCH_VIEWERS", "1000")))
    parser.add_argument("--seconds", type=int, default=int(os.getenv("BENCH_SECONDS", "15")))
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--servers", default=os.getenv("BENCH_SERVERS", "granian,sync"))
    # granian's request threads per worker: 16 is `tisheng serve`'s default; 8 shows what the
    # beats' group commit gains from bigger batches.
    parser.add_argument("--server-threads", default=os.getenv("BENCH_SERVER_THREADS", "16,8"))
    parser.add_argument("--heartbeat-path", default="/learn/heartbeat")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench_heartbeat: wrk not found (make system-deps installs it)", file=sys.stderr)
        return 3

    loadgen.django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    viewers = loadgen.prepare_viewers(args.viewers)
    print(f"bench_heartbeat: {len(viewers)} viewers created in {time.perf_counter() - started:.1f} s", flush=True)
    from django.db import connections

    connections.close_all()

    lines, failed = [], False
    workdir = Path(tempfile.mkdtemp(prefix="tisheng-hb-"))
    try:
        configs = [(kind, int(n)) for kind in args.servers.split(",")
                   for n in (args.server_threads.split(",") if kind == "granian" else ["1"])]
        for kind, server_threads in configs:
            name = f"{server_name(kind)}x{args.workers}" + (f"x{server_threads}threads" if kind == "granian" else "")
            port = loadgen.free_port()
            base = f"http://127.0.0.1:{port}"
            # Durable on commit, as production runs (scripts/pg.sh's cluster is not): an answered
            # beat has reached the WAL, which is what the durability test relies on.
            server = loadgen.start_server(kind, port, workers=args.workers, threads=server_threads,
                                          env={"PGOPTIONS": "-c synchronous_commit=on"},
                                          log=workdir / f"{kind}.log")
            try:
                started = time.perf_counter()
                loadgen.start_playbacks(base, viewers)
                print(f"bench_heartbeat: {name}: {len(viewers)} playbacks started in "
                      f"{time.perf_counter() - started:.1f} s", flush=True)
                viewers_file = workdir / "viewers.tsv"
                viewers_file.write_text("".join(
                    f"{v['cookie']}\t{v['session']}\t{int(v.get('resume_at') or 0)}\n" for v in viewers))
                common = dict(seconds=args.seconds, connections=args.connections, threads=args.threads)
                trivial = wrk(base + "/healthz", BENCH / "trivial.lua", env={}, **common)
                beat = wrk(base + args.heartbeat_path, BENCH / "heartbeat.lua", env={
                    "VIEWERS": str(viewers_file), "CSRF": loadgen.CSRF_SECRET, "HB_PATH": args.heartbeat_path,
                    "LESSON_SECONDS": str(loadgen.LESSON_SECONDS)}, **common)
            finally:
                loadgen.stop_server(server)
            ratio = beat["rps"] / trivial["rps"] if trivial["rps"] else 0
            # Other work on the machine skews both figures (the ratio less): say how busy it was.
            print(f"bench_heartbeat: {name}: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
                  flush=True)
            print(f"bench_heartbeat: {name}: trivial {trivial}", flush=True)
            print(f"bench_heartbeat: {name}: heartbeat {beat}", flush=True)
            lines.append(f"heartbeat_rps={beat['rps']:.0f} heartbeat_p99_ms={beat['p99_ms']:.1f} "
                         f"trivial_rps={trivial['rps']:.0f} ratio={ratio:.2f} server={name} "
                         f"viewers={len(viewers)}")
            print(lines[-1], flush=True)
            if beat["ok"] != beat["requests"] or beat["errors"]:
                print(f"bench_heartbeat: {name}: {beat['requests'] - beat['ok']} heartbeats not answered 2xx, "
                      f"{beat['errors']} socket errors: {beat['statuses']}", file=sys.stderr)
                log = (workdir / f"{kind}.log").read_text(errors="replace").splitlines()
                print("\n".join(["bench_heartbeat: the server log ends:", *log[-40:]]), file=sys.stderr)
                failed = True
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
