"""The review chain at province scale: the city's queue page and a 5,000-teacher approval.

Runs on a database seeded with `tisheng seed --scale province`. When its teachers have no
enrollment in the 2.0 program yet, every teacher is enrolled here, in bulk (COPY on
PostgreSQL), with states spread as in the middle of a cycle: ~60 % in progress, 20 %
complete, 10 % under review at the county, 5 % at the city, 2 % at the province, 2 %
approved, 1 % returned (deterministic per teacher). This does not use the programs
module's batch enrollment on purpose: the bench measures the review chain only.

Then, through Django's full stack in-process (as bench/bench_pages.py does):
- GET of the city queue of 福州市 (13800000002), median of BENCH_REPEAT (15) runs;
- one POST approving "everything matching the filter" in the county with the most
  enrollments, with exactly 5,000 of them waiting for the county.

Prints `page=review_city_queue median_ms=… queries=…` and `review_batch_approve_5000_seconds=…`.
"""

import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from bench_pages import measure  # noqa: E402  (bench/ is on sys.path: this script's folder)
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.functions import Mod, Substr  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from tisheng.accounts.models import RoleAssignment, User  # noqa: E402
from tisheng.orgs.models import Region  # noqa: E402
from tisheng.people.models import Teacher  # noqa: E402
from tisheng.people.services.bulk import insert_rows  # noqa: E402
from tisheng.programs.completion import COMPLETE_TEXT  # noqa: E402
from tisheng.programs.models import Enrollment, Program  # noqa: E402
from tisheng.programs.rules import MOE_2019  # noqa: E402

LIMIT_MS = 300.0
BATCH = 5000
CITY_PHONE = "13800000002"  # 福州市工程办
BENCH_COUNTY_PHONE = "13899990001"

# (cumulative share, state, review level)
STATES = (
    (0.60, "in_progress", ""),
    (0.80, "complete", ""),
    (0.90, "under_review", "county"),
    (0.95, "under_review", "city"),
    (0.97, "under_review", "province"),
    (0.99, "approved", ""),
    (1.00, "returned", ""),
)
FIELDS = ("program_id", "teacher_id", "school_id", "org_path", "state", "review_level", "return_reason",
          "online_hours", "practice_hours", "total_hours", "explanation")


def program_2() -> Program:
    program = Program.objects.filter(status="active", rules__micro_abilities__min_points__isnull=False).order_by(
        "-start_date").first()
    if program is None:
        program, _ = Program.objects.get_or_create(
            code="tisheng-2", defaults=dict(name="提升工程2.0", status="active", start_date=dt.date(2024, 9, 1),
                                            end_date=dt.date(2029, 8, 31), reference_date=dt.date(2024, 9, 1),
                                            rules=MOE_2019))
    return program


def row_for(program_id: int, teacher_id: int, school_id: int, org_path: str, rng: random.Random) -> tuple:
    draw = rng.random()
    state, level = next((s, lvl) for share, s, lvl in STATES if draw < share)
    if state == "in_progress":
        online = Decimal(rng.randint(5, 25))
        practice = Decimal(rng.randint(0, 20))
        explanation = f"还差实践应用 {25 - practice} 学时"
    else:
        online, practice, explanation = Decimal(25), Decimal(25), COMPLETE_TEXT
    reason = "实践成果缺少课堂实录" if state == "returned" else ""
    return (program_id, teacher_id, school_id, org_path, state, level, reason, online, practice,
            online + practice, explanation)


def enroll_everyone(program: Program) -> int:
    """Enrollments for every teacher without one in `program`, in chunks of 50,000."""
    rng = random.Random(2019)
    made = 0
    last = 0
    enrolled = Enrollment.objects.filter(program=program).values("teacher_id")
    while True:
        chunk = list(Teacher.objects.filter(pk__gt=last).exclude(pk__in=enrolled).order_by("pk")
                     .values_list("pk", "school_id", "org_path")[:50_000])
        if not chunk:
            return made
        with transaction.atomic():
            insert_rows(Enrollment, FIELDS, [row_for(program.pk, t, s, p, rng) for t, s, p in chunk])
        made += len(chunk)
        last = chunk[-1][0]


