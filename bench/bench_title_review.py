"""职称评聘 records of a whole county (issue 17): the largest county's active teachers, each with
the registry rows bench_registry.py gives every teacher (8 ledger rows, one reversed pair, one
verified national-platform record; filled here when that step has not run), downloaded as one
workbook through the page a county office uses (`/certificates/title/`, "every teacher of a
county", .xlsx): seconds end to end, ms per teacher, the statements it took, and the CPU seconds
of this process and of PostgreSQL beside the wall time (the machine is shared). The goal: the
whole county in under 30 s.

`BENCH_SCALE=county BENCH_STEPS=seed,title_review scripts/pg.sh with .venv/bin/python bench/run.py`
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from bench_registry import _fill, _programs  # noqa: E402
from cpu_clock import cluster_cpu, postmaster_pid  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tisheng.accounts.models import RoleAssignment, User  # noqa: E402
from tisheng.orgs.models import Region, RegionLevel  # noqa: E402
from tisheng.people.models import Teacher  # noqa: E402

LIMIT_S = 30.0


def main() -> int:
    teacher_ids = list(Teacher.objects.order_by("pk").values_list("pk", flat=True))
    print(f"bench_title_review: {len(teacher_ids)} teachers on {connection.vendor}")
    if not teacher_ids:
        print("bench_title_review: no seeded teachers; run the seed step first")
        return 1
    _fill(teacher_ids, _programs())
    county_path = (Teacher.objects.filter(status="active").values("school__county__path").annotate(n=Count("id"))
                   .order_by("-n").values_list("school__county__path", flat=True).first())
    county = Region.objects.get(path=county_path, level=RegionLevel.COUNTY)
    officer, _created = User.objects.get_or_create(phone="19900001718", defaults={"name": "基准县工程办（职称）"})
    RoleAssignment.objects.get_or_create(user=officer, role="county_office", region=county)
    client = Client()
    client.force_login(officer)
    form = {"county": str(county.pk), "format": "xlsx", "start": "2022-01-01", "end": "2026-12-01"}
    postmaster = postmaster_pid(connection)
    db_before, cpu_before, started = cluster_cpu(postmaster), time.process_time(), time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/certificates/title/", form)
    seconds = time.monotonic() - started
    cpu, db_cpu = time.process_time() - cpu_before, cluster_cpu(postmaster) - db_before
    if response.status_code != 200:
        print(f"bench_title_review: the page answered {response.status_code}")
        return 1
    teachers = Teacher.objects.filter(org_path__startswith=county.path + "/", status="active").count()
    print(f"title_county_seconds={seconds:.2f} teachers={teachers} "
          f"ms_per_teacher={seconds * 1000 / max(teachers, 1):.2f} queries={len(queries)} "
          f"python_cpu_seconds={cpu:.2f} postgres_cpu_seconds={db_cpu:.2f} xlsx_bytes={len(response.content)} "
          f"limit_s={LIMIT_S:.0f} {'OK' if seconds < LIMIT_S else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
