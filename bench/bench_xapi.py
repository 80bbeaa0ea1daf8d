"""The LRS through a production server (issue 5, "Numbers").

On the database DATABASE_URL names (PostgreSQL under `make bench`):

1. one institution with an HTTP Basic credential (no rate limit); gunicorn, 2 sync workers;
2. POST /xapi/statements in batches of 1, 100 and 1,000 for D seconds each, from C client
   connections (keep-alive), every statement new (Moodle/cmi5-like: account actor, verb,
   activity with a definition, context activities, registration, result): statements/s,
   p50 and p99 per batch size. Every answer must be 200;
3. in the same run, the same rows (as the LRS stores them: every column, payload included)
   COPYed into the same table in committed batches of 1,000: rows/s, and the ratio
   LRS statements/s (batches of 1,000) / raw rows/s;
4. the table filled by COPY to `--statements` rows (default 5,000,000; 50,000 agents, 10
   verbs, a year of `stored`), ANALYZE, then GET /xapi/statements?agent=…&verb=…&since=…
   for N requests over random agents, verbs and dates: p50 and p99.

Prints `xapi_post_batch=… statements_per_s=… p50_ms=… p99_ms=…` per size,
`xapi_raw_copy_rows_per_s=… ratio=…`, and `xapi_get_agent_verb_since_p99_ms=… statements=…`.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402

HOME = "https://lms.bench.example.com"
VERBS = ["http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/experienced",
         "http://adlnet.gov/expapi/verbs/attempted", "http://adlnet.gov/expapi/verbs/passed",
         "http://adlnet.gov/expapi/verbs/failed", "http://adlnet.gov/expapi/verbs/answered",
         "http://adlnet.gov/expapi/verbs/progressed", "https://w3id.org/xapi/adl/verbs/satisfied",
         "http://adlnet.gov/expapi/verbs/launched", "http://adlnet.gov/expapi/verbs/terminated"]
AGENTS = 50_000


def make_statement(i: int, rng: random.Random, *, agent: int | None = None, verb: str | None = None) -> dict:
    course = rng.randrange(200)
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {"objectType": "Agent", "name": f"教师{i % 997}",
                  "account": {"homePage": HOME, "name": f"t{agent if agent is not None else rng.randrange(AGENTS)}"}},
        "verb": {"id": verb or rng.choice(VERBS), "display": {"en-US": "did"}},
        "object": {"objectType": "Activity", "id": f"{HOME}/course/{course}/lesson/{rng.randrange(20)}",
                   "definition": {"name": {"zh-CN": f"第{course}课"},
                                  "type": "http://adlnet.gov/expapi/activities/lesson"}},
        "result": {"completion": True, "success": True, "score": {"scaled": 0.9}, "duration": "PT25M13S"},
        "context": {"registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "platform": "Moodle",
                    "contextActivities": {"parent": [{"id": f"{HOME}/course/{course}"}],
                                          "grouping": [{"id": HOME}]}},
        "timestamp": "2026-11-20T08:30:00+08:00",
    }


def prepare_institution() -> tuple[int, str]:
    """An institution and a credential without a rate limit; returns (id, Basic header)."""
    import secrets

    from tisheng.integration.auth import secret_hash
    from tisheng.integration.models import ApiCredential
    from tisheng.orgs.models import Organization, RegionLevel

    province = loadgen._region("35", "福建省", RegionLevel.PROVINCE, None)
    code = "XB" + secrets.token_hex(4)
    institution = Organization.objects.create(code=code, name=f"xAPI 基准 {code}", kind="institution",
                                              region=province, path=f"{province.path}/~{code}")
    secret = secrets.token_hex(16)
    credential = ApiCredential.objects.create(institution=institution, name="bench", secret_hash=secret_hash(secret),
                                              rate_limit=0)
    return institution.pk, "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def drive(port: int, requests: list[tuple[str, str, bytes | None]], headers: dict, *, seconds: float,
          connections: int) -> tuple[list[float], dict[int, int], int]:
    """Send the requests from `connections` keep-alive connections until they run out or time
    is up; returns (latencies in ms, statuses, requests sent)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    position = [0]
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < deadline:
            with lock:
                if position[0] >= len(requests):
                    break
                method, path, body = requests[position[0]]
                position[0] += 1
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses, position[0]


def stored_rows(institution_id: int, statements: list[dict], stored: dt.datetime, authority: dict) -> list[tuple]:
    """The statement table's rows as the LRS writes them (same columns, same payload)."""
    from tisheng.xapi import keys
    from tisheng.xapi.services import iso

    authority_key = keys.agent_key(authority)
    stamp = iso(stored)
    rows = []
    for s in statements:
        s = {**s, "stored": stamp, "authority": authority, "version": "1.0.0"}
        fields, _relations = keys.index_fields(s)
        rows.append((institution_id, s["id"], stored, fields["actor_key"], fields["object_agent_key"], authority_key,
                     fields["verb_key"], fields["verb_id"], fields["activity_key"], fields["registration"],
                     fields["object_ref"], False, False, json.dumps(s, ensure_ascii=False, separators=(",", ":"))))
    return rows


COLUMNS = ("institution_id, statement_id, stored, actor_key, object_agent_key, authority_key, verb_key, verb_id, "
           "activity_key, registration, object_ref, voiding, voided, payload")


