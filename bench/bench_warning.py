"""Early warning at province scale (issue 7), after bench_monitoring.py (the benchmark program
enrolled for the whole province, its ledger and roll-ups in place):

1. `risk_refresh` of the whole province, county by county (a few grouped queries each), timed:
   `warning_refresh_seconds` with the rows written and the share at each level (the risk
   weighs the time left, so years before the deadline few are high);
2. the at-risk list of the province office (cities summarised) and of a county office (its
   schools), through Django's handler: median and p95 server time over 20 requests and the
   query counts.

`scripts/pg.sh with .venv/bin/python bench/bench_warning.py` on a database bench_monitoring.py
prepared (make bench runs them in order).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
os.environ.setdefault("BENCH_REPEAT", "20")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from bench_completion import PROGRAM_CODE  # noqa: E402
from bench_pages import measure  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from tisheng.accounts.models import User  # noqa: E402
from tisheng.monitoring.warning.risk import risk_refresh  # noqa: E402
from tisheng.programs.models import Program  # noqa: E402


def main() -> int:
    program = Program.objects.filter(code=PROGRAM_CODE).first()
    if program is None:
        sys.exit("bench_warning: run bench_completion.py first (it enrolls the province)")
    started = time.monotonic()
    run = risk_refresh(program)
    seconds = time.monotonic() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(User.objects.get(phone="13800000001"))  # the province office
    p_median, p_p95, p_queries = measure(client, f"/monitoring/warning/?program={program.pk}")
    client.force_login(User.objects.get(phone="13800000003"))  # 鼓楼区's office
    c_median, c_p95, c_queries = measure(client, f"/monitoring/warning/?program={program.pk}&level=high")
    share = (lambda n: f"{n / run.rows:.1%}") if run.rows else (lambda n: "-")
    print(f"warning_refresh_seconds={seconds:.1f} rows={run.rows} high={run.high} medium={run.medium} "
          f"high_share={share(run.high)} medium_share={share(run.medium)}")
    print(f"warning_province_list_median_ms={p_median:.0f} p95_ms={p_p95:.0f} queries={p_queries}")
    print(f"warning_county_list_median_ms={c_median:.0f} p95_ms={c_p95:.0f} queries={c_queries}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
