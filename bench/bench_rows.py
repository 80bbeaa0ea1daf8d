"""Synthetic rows the benches share, written as plain rows in chunks (COPY on PostgreSQL): at
province scale (450,000 teachers, millions of ledger rows) one model instance per row would hold
several GiB. Import after django.setup()."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tisheng.people.models import Teacher
from tisheng.people.services.bulk import insert_rows

TEACHER_FIELDS = ("name", "id_hash", "id_encrypted", "id_last4", "birth_date", "sex", "phone", "school_id",
                  "org_path", "stage", "subject", "created_at", "updated_at")


def insert_teachers(schools: list, n: int, *, tag: str, chunk: int, under: str) -> list[tuple[int, int, str]]:
    """`n` teachers spread over `schools` in turn (ids `bench-<tag>-<i>`); the (pk, school_id,
    org_path) of every teacher under the org path `under` (the bench's own region), in key order."""
    now = timezone.now()
    for first in range(0, n, chunk):
        insert_rows(Teacher, TEACHER_FIELDS, [
            (f"教师{i}", f"bench-{tag}-{i}", "x", "0000", dt.date(1980, 1, 1), "F", "",
             schools[i % len(schools)].pk, schools[i % len(schools)].path, "primary", "语文", now, now)
            for i in range(first, min(n, first + chunk))])
    return list(Teacher.objects.filter(org_path__startswith=under).order_by("pk")
                .values_list("pk", "school_id", "org_path"))
