"""Not collected (name), run by hand against a seeded demo database:

    TISHENG_VAR_DIR=/path/to/demo/var .venv/bin/python tisheng/accounts/tests/measure_audit_page.py 1000000

adds synthetic login entries to the audit log until it holds N rows (append-only: they stay),
then prints the audit admin's page time (median of 5) and query count for common filters."""

import datetime as dt
import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tisheng.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tisheng.accounts.models import AuditLog, User  # noqa: E402


def fill(n: int) -> None:
    have = AuditLog.objects.count()
    users = list(User.objects.values_list("pk", "name")[:5000])
    now = timezone.now()
    batch = []
    for i in range(max(0, n - have)):
        pk, name = users[i % len(users)]
        batch.append(AuditLog(at=now - dt.timedelta(seconds=i * 3), actor_id=pk, actor_name=name, action="login",
                              object_type="user", object_id=str(pk), ip=f"10.0.{i % 250}.{i % 200}",
                              detail={"via": "login_page"}))
        if len(batch) == 10_000:
            AuditLog.objects.bulk_create(batch)
            batch = []
    if batch:
        AuditLog.objects.bulk_create(batch)


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    fill(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    print("rows", AuditLog.objects.count())
    client = Client()
    client.force_login(User.objects.get(phone="13800000011"))
    week = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    for label, params in [("no filter", {}), ("page 200", {"page": 200}), ("action", {"action": "role_granted"}),
                          ("actor", {"actor": "陈"}), ("object", {"target": "林"}), ("last 7 days", {"since": week})]:
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get("/accounts/audit/", params)
                times.append(time.perf_counter() - started)
        print(f"{label}: {response.status_code} median {statistics.median(times) * 1000:.0f} ms, "
              f"{len(ctx.captured_queries)} queries")


if __name__ == "__main__":
    main()
