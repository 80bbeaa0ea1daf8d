"""Settlement statements (结算单) for every contract of a program for a whole year, computed from
the hours ledger (tisheng/funding/settlement.py: one windowed SQL pass, then bulk INSERTs).

The data are synthetic and built inside one transaction that is rolled back at the end, so the
bench runs on any migrated database (a fresh `scripts/pg.sh` cluster, or the province bench
database without disturbing it): BENCH_FUNDING_TEACHERS teachers (default 50,000) in 10
counties, each county contracting one of 5 institutions, ~10 online credits per teacher over
the year (default ~500,000 ledger rows) with 1 % reversed; one teacher in ten also took a course
of a sixth institution the province contracted (two institutions: the path with the window).
The timed part includes the foreign-key checks PostgreSQL defers to the commit (SET
CONSTRAINTS ALL IMMEDIATE), though the data are rolled back. The issue asks < 30 s at province
scale (450,000 teachers, ~5 M rows); time grows with rows, so the report gives the time per
ledger row and the province figure it extrapolates to, from the wall time and from the CPU time
of this process and of the PostgreSQL cluster (bench/cpu_clock.py: on a machine shared with
other work the CPU time is the figure the code decides). BENCH_FUNDING_EXPLAIN=1 prints the
plans of the big statements (EXPLAIN ANALYZE), BENCH_FUNDING_PROFILE=1 Python's profile.

    BENCH_FUNDING_TEACHERS=100000 scripts/pg.sh with .venv/bin/python bench/bench_funding.py
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from bench_rows import insert_teachers  # noqa: E402
from cpu_clock import cluster_cpu, postmaster_pid  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tisheng.funding.models import FundingRate, RuralMode, StatementTeacher  # noqa: E402
from tisheng.funding.services import statements_draft_all  # noqa: E402
from tisheng.learning.models import Contract, Course  # noqa: E402
from tisheng.ledger.models import LedgerEntry  # noqa: E402
from tisheng.orgs.models import Organization, Region, School  # noqa: E402
from tisheng.people.services.bulk import insert_rows  # noqa: E402
from tisheng.programs.models import Enrollment, Program  # noqa: E402
from tisheng.programs.rules import FUJIAN_2015  # noqa: E402

TEACHERS = int(os.getenv("BENCH_FUNDING_TEACHERS", "50000"))
CREDITS = int(os.getenv("BENCH_FUNDING_CREDITS", "10"))
LIMIT_S = 30.0
PROVINCE_ROWS = 5_000_000
COUNTIES, INSTITUTIONS, SCHOOLS_PER_COUNTY = 10, 5, 50
YEAR = 2016
CHUNK = 50_000


class Rollback(Exception):
    pass


def build() -> Program:
    rnd = random.Random(14)
    tz = timezone.get_default_timezone()
    province = Region.objects.create(code="99", name="基准省", level="province", path="99")
    city = Region.objects.create(code="9901", name="基准市", level="city", parent=province, path="99/9901")
    program = Program.objects.create(code="bench-funding", name="经费基准项目", status="active",
                                     start_date=dt.date(YEAR, 1, 1), end_date=dt.date(YEAR + 1, 12, 31),
                                     reference_date=dt.date(YEAR, 1, 1), rules=FUJIAN_2015)
    FundingRate.objects.create(program=program, effective_from=dt.date(YEAR, 1, 1), online_rate=Decimal("3"),
                               paid_hours_cap=Decimal("50"), rural_mode=RuralMode.PER_TEACHER,
                               rural_amount=Decimal("100"))
    institutions = [Organization.objects.create(code=f"BENCH-I{i}", name=f"基准机构{i}", kind="institution",
                                                region=province) for i in range(INSTITUTIONS + 1)]
    provincial = institutions.pop()  # contracted by the province for every county
    Contract.objects.create(program=program, institution=provincial, region=province, region_path=province.path)
    courses = {org.pk: [Course.objects.create(institution=org, program=program, code=f"B{org.pk}-{c}",
                                              title=f"课程{c}", hours=Decimal(rnd.choice(["5", "10", "15"])),
                                              status="published") for c in range(8)]
               for org in [*institutions, provincial]}
    schools, county_org = [], {}
    for c in range(COUNTIES):
        county = Region.objects.create(code=f"9901{c:02d}", name=f"基准县{c}", level="county", parent=city,
                                       path=f"99/9901/9901{c:02d}")
        org = institutions[c % INSTITUTIONS]
        Contract.objects.create(program=program, institution=org, region=county, region_path=county.path)
        for s in range(SCHOOLS_PER_COUNTY):
            code = f"9901{c:02d}{s:04d}"
            schools.append(School(code=code, name=f"学校{code}", county=county, path=f"{county.path}/{code}",
                                  stage="primary", is_rural=s % 3 == 0))
            county_org[code] = org
    School.objects.bulk_create(schools, batch_size=2000)
    schools = list(School.objects.filter(path__startswith="99/"))
    # Plain rows in chunks (COPY on PostgreSQL): at province scale (450,000 teachers, 4.5 M rows)
    # one model instance per row would hold several GiB.
    now = timezone.now()
    teachers = insert_teachers(schools, TEACHERS, tag="funding", chunk=CHUNK, under="99/")
    enrollment_fields = ("program_id", "teacher_id", "school_id", "org_path", "state", "enrolled_at", "updated_at")
    for first in range(0, len(teachers), CHUNK):
        insert_rows(Enrollment, enrollment_fields, [(program.pk, t, s, p, "enrolled", now, now)
                                                    for t, s, p in teachers[first:first + CHUNK]])
    code_of = {s.pk: s.code for s in schools}
    start = dt.datetime(YEAR, 1, 1, 8, tzinfo=tz)
    ledger_fields = ("teacher_id", "program_id", "category", "hours", "source_kind", "source_id", "idempotency_key",
                     "granted_by_system", "at")
    rows, reversed_keys, key = [], [], 0

    def flush() -> None:
        # One credit in a hundred is reversed 20 days later (within the year).
        insert_rows(LedgerEntry, ledger_fields, rows)
        credits = LedgerEntry.objects.filter(idempotency_key__in=reversed_keys).values_list(
            "pk", "teacher_id", "hours", "source_id", "at")
        insert_rows(LedgerEntry, (*ledger_fields, "reverses_id", "reason"), [
            (t, program.pk, "online", -h, "course", src, f"bfr:{pk}", "bench",
             min(at + dt.timedelta(days=20), start + dt.timedelta(days=364)), pk, "bench")
            for pk, t, h, src, at in credits])
        rows.clear()
        reversed_keys.clear()

    for n, (t, s, _p) in enumerate(teachers):
        org_courses = courses[county_org[code_of[s]].pk]
        for credit in range(CREDITS):
            course = rnd.choice(courses[provincial.pk] if n % 10 == 0 and credit < 2 else org_courses)
            key += 1
            rows.append((t, program.pk, "online", course.hours, "course", str(course.pk), f"bf:{key}", "bench",
                         start + dt.timedelta(minutes=rnd.randrange(525000))))
            if key % 100 == 0:
                reversed_keys.append(f"bf:{key}")
        if len(rows) >= 10 * CHUNK:
            flush()
    flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ledger_ledgerentry; ANALYZE people_teacher; ANALYZE programs_enrollment")
            # The build's own foreign-key checks (1.2 M rows) now, not inside the timed part's.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return program


STEPS: list[tuple[float, str]] = []


PLANS: list[str] = []
EXPLAIN = bool(os.getenv("BENCH_FUNDING_EXPLAIN")) and connection.vendor == "postgresql"


def timed(execute, sql, params, many, context):
    """Each statement's time, to print the slowest: which step a regression is in. With
    BENCH_FUNDING_EXPLAIN=1 (PostgreSQL) the big statements run under EXPLAIN ANALYZE, which
    executes them too, and their plans are printed at the end."""
    t0 = time.perf_counter()
    head = sql.lstrip()[:40].upper()
    explain = EXPLAIN and (head.startswith("CREATE TEMP TABLE") or head.startswith("INSERT INTO FUNDING_STATEMENTT"))
    try:
        if explain:
            result = execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params, many, context)
            PLANS.append("\n".join(row[0] for row in context["cursor"].fetchall()))
            return result
        return execute(sql, params, many, context)
    finally:
        STEPS.append((time.perf_counter() - t0, " ".join(sql.split())[:70]))


def main() -> int:
    call_command("migrate", verbosity=0)
    try:
        with transaction.atomic():
            t0 = time.perf_counter()
            program = build()
            entries = LedgerEntry.objects.filter(program=program).count()
            print(f"bench_funding: {TEACHERS} teachers, {entries} ledger rows on {connection.vendor} "
                  f"(built in {time.perf_counter() - t0:.1f} s)")
            postmaster = postmaster_pid(connection)
            t0 = time.perf_counter()
            cpu0, db0 = time.process_time(), cluster_cpu(postmaster)
            profile = None
            if os.getenv("BENCH_FUNDING_PROFILE"):
                import cProfile

                profile = cProfile.Profile()
                profile.enable()
            with connection.execute_wrapper(timed):
                made = statements_draft_all(program=program, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31))
            if profile is not None:
                import pstats

                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks a commit would run
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            db_cpu = cluster_cpu(postmaster) - db0
            rows = StatementTeacher.objects.filter(statement__in=made).count()
            # Linear in the ledger's rows (one scan, grouped; the teacher rows one per teacher):
            # the province's ~5 M rows over this run's rows.
            scale = PROVINCE_ROWS / entries
            province, province_cpu = seconds * scale, (cpu + db_cpu) * scale
            print(f"funding_statements={len(made)} teacher_rows={rows} ledger_rows={entries} "
                  f"seconds={seconds:.2f} python_cpu_s={cpu:.2f} db_cpu_s={db_cpu:.2f} "
                  f"us_per_ledger_row={seconds * 1e6 / entries:.2f} "
                  f"province_estimate_s={province:.1f} province_cpu_estimate_s={province_cpu:.1f} "
                  f"limit_s={LIMIT_S:.0f} {'OK' if province < LIMIT_S else 'OVER'} "
                  f"load_average={os.getloadavg()[0]:.1f} cores={os.cpu_count()}")
            print(f"  projection: {seconds:.2f} s wall ({cpu + db_cpu:.2f} s CPU: Python {cpu:.2f} + PostgreSQL "
                  f"{db_cpu:.2f}) for {entries:,} ledger rows x {PROVINCE_ROWS:,} / {entries:,} = {province:.1f} s wall, "
                  f"{province_cpu:.1f} s CPU; on a shared machine the CPU figure is the one the code decides")
            for seconds, sql in sorted(STEPS, reverse=True)[:6]:
                print(f"  {seconds:6.2f} s  {sql}")
            for plan in PLANS:
                print(plan, "\n")
            raise Rollback
    except Rollback:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