def copy_rows(cursor, rows: list[tuple]) -> None:
    with cursor.copy(f"COPY xapi_statement ({COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=int(os.getenv("BENCH_XAPI_STATEMENTS", "5000000")))
    parser.add_argument("--seconds", type=float, default=float(os.getenv("BENCH_SECONDS", "15")))
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gets", type=int, default=2000)
    parser.add_argument("--batches", default="1,100,1000")
    args = parser.parse_args()

    # A stopped run still stops its server (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    loadgen.django_setup()
    from django.core.management import call_command
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        print("bench_xapi: needs PostgreSQL (COPY); run through scripts/pg.sh with …", file=sys.stderr)
        return 3
    call_command("migrate", verbosity=0)
    institution_id, auth = prepare_institution()
    from tisheng.integration.auth import authority_for
    from tisheng.integration.models import ApiCredential

    credential = ApiCredential.objects.get(institution_id=institution_id)
    authority = authority_for(credential.key, credential.institution.name)
    connections.close_all()
    headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    rng = random.Random(20261125)
    lines: list[str] = []
    failed = False
    workdir = Path(tempfile.mkdtemp(prefix="tisheng-xapi-"))
    port = loadgen.free_port()
    server = loadgen.start_server("sync", port, workers=args.workers, log=workdir / "server.log")
    try:
        post_rates: dict[int, float] = {}
        counter = 0
        for size in (int(x) for x in args.batches.split(",")):
            # Enough distinct statements for the whole run (every POST stores new statements).
            budget = {1: 12_000, 100: 60_000, 1000: 150_000}.get(size, 50_000)
            requests = []
            for _ in range(max(budget // size, 20)):
                batch = [make_statement(counter + k, rng) for k in range(size)]
                counter += size
                requests.append(("POST", "/xapi/statements", json.dumps(batch, ensure_ascii=False).encode()))
            warm = requests[:3]
            drive(port, warm, headers, seconds=30, connections=1)
            started = time.perf_counter()
            latencies, statuses, sent = drive(port, requests[3:], headers, seconds=args.seconds,
                                              connections=args.connections)
            elapsed = time.perf_counter() - started
            ok = statuses.get(200, 0)
            rate = ok * size / elapsed
            post_rates[size] = rate
            lines.append(f"xapi_post_batch={size} statements_per_s={rate:.0f} requests_per_s={ok / elapsed:.1f} "
                         f"p50_ms={percentile(latencies, 0.5):.1f} p99_ms={percentile(latencies, 0.99):.1f} "
                         f"requests={sent} connections={args.connections}")
            print(lines[-1], flush=True)
            if ok != sent:
                print(f"bench_xapi: batch {size}: statuses {statuses}", file=sys.stderr)
                failed = True
                return 1

        # The same kind of rows, COPYed straight into the table, in committed batches of 1,000.
        raw_batches = [stored_rows(institution_id, [make_statement(i, rng) for i in range(1000)],
                                   dt.datetime.now(dt.UTC), authority) for _ in range(30)]
        connection.ensure_connection()
        started = time.perf_counter()
        for rows in raw_batches:
            with connection.cursor() as cursor:
                copy_rows(cursor.cursor, rows)
        raw_elapsed = time.perf_counter() - started
        raw_rate = 30_000 / raw_elapsed
        ratio = post_rates.get(1000, 0) / raw_rate if raw_rate else 0
        lines.append(f"xapi_raw_copy_rows_per_s={raw_rate:.0f} raw_ms_per_1000={raw_elapsed / 30 * 1000:.1f} "
                     f"ratio_lrs_to_raw={ratio:.2f}")
        print(lines[-1], flush=True)

        # Fill to --statements with a year of history, then time the indexed query.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM xapi_statement WHERE institution_id = %s", [institution_id])
            have = cursor.fetchone()[0]
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        chunk = 50_000
        filled = 0
        while have + filled < args.statements:
            n = min(chunk, args.statements - have - filled)
            stamp = now - dt.timedelta(days=365) + dt.timedelta(seconds=365 * 86400 * (filled / args.statements))
            statements = [make_statement(filled + k, rng) for k in range(n)]
            rows = stored_rows(institution_id, statements, stamp, authority)
            # Spread `stored` over the chunk's slice of the year.
            step = dt.timedelta(seconds=365 * 86400 / args.statements)
            rows = [(r[0], r[1], stamp + step * k, *r[3:]) for k, r in enumerate(rows)]
            with connection.cursor() as cursor:
                copy_rows(cursor.cursor, rows)
            filled += n
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE xapi_statement")
            cursor.execute("SELECT count(*) FROM xapi_statement")
            total = cursor.fetchone()[0]
        print(f"bench_xapi: filled {filled} statements in {time.perf_counter() - started:.0f} s; "
              f"{total} in the table", flush=True)
        connections.close_all()

        gets = []
        for _ in range(args.gets):
            agent = {"objectType": "Agent", "account": {"homePage": HOME, "name": f"t{rng.randrange(AGENTS)}"}}
            since = now - dt.timedelta(days=rng.randrange(1, 365))
            query = urlencode({"agent": json.dumps(agent), "verb": rng.choice(VERBS),
                               "since": since.isoformat().replace("+00:00", "Z")})
            gets.append(("GET", "/xapi/statements?" + query, None))
        drive(port, gets[:20], headers, seconds=30, connections=1)
        latencies, statuses, sent = drive(port, gets, headers, seconds=120, connections=args.connections)
        lines.append(f"xapi_get_agent_verb_since_p99_ms={percentile(latencies, 0.99):.1f} "
                     f"p50_ms={percentile(latencies, 0.5):.1f} requests={sent} statements={total}")
        print(lines[-1], flush=True)
        if statuses.get(200, 0) != sent:
            print(f"bench_xapi: GET statuses {statuses}", file=sys.stderr)
            failed = True
        print(f"bench_xapi: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    finally:
        loadgen.stop_server(server)
        if failed:
            log = (workdir / "server.log").read_text(errors="replace").splitlines()
            print("\n".join(["bench_xapi: the server log ends:", *log[-40:]]), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
