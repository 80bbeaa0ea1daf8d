"""The school assessment queue (校本考核队列) for a school of 300 teachers.

Makes two bench schools in the demo county (idempotent): one with 300 teachers and one
with 10, each teacher with 3 chosen points (7 evidence items), every item submitted, half
of them graded by the team and a fifth of the points decided; the school's plan approved.
Rows go in with bulk_create (the bench measures the queue page, not the upload path).

Then, through Django's full stack in-process (as bench/bench_pages.py does), the queue page
with every row shown, as the school's administrator: median and p95 of BENCH_REPEAT runs
and the query count, for both schools. The query count must be the same for 10 and 300
teachers, and the 300-teacher median under 300 ms.

Prints `page=practice_queue_300 median_ms=… p95_ms=… queries=… rows=…` (and _10).
"""

import datetime as dt
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

from bench_pages import measure  # noqa: E402  (bench/ is on sys.path: this script's folder)
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from tisheng.accounts.models import RoleAssignment, User  # noqa: E402
from tisheng.core import crypto, idcard  # noqa: E402
from tisheng.orgs.models import Region, School, school_path  # noqa: E402
from tisheng.people.models import Teacher  # noqa: E402
from tisheng.practice import selectors, services  # noqa: E402
from tisheng.practice.models import (  # noqa: E402
    PointChoice,
    PointResult,
    Review,
    SchoolPlan,
    Submission,
)
from tisheng.programs.models import Program  # noqa: E402
from tisheng.programs.rules import MOE_2019  # noqa: E402

LIMIT_MS = 300.0
COUNTY = "350102"
POINTS = ("A1", "A5", "A10")
SUBJECTS = ("语文", "数学", "英语", "科学", "美术")


def program_2() -> Program:
    programs = selectors.practice_programs()
    if programs:
        return programs[0]
    return Program.objects.get_or_create(
        code="tisheng-2", defaults=dict(name="提升工程2.0", status="active", start_date=dt.date(2024, 9, 1),
                                        end_date=dt.date(2029, 8, 31), reference_date=dt.date(2024, 9, 1),
                                        rules=MOE_2019))[0]


@transaction.atomic
def bench_school(code: str, teachers: int, program: Program, admin: User) -> School:
    county = Region.objects.get(code=COUNTY)
    school, created = School.objects.get_or_create(
        code=code, defaults=dict(name=f"考核队列测试学校{teachers}", county=county,
                                 path=school_path(county.path, code), stage="primary", environment="A"))
    RoleAssignment.objects.get_or_create(user=admin, role="school_admin", school=school)
    if not created:
        return school
    SchoolPlan.objects.create(school=school, program=program, version=1, status="approved", goals="bench",
                              environment="A", research_topics=["bench"], decided_at=timezone.now())
    rows = []
    for i in range(teachers):
        born = dt.date(1975 + i % 20, 1 + i % 12, 1 + i % 28)
        national_id = idcard.make(COUNTY, born, 900 + i % 99)
        rows.append(Teacher(name=f"队列教师{i:03d}", id_hash=crypto.lookup_hash(f"bench-queue:{code}:{i}"),
                            id_encrypted=crypto.encrypt(national_id), id_last4=national_id[-4:],
                            birth_date=born, sex="F" if i % 2 else "M", school=school, org_path=school.path,
                            stage="primary", subject=SUBJECTS[i % len(SUBJECTS)]))
    created_teachers = Teacher.objects.bulk_create(rows, batch_size=1000)
    versions = {v.point.code: v for v in services.current_versions().values() if v.point.code in POINTS}
    tasks = {code: list(v.tasks.all()) for code, v in versions.items()}
    choices, submissions = [], []
    for t in created_teachers:
        for code in POINTS:
            choices.append(PointChoice(program=program, teacher=t, point=versions[code].point,
                                       point_version=versions[code]))
            for task in tasks[code]:
                submissions.append(Submission(program=program, teacher=t, task=task, version=1, is_current=True,
                                              file_name=f"bench/{t.pk}/{task.pk}.docx", original_name="bench.docx",
                                              kind="document", content_type="application/pdf", size=1000,
                                              sha256="0" * 64, text=""))
    PointChoice.objects.bulk_create(choices, batch_size=2000)
    Submission.objects.bulk_create(submissions, batch_size=2000)
    graded = [s for i, s in enumerate(Submission.objects.filter(teacher__school=school).order_by("pk")) if i % 2 == 0]
    Review.objects.bulk_create([Review(submission=s, stage="team", reviewer=admin, grade="pass") for s in graded],
                               batch_size=2000)
    results = [PointResult(program=program, teacher=c.teacher, point=c.point, point_version=c.point_version,
                           result="pass", decided_by=admin, org_path=school.path)
               for i, c in enumerate(choices) if i % 5 == 0]
    PointResult.objects.bulk_create(results, batch_size=2000)
    return school


def main() -> int:
    services.catalogue_load()
    program = program_2()
    admin, _ = User.objects.get_or_create(phone="13899990077", defaults={"name": "考核队列测试管理员"})
    print(f"bench_practice_queue: on {connection.vendor}")
    client = Client()
    client.force_login(admin)
    figures = {}
    for n, code in ((10, "3501029910"), (300, "3501029300")):
        school = bench_school(code, n, program, admin)
        url = reverse("practice:queue", args=[school.pk]) + f"?program={program.code}&show=all"
        median, p95, queries = measure(client, url)
        rows = PointChoice.objects.filter(program=program, teacher__school=school).count()
        figures[n] = (median, queries)
        print(f"page=practice_queue_{n} median_ms={median:.1f} p95_ms={p95:.1f} queries={queries} rows={rows}")
    same = figures[10][1] == figures[300][1]
    print(f"practice_queue_queries_constant={'yes' if same else 'no'}")
    if figures[300][0] > LIMIT_MS or not same:
        print(f"bench_practice_queue: over {LIMIT_MS:.0f} ms or query count grows", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
