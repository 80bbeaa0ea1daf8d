"""`make bench`: the issue's numbers, in one run on the database DATABASE_URL names.

1. seed the province (≈12,000 schools, ≈450,000 teachers) on a fresh database, timed;
2. the teacher list and org tree pages at that scale: server time and query counts;
3. a 100,000-row roster import into the loaded province, against openpyxl's read-only
   parse of the same file (the ratio is what the issue asks for: these machines are noisy,
   so both are timed in the same run);
4. completion re-evaluation of the province's 450,000 enrollments (10 ledger entries each).

Monitoring (bench_monitoring.py): a day of activity (50,000 ledger entries), the roll-up
refresh and consistency check, and the province and a county dashboard (p95 of 20 requests).
Early warning (bench_warning.py): the province's risk refresh and the at-risk lists (p95 of 20).
Home pages (bench_home.py): every demo role's 待办 at province scale, p95 of 20 against 150 ms.
Exports (bench_export.py): 10,000 teachers' progress to .xlsx, end to end, < 10 s.
The review chain (bench_review.py): the city's queue page and a 5,000-teacher approval.
The school assessment queue (bench_practice_queue.py): 300 teachers × 3 points, < 300 ms.
Heartbeats (bench_heartbeat.py): 1,000 viewers against gunicorn, driven by wrk, beside the
trivial endpoint's requests/s on the same server.
Integration (bench_integration.py): the roster API at province scale and the xAPI-to-hours
mapping of a 1,000-statement batch.
Similarity (bench_similarity.py): 200,000 evidence texts indexed, lookup p99 against 50 ms;
(bench_similarity_quality.py) the copied share detected against sentences rewritten, and
false positives on unrelated texts of the same topic.
The store sweep (bench_store_sweep.py): 200,000 stored files that 200,000 rows name and 1,000
orphans, swept on local files: time, CPU and peak RSS, beside the sweep before it streamed.
Login (bench_login.py): logins/s per core through the login view with PBKDF2 at Django's
default cost and with the Argon2id in use (OWASP's parameters).

Each step runs in its own process; the figures (`name=value` lines) are repeated at the end.
`BENCH_STEPS=seed,completion,monitoring make bench` runs only the named steps (later steps need
the data earlier ones leave: most need `seed`; monitoring, warning and export need `completion`).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python")
STEPS = [
    ("seed", [PYTHON, "bench/bench_seed.py", "--scale", os.getenv("BENCH_SCALE", "province")]),
    ("pages", [PYTHON, "bench/bench_pages.py"]),
    ("import", [PYTHON, "bench/bench_import.py"]),
    ("certificates", [PYTHON, "bench/bench_certificates.py"]),
    ("completion", [PYTHON, "bench/bench_completion.py"]),
    ("monitoring", [PYTHON, "bench/bench_monitoring.py"]),
    ("warning", [PYTHON, "bench/bench_warning.py"]),
    ("home", [PYTHON, "bench/bench_home.py"]),
    ("home_risk_counts", [PYTHON, "bench/bench_home_risk_counts.py"]),
    ("export", [PYTHON, "bench/bench_export.py"]),
    ("review", [PYTHON, "bench/bench_review.py"]),
    ("practice_queue", [PYTHON, "bench/bench_practice_queue.py"]),
    ("heartbeat", [PYTHON, "bench/bench_heartbeat.py"]),
    ("xapi", [PYTHON, "bench/bench_xapi.py"]),
    ("integration", [PYTHON, "bench/bench_integration.py"]),
    ("similarity", [PYTHON, "bench/bench_similarity.py", "--texts", os.getenv("BENCH_SIMILARITY_TEXTS", "200000")]),
    ("similarity_quality", [PYTHON, "bench/bench_similarity_quality.py"]),
    ("login", [PYTHON, "bench/bench_login.py"]),
    ("supervision", [PYTHON, "bench/bench_supervision.py"]),
    ("federation", [PYTHON, "bench/bench_federation.py"]),
    ("registry", [PYTHON, "bench/bench_registry.py"]),
    ("title_review", [PYTHON, "bench/bench_title_review.py"]),
    ("xlsx_writer", [PYTHON, "bench/bench_xlsx_writer.py"]),
    ("communities", [PYTHON, "bench/bench_communities.py"]),
    ("communities_replies", [PYTHON, "bench/bench_communities_replies.py"]),
    ("credentials", [PYTHON, "bench/bench_credentials.py"]),
    ("resources", [PYTHON, "bench/bench_resources.py"]),
    ("funding", [PYTHON, "bench/bench_funding.py"]),
    ("institution_evaluation", [PYTHON, "bench/bench_institution_evaluation.py"]),
    ("institution_exit", [PYTHON, "bench/bench_institution_exit.py"]),
    ("store_sweep", [PYTHON, "bench/bench_store_sweep.py", "--compare"]),
]


def main() -> int:
    if "DATABASE_URL" not in os.environ:
        print("bench: DATABASE_URL is not set; run through `make bench` (scripts/pg.sh with …)", file=sys.stderr)
    figures: list[str] = []
    # BENCH_STEPS=seed,heartbeat runs only those steps (in the order above); default: all.
    wanted = {step for step in os.getenv("BENCH_STEPS", "").split(",") if step}
    unknown = wanted - {name for name, _cmd in STEPS}
    if unknown:
        print(f"bench: unknown steps {sorted(unknown)}", file=sys.stderr)
        return 2
    for name, cmd in STEPS:
        if wanted and name not in wanted:
            continue
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        started = time.monotonic()
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        sys.stdout.write(done.stdout)
        figures += [line for line in done.stdout.splitlines() if "=" in line and not line.startswith("bench_")]
        print(f"== {name}: {time.monotonic() - started:.0f} s, exit {done.returncode}", flush=True)
        if done.returncode:
            return done.returncode
    print("\n== figures")
    print("\n".join(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