def spread_states(program: Program) -> int:
    """When the program's enrollments came from elsewhere (the completion bench) and few are
    in the chain, give them the spread of states above, by id (one UPDATE per state)."""
    enrollments = Enrollment.objects.filter(program=program)
    total = enrollments.count()
    in_chain = enrollments.filter(state__in=["under_review", "approved", "returned"]).count()
    if not total or in_chain >= total * 0.05:
        return 0
    low = 0
    for share, state, level in STATES:
        high = int(share * 100)
        (enrollments.annotate(band=Mod("id", 100)).filter(band__gte=low, band__lt=high)
         .update(state=state, review_level=level,
                 return_reason="实践成果缺少课堂实录" if state == "returned" else ""))
        low = high
    return total


def busiest_county(program: Program) -> Region:
    """The county with the most enrollments (paths are 35/CCCC/CCCCCC/…)."""
    row = (Enrollment.objects.filter(program=program).order_by().annotate(county=Substr("org_path", 1, 14))
           .values("county").annotate(n=Count("id")).order_by("-n").first())
    return Region.objects.get(path=row["county"])


def county_officer(county: Region) -> User:
    from tisheng.accounts.services import role_assign, user_create

    assignment = RoleAssignment.objects.filter(role="county_office", region=county).select_related("user").first()
    if assignment:
        return assignment.user
    user = User.objects.filter(phone=BENCH_COUNTY_PHONE).first() or user_create(
        actor=None, phone=BENCH_COUNTY_PHONE, name=f"{county.name}工程办(bench)", password="Bench@2026x")
    RoleAssignment.objects.filter(user=user, role="county_office").delete()
    role_assign(actor=None, user=user, role="county_office", node=county)
    return user


def stage_batch(program: Program, county: Region) -> int:
    """Exactly BATCH of the county's enrollments waiting for the county (untimed setup)."""
    in_county = Enrollment.objects.filter(program=program, org_path__startswith=county.path + "/")
    with transaction.atomic():
        in_county.filter(state="under_review", review_level="county").update(state="complete", review_level="")
        ids = list(in_county.order_by("pk").values_list("pk", flat=True)[:BATCH])
        Enrollment.objects.filter(pk__in=ids).update(state="under_review", review_level="county", return_reason="")
    return len(ids)


def main() -> int:
    call_command("migrate", verbosity=0)
    program = program_2()
    started = time.monotonic()
    made = enroll_everyone(program)
    spread = spread_states(program)
    total = Enrollment.objects.filter(program=program).count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Enrollment._meta.db_table}")
    print(f"bench_review: {total} enrollments ({made} created, {spread} given review states, "
          f"{time.monotonic() - started:.0f} s) on {connection.vendor}")

    city = Client()
    city.force_login(User.objects.get(phone=CITY_PHONE))
    for name, query in (("review_city_queue", ""), ("review_city_queue_approved", "&status=approved"),
                        ("review_city_queue_search", "&q=%E6%9E%97")):
        url = f"{reverse('review:city')}?program={program.pk}{query}"
        median, _p95, queries = measure(city, url)
        print(f"page={name} median_ms={median:.1f} queries={queries} limit_ms={LIMIT_MS:.0f} "
              f"{'OK' if median < LIMIT_MS else 'OVER'} url={url}")

    county = busiest_county(program)
    staged = stage_batch(program, county)
    client = Client()
    client.force_login(county_officer(county))
    url = reverse("review:county")
    client.get(f"{url}?program={program.pk}")  # warm up as a reviewer would have the page open
    t0 = time.perf_counter()
    response = client.post(url, {"program": program.pk, "status": "pending", "mode": "filter"})
    seconds = time.perf_counter() - t0
    moved = Enrollment.objects.filter(program=program, org_path__startswith=county.path + "/",
                                      state="under_review", review_level="county").count()
    if response.status_code != 302 or moved:
        sys.exit(f"batch approval failed: HTTP {response.status_code}, {moved} still waiting at the county")
    print(f"bench_review: approved {staged} in {county.name} ({county.code})")
    print(f"review_batch_approve_5000_seconds={seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
