"""Time completion re-evaluation for the whole province: 450,000 enrollments with 10 ledger
entries each on average, on DATABASE_URL (the goal is under 5 minutes on PostgreSQL).

Enrolls the province's teachers (those `tisheng seed --scale province` made, topped up with
plain teacher rows when there are fewer) in a benchmark program with the Fujian 2015 rules,
writes the ledger rows with COPY (insert_rows), then times `completion_refresh_program` and
prints `completion_province_seconds=… enrollments=… entries=…`.

The ledger is append-only, so the data stays: run it on a throwaway database (`make bench`
does, through scripts/pg.sh). A second run finds the program and its rows and only times the
refresh again (after resetting the enrollments' results with one UPDATE).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tisheng.ledger.models import LedgerEntry  # noqa: E402
from tisheng.orgs.models import Region, RegionLevel, School, school_path  # noqa: E402
from tisheng.people.models import Teacher  # noqa: E402
from tisheng.people.services.bulk import insert_rows  # noqa: E402
from tisheng.programs.completion import completion_refresh_program  # noqa: E402
from tisheng.programs.models import Enrollment, Program  # noqa: E402
from tisheng.programs.rules import FUJIAN_2015  # noqa: E402

PROGRAM_CODE = "bench-completion"
CHUNK = 50_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_schools() -> list[tuple[int, str]]:
    schools = list(School.objects.order_by("id").values_list("id", "path")[:5000])
    if schools:
        return schools
    province, _ = Region.objects.get_or_create(code="35", defaults={"name": "福建省", "level": RegionLevel.PROVINCE,
                                                                    "path": "35"})
    city, _ = Region.objects.get_or_create(code="3501", defaults={"name": "福州市", "level": RegionLevel.CITY,
                                                                  "parent": province, "path": "35/3501"})
    county, _ = Region.objects.get_or_create(code="350102", defaults={
        "name": "鼓楼区", "level": RegionLevel.COUNTY, "parent": city, "path": "35/3501/350102"})
    School.objects.bulk_create([
        School(code=f"350102{i:04d}", name=f"基准学校{i}", county=county, path=school_path(county.path, f"350102{i:04d}"),
               stage="primary") for i in range(1000)])
    return list(School.objects.order_by("id").values_list("id", "path"))


def ensure_teachers(n: int) -> None:
    have = Teacher.objects.count()
    if have >= n:
        return
    schools = bench_schools()
    log(f"creating {n - have} teachers (plain rows)")
    now = timezone.now()
    fields = ("name", "id_hash", "id_encrypted", "id_last4", "birth_date", "sex", "phone", "school_id", "org_path",
              "stage", "subject", "created_at", "updated_at")
    for start in range(have, n, CHUNK):
        rows = []
        for i in range(start, min(n, start + CHUNK)):
            school_id, path = schools[i % len(schools)]
            rows.append((f"基准教师{i}", f"bench-{i:058d}", "bench", f"{i % 10000:04d}", dt.date(1980, 1, 1), "F",
                         "", school_id, path, "primary", "语文", now, now))
        with transaction.atomic():
            insert_rows(Teacher, fields, rows)


def ensure_program(n: int, entries_per: int) -> Program:
    program = Program.objects.filter(code=PROGRAM_CODE).first()
    if program is not None:
        return program
    ensure_teachers(n)
    program = Program.objects.create(code=PROGRAM_CODE, name="完成度基准", status="active",
                                     start_date=dt.date(2015, 9, 1), end_date=dt.date(2017, 12, 31),
                                     reference_date=dt.date(2015, 9, 1), rules=FUJIAN_2015)
    teachers = Teacher.objects.order_by("id").values_list("id", "school_id", "org_path")[:n]
    now = timezone.now()
    rng = random.Random(1)
    enrollment_fields = ("program_id", "teacher_id", "school_id", "org_path", "state", "enrolled_at", "updated_at")
    ledger_fields = ("teacher_id", "program_id", "category", "hours", "source_kind", "source_id", "idempotency_key",
                     "granted_by_system", "at")
    batch_e: list[tuple] = []
    batch_l: list[tuple] = []
    entries = 0

    def flush() -> None:
        with transaction.atomic():
            insert_rows(Enrollment, enrollment_fields, batch_e)
            insert_rows(LedgerEntry, ledger_fields, batch_l)
        batch_e.clear()
        batch_l.clear()

    for teacher_id, school_id, path in teachers.iterator(chunk_size=10_000):
        batch_e.append((program.pk, teacher_id, school_id, path, "enrolled", now, now))
        # 0 to 2 × entries_per entries (average entries_per): courses and practice credits.
        for k in range(rng.randint(0, 2 * entries_per)):
            category = "online" if k % 3 else "practice"
            hours = rng.choice((5, 8, 10, 12))
            batch_l.append((teacher_id, program.pk, category, hours, "course", f"{k}",
                            f"bench:{teacher_id}:{k}", "bench", now))
            entries += 1
        if len(batch_e) >= CHUNK:
            flush()
            log(f"… {Enrollment.objects.filter(program=program).count()} enrollments, {entries} entries")
    if batch_e:
        flush()
    return program


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=450_000)
    parser.add_argument("--entries-per", type=int, default=10, help="ledger entries per enrollment on average")
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0, interactive=False)
    started = time.monotonic()
    program = ensure_program(args.enrollments, args.entries_per)
    log(f"data ready in {time.monotonic() - started:.0f} s")
    Enrollment.objects.filter(program=program).update(
        state="enrolled", online_hours=0, practice_hours=0, offline_hours=0, imported_hours=0, total_hours=0,
        explanation="", evaluated_at=None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    enrollments = Enrollment.objects.filter(program=program).count()
    entries = LedgerEntry.objects.filter(program=program).count()
    started = time.monotonic()
    changed = completion_refresh_program(program, chunk=args.chunk)
    seconds = time.monotonic() - started
    complete = Enrollment.objects.filter(program=program, state="complete").count()
    log(f"{changed} enrollments changed, {complete} complete")
    print(f"completion_province_seconds={seconds:.1f} enrollments={enrollments} entries={entries}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
