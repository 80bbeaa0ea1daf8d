"""Institution integration at the seeded scale (province in `make bench`).

1. The roster API (/api/v1/integration/roster) for the demo institution INST-FJNU, which the
   province contracted for the whole province in the active program (so its roster is every
   enrolled teacher): the first page of 200, a page deep in the keyset, and `since=` the last
   day. Median and p95 of BENCH_REPEAT requests through Django's full stack in-process, and
   the query count (it must not depend on the page's depth).
2. The mapping hook (integration.hooks.statements_stored) on a batch of 1,000 statements as a
   Moodle would send them: 80 % other verbs, 18 % completions that fail a check (unknown
   activity, unknown account, not enrolled), 2 % crediting completions of enrolled teachers.
   Median and p95 over BENCH_REPEAT batches, each in a transaction rolled back afterwards.

   The same without crediting completions shows the cost of the checks alone (a fixed
   number of queries); each credit adds a ledger row and the enrollment's completion refresh.

Prints `integration_roster_<page>_median_ms=… p95_ms=… queries=…` and
`integration_hook_1000_credits_<0|20>_median_ms=… p95_ms=… queries=…`.
"""

import base64
import os
import statistics
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tisheng.accounts.models import User  # noqa: E402
from tisheng.integration import services  # noqa: E402
from tisheng.integration.auth import XapiClient  # noqa: E402
from tisheng.integration.hooks import COMPLETED, statements_stored  # noqa: E402
from tisheng.integration.selectors import platform_id, roster_for_institution  # noqa: E402
from tisheng.learning.models import Course  # noqa: E402
from tisheng.orgs.models import Organization  # noqa: E402
from tisheng.programs.models import Enrollment  # noqa: E402

REPEAT = int(os.getenv("BENCH_REPEAT", "20"))
INSTITUTION = "INST-FJNU"


class Rollback(Exception):
    pass


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def roster(institution: Organization) -> list[str]:
    officer = User.objects.get(phone="13800000001")
    credential, secret = services.credential_issue(actor=officer, institution=institution, name="bench",
                                                   rate_limit="0")
    header = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    ids = list(roster_for_institution(institution.pk).values_list("pk", flat=True)[:1])
    middle = Enrollment.objects.order_by("pk").values_list("pk", flat=True)[Enrollment.objects.count() // 2]
    since = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    client = Client()
    lines = []
    for name, query in (("first_page", {"limit": 200}), ("deep_page", {"limit": 200, "after": middle}),
                        ("since_day", {"limit": 200, "since": since})):
        client.get("/api/v1/integration/roster", query, HTTP_AUTHORIZATION=header)
        times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            response = client.get("/api/v1/integration/roster", query, HTTP_AUTHORIZATION=header)
            times.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                sys.exit(f"roster {name}: HTTP {response.status_code}")
        with CaptureQueriesContext(connection) as ctx:
            rows = len(client.get("/api/v1/integration/roster", query, HTTP_AUTHORIZATION=header).json()["items"])
        lines.append(f"integration_roster_{name}_median_ms={statistics.median(times):.1f} "
                     f"p95_ms={percentile(times, 0.95):.1f} queries={len(ctx.captured_queries)} rows={rows}")
    return lines if ids else ["integration_roster: the institution has no roster (seed first)"]


def batch(course: Course, enrolled: list[str], outsiders: list[str], run: int, credits: int = 20) -> list[dict]:
    def st(name: str, verb: str, activity: str) -> dict:
        return {"id": str(uuid.uuid4()), "stored": timezone.now().isoformat(),
                "actor": {"objectType": "Agent", "account": {"homePage": settings.SITE_URL, "name": name}},
                "verb": {"id": verb}, "object": {"objectType": "Activity", "id": activity},
                "result": {"completion": True, "success": True, "score": {"scaled": 0.9}}}

    out = [st(enrolled[(run * 20 + i) % len(enrolled)], COMPLETED, course.activity_id) for i in range(credits)]
    out += [st(enrolled[i % len(enrolled)], COMPLETED, f"{course.activity_id}/unregistered") for i in range(60)]
    out += [st(f"t{i}-000000", COMPLETED, course.activity_id) for i in range(60)]
    out += [st(outsiders[i % len(outsiders)], COMPLETED, course.activity_id) for i in range(60)]
    out += [st(enrolled[i % len(enrolled)], "http://adlnet.gov/expapi/verbs/experienced",
               f"{course.activity_id}/lesson/{i % 12}") for i in range(820 - credits)]
    return out


def hook(institution: Organization) -> list[str]:
    course = Course.objects.filter(institution=institution).exclude(activity_id="").select_related("program").first()
    if course is None:
        return ["integration_hook: no course with an activity id (seed first)"]
    enrolled = [platform_id(t) for t in Enrollment.objects.filter(program=course.program).order_by("pk")
                .values_list("teacher_id", flat=True)[:5000]]
    # Teachers who exist but are not enrolled in the course's program: rejected as not enrolled.
    from tisheng.people.models import Teacher

    outsiders = [platform_id(t) for t in Teacher.objects.exclude(enrollments__program=course.program)
                 .values_list("pk", flat=True)[:100]] or ["t1-000000"]
    client = XapiClient(institution_id=institution.pk, name=institution.name, credential_key="bench", rate_limit=0)
    lines = []
    for credits in (0, 20):
        times, queries = [], 0
        for run in range(REPEAT + 1):
            statements = batch(course, enrolled, outsiders, run, credits)
            try:
                with transaction.atomic():
                    with CaptureQueriesContext(connection) as ctx:
                        t0 = time.perf_counter()
                        statements_stored(client, statements)
                        elapsed = (time.perf_counter() - t0) * 1000
                    raise Rollback
            except Rollback:
                pass
            if run:  # the first batch warms caches
                times.append(elapsed)
            queries = len(ctx.captured_queries)
        lines.append(f"integration_hook_1000_credits_{credits}_median_ms={statistics.median(times):.1f} "
                     f"p95_ms={percentile(times, 0.95):.1f} queries={queries}")
    return lines


def main() -> int:
    institution = Organization.objects.filter(code=INSTITUTION).first()
    if institution is None:
        print("bench_integration: no INST-FJNU (seed first)")
        return 1
    print(f"bench_integration: {Enrollment.objects.count()} enrollments on {connection.vendor}")
    for line in roster(institution) + hook(institution):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
