"""Server time of the teacher list and the org tree pages on the loaded database.

Requests go through Django's full stack in-process (middleware, session, scope filter,
templates), so the time is the server's share of a page view, without the network.
Prints one line per page: `page=<name> median_ms=… p95_ms=… queries=… rows=…`.
"""

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tisheng.accounts.models import User  # noqa: E402
from tisheng.people.models import Teacher  # noqa: E402

REPEAT = int(os.getenv("BENCH_REPEAT", "15"))
LIMIT_MS = 300.0


def measure(client: Client, url: str) -> tuple[float, float, int]:
    client.get(url)  # warm caches (plans, templates) once
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url}: HTTP {response.status_code}")
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(ctx.captured_queries)


def main() -> int:
    teachers = Teacher.objects.count()
    print(f"bench_pages: {teachers} teachers on {connection.vendor}")
    pages = {
        "13800000001": [  # province office: the whole province
            ("province_teacher_list", "/people/teachers/"),
            ("province_teacher_list_page_500", "/people/teachers/?page=500"),
            ("province_teacher_search_name", "/people/teachers/?q=%E6%9E%97%E7%87%95"),
            ("province_teacher_filter_stage_status", "/people/teachers/?stage=junior&status=active"),
            ("province_teacher_filter_county", "/people/teachers/?region=350583"),
            ("province_tree", "/orgs/tree/"),
            ("province_tree_city", "/orgs/tree/?node=3501"),
        ],
        "13800000003": [  # a county office
            ("county_teacher_list", "/people/teachers/"),
            ("county_tree", "/orgs/tree/?node=350102"),
        ],
    }
    worst = 0.0
    for phone, urls in pages.items():
        client = Client()
        client.force_login(User.objects.get(phone=phone))
        for name, url in urls:
            median, p95, queries = measure(client, url)
            worst = max(worst, median)
            print(f"page={name} median_ms={median:.1f} p95_ms={p95:.1f} queries={queries} url={url}")
    print(f"pages_worst_median_ms={worst:.1f} limit_ms={LIMIT_MS:.0f} {'OK' if worst < LIMIT_MS else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
