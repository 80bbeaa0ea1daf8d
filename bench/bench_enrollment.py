"""Time `batch_enroll` for one county batch of N active teachers (default 100,000) with the
Fujian 2015 rules (so every teacher's statutory retirement date is worked out), then
`enrollment_sync_for_schools` over all its schools (the call the roster import makes),
on DATABASE_URL. Prints `batch_enroll_seconds=… enrolled=… exempt=… sync_seconds=…`.

Run it on a throwaway database: `scripts/pg.sh with .venv/bin/python bench/bench_enrollment.py`
or, for SQLite, `DATABASE_URL=sqlite:////tmp/bench-enroll.sqlite3 .venv/bin/python bench/bench_enrollment.py`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tisheng.orgs.models import Region, RegionLevel, School, school_path  # noqa: E402
from tisheng.people.models import Teacher  # noqa: E402
from tisheng.people.services.bulk import insert_rows  # noqa: E402
from tisheng.programs.models import Enrollment, Exemption, Program  # noqa: E402
from tisheng.programs.rules import FUJIAN_2015  # noqa: E402
from tisheng.programs.services.enrollment import batch_create, batch_enroll, enrollment_sync_for_schools  # noqa: E402

COUNTY = "359902"


def world(n: int) -> tuple[Region, list[int]]:
    province, _ = Region.objects.get_or_create(code="35", defaults={"name": "福建省", "level": RegionLevel.PROVINCE,
                                                                    "path": "35"})
    city, _ = Region.objects.get_or_create(code="3599", defaults={"name": "基准市", "level": RegionLevel.CITY,
                                                                  "parent": province, "path": "35/3599"})
    county, created = Region.objects.get_or_create(code=COUNTY, defaults={
        "name": "基准县", "level": RegionLevel.COUNTY, "parent": city, "path": f"35/3599/{COUNTY}"})
    if created:
        School.objects.bulk_create([
            School(code=f"{COUNTY}{i:04d}", name=f"基准学校{i}", county=county,
                   path=school_path(county.path, f"{COUNTY}{i:04d}"), stage="primary") for i in range(300)])
    schools = list(School.objects.filter(county=county).order_by("id").values_list("id", "path"))
    have = Teacher.objects.filter(org_path__startswith=county.path + "/").count()
    now = timezone.now()
    fields = ("name", "id_hash", "id_encrypted", "id_last4", "birth_date", "sex", "phone", "school_id", "org_path",
              "stage", "subject", "created_at", "updated_at")
    with transaction.atomic():
        rows = []
        for i in range(have, n):
            school_id, path = schools[i % len(schools)]
            born = dt.date(1955 + i % 40, 1 + i % 12, 1 + i % 28)
            rows.append((f"基准教师{i}", f"enroll-bench-{i:051d}", "bench", f"{i % 10000:04d}", born,
                         "F" if i % 2 else "M", "", school_id, path, "primary", "语文", now, now))
        insert_rows(Teacher, fields, rows)
    return county, [s for s, _p in schools]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    county, school_ids = world(args.teachers)
    code = f"bench-enroll-{int(time.time())}"
    program = Program.objects.create(code=code, name="报名基准", status="active", start_date=dt.date(2015, 9, 1),
                                     end_date=dt.date(2017, 12, 31), reference_date=dt.date(2015, 9, 1),
                                     rules=FUJIAN_2015)
    batch = batch_create(actor=None, program=program, year=2015, name="基准批次", counties=[county])
    started = time.monotonic()
    enrolled = batch_enroll(actor=None, batch=batch)
    seconds = time.monotonic() - started
    exempt = Exemption.objects.filter(enrollment__program=program).count()
    started = time.monotonic()
    created = enrollment_sync_for_schools(school_ids)
    sync_seconds = time.monotonic() - started
    assert created == 0
    assert Enrollment.objects.filter(program=program).count() == enrolled
    print(f"batch_enroll_seconds={seconds:.1f} enrolled={enrolled} exempt={exempt} sync_seconds={sync_seconds:.1f}")


if __name__ == "__main__":
    main()
