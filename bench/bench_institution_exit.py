"""Terminating an institution (tisheng/institutions: exit) at the evaluation bench's scale, with
progress carried over (issue 14, item 3).

The data are bench_institution_evaluation's (BENCH_EVAL_TEACHERS teachers, default 20,000, each
with a selection of the measured institution's courses, 40 % unfinished), plus three 30-minute
lessons a course and, for every unfinished selection, one or two completed lessons; the
program's rule set carries completed lessons over (0.5-hour steps). All in one transaction
rolled back at the end, so it runs on any migrated database.

Measures, wall time and this process's CPU time (the machine is shared):
1. the preview the province reads before confirming (exit_preview, with the carry plan), and its
   query count;
2. the termination taking effect today (exit_decide, then exit_apply as its background job runs it,
   here in process): every affected teacher's
   carry-over credited to the ledger (ledger_credit_many: bulk rows, then the enrollments
   re-evaluated per chunk) and told, with the database cluster's CPU time beside this process's;
3. the crediting stop the player and the LRS ask (learning.crediting.credit_stop), per call.

    scripts/pg.sh with .venv/bin/python bench/bench_institution_exit.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from bench_institution_evaluation import Rollback, build  # noqa: E402
from cpu_clock import cluster_cpu, postmaster_pid  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tisheng.accounts.evaluators import today  # noqa: E402
from tisheng.institutions.services import exit as exits  # noqa: E402
from tisheng.institutions.services.exit_credit import carry_plan  # noqa: E402
from tisheng.learning.crediting import CARRY_OVER, credit_stop  # noqa: E402
from tisheng.learning.models import Course, Lesson  # noqa: E402
from tisheng.ledger.models import LedgerEntry  # noqa: E402
from tisheng.orgs.models import Organization, Region  # noqa: E402
from tisheng.people.models import Teacher  # noqa: E402
from tisheng.people.services.bulk import insert_rows  # noqa: E402
from tisheng.playback.models import LessonCompletion  # noqa: E402
from tisheng.programs.models import Program  # noqa: E402
from tisheng.programs.rules import FUJIAN_2015  # noqa: E402


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def db_cpu_ms(fn):
    """fn's result and the database cluster's CPU time it took (PostgreSQL; 0 elsewhere)."""
    postmaster = postmaster_pid(connection)
    before = cluster_cpu(postmaster)
    result = fn()
    return result, (cluster_cpu(postmaster) - before) * 1000



def decide_and_apply(officer, province, institution, kind: str, reason: str):
    """The decision (the request: it records and queues) and its application (the job's work)."""
    decision = exits.exit_decide(actor=officer, province=province, institution=institution, kind=kind, regions=[],
                                 reason=reason, effective_on=today())
    exits.exit_apply(decision, actor=officer)
    decision.refresh_from_db()
    return decision


def main() -> int:
    call_command("migrate", verbosity=0)
    rnd = random.Random(3)
    try:
        with transaction.atomic():
            t0 = time.perf_counter()
            officer, _county, _url = build()
            program = Program.objects.get(code="bench-eval")
            program.rules = {**FUJIAN_2015, "exit_carry_over": {"completed_lessons": True, "step_hours": "0.5"}}
            program.save()
            institution = Organization.objects.get(code="BENCH-E0")
            province = Region.objects.get(path="98")
            lessons: dict[int, list[int]] = {}
            for course in Course.objects.filter(institution=institution):
                Lesson.objects.bulk_create([Lesson(course=course, order=n, title=f"第{n}讲", duration_seconds=1800,
                                                   video_url="https://cdn.example.com/x.mp4") for n in (1, 2, 3)])
                lessons[course.pk] = list(course.lessons.order_by("order").values_list("pk", flat=True))
            unfinished = list(exits._unfinished(institution, [province.path]).values_list("teacher_id", "course_id"))
            now = timezone.now()
            rows = [(t, lesson, c, now) for t, c in unfinished for lesson in lessons[c][:rnd.choice((1, 2))]]
            insert_rows(LessonCompletion, ("teacher_id", "lesson_id", "course_id", "completed_at"), rows)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE playback_lessoncompletion; ANALYZE learning_courseselection")
            print(f"bench_institution_exit: {Teacher.objects.filter(org_path__startswith='98/').count()} teachers, "
                  f"{len(unfinished)} unfinished selections, {len(rows)} completed lessons on {connection.vendor} "
                  f"(built in {time.perf_counter() - t0:.1f} s)")

            with CaptureQueriesContext(connection) as ctx:
                (preview, wall, cpu), db_cpu = db_cpu_ms(lambda: timed(lambda: exits.exit_preview(
                    actor=officer, province=province, institution=institution, regions=[])))
            print(f"institution_exit_preview_ms={wall:.0f} cpu_ms={cpu:.0f} db_cpu_ms={db_cpu:.0f} "
                  f"queries={len(ctx.captured_queries)} "
                  f"teachers={preview['teachers']} hours_carried={preview['hours_carried']}")

            paths = [province.path]
            (plan, wall, cpu), db_cpu = db_cpu_ms(lambda: timed(lambda: carry_plan(
                institution, paths, exits._unfinished(institution, paths))))
            print(f"institution_exit_carry_plan_ms={wall:.0f} cpu_ms={cpu:.0f} db_cpu_ms={db_cpu:.0f} "
                  f"rows={len(plan.rows)} (the preview's share)")

            # The same teachers told of a suspension (nothing carried over), then undone: the baseline.
            savepoint = transaction.savepoint()
            (_d, wall, cpu), db_cpu = db_cpu_ms(lambda: timed(lambda: decide_and_apply(
                officer, province, institution, "suspend", "基准：暂停承训")))
            print(f"institution_exit_suspend_ms={wall:.0f} cpu_ms={cpu:.0f} db_cpu_ms={db_cpu:.0f} "
                  f"(told, nothing carried over)")
            transaction.savepoint_rollback(savepoint)

            (decision, wall, cpu), db_cpu = db_cpu_ms(lambda: timed(lambda: decide_and_apply(
                officer, province, institution, "terminate", "基准：终止承训")))
            carried = LedgerEntry.objects.filter(source_kind=CARRY_OVER, program=program).count()
            print(f"institution_exit_terminate_ms={wall:.0f} cpu_ms={cpu:.0f} db_cpu_ms={db_cpu:.0f} teachers_told="
                  f"{decision.affected.get('teachers')} carry_over_entries={carried} "
                  f"hours={decision.affected.get('carried_hours')} "
                  f"per_teacher_ms={wall / max(1, carried):.1f}")

            teacher = Teacher.objects.get(pk=unfinished[0][0])
            course = Course.objects.get(pk=unfinished[0][1])
            samples = []
            for _ in range(200):
                _r, wall, _cpu = timed(lambda: credit_stop(teacher, course))
                samples.append(wall)
            samples.sort()
            print(f"institution_exit_credit_stop_median_ms={statistics.median(samples):.2f} "
                  f"p95_ms={samples[int(len(samples) * 0.95) - 1]:.2f} "
                  f"load_average={os.getloadavg()[0]:.1f} cores={os.cpu_count()}")
            raise Rollback
    except Rollback:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
