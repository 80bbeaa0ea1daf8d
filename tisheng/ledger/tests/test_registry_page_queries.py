"""A teacher's registry page costs the same few statements however long their history: one for
the ledger, one for outside records, one for the cycles (read once, for the cycles and for the
teacher's own registration window), whatever the number of programs, rows or cycles."""

import datetime as dt
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tisheng.ledger.models import HoursCycle, TeacherRegistration
from tisheng.ledger.tests.test_registry import external, past_credit
from tisheng.programs.models import Program
from tisheng.programs.rules import MOE_2019


def _cycle(world, start: int) -> HoursCycle:
    return HoursCycle.objects.create(
        region=world.province, region_path=world.province.path, name=f"{start}—{start + 4} 年继续教育周期",
        start_date=dt.date(start, 1, 1), end_date=dt.date(start + 4, 12, 31), required_hours=Decimal("360"),
        min_by_level={"province": "20"})


def _page_queries(client, user, url) -> list[str]:
    client.force_login(user)
    client.get(url)  # the session and caches warmed once, as for a teacher who is signed in
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def _reads(sql: list[str], table: str) -> int:
    return sum(1 for s in sql if re.search(rf'FROM "{table}"', s))


def test_the_registry_page_reads_the_cycles_once_even_with_a_registration_window(client, world, program_2):
    _cycle(world, 2017)
    _cycle(world, 2022)
    TeacherRegistration.objects.create(teacher=world.teacher, valid_until=dt.date(2027, 3, 14), source="school")
    past_credit(world.teacher, program_2, "30", dt.date(2023, 3, 1), "a")

    sql = _page_queries(client, world.teacher.user, reverse("ledger:my_registry"))

    assert _reads(sql, "ledger_hourscycle") == 1


def test_the_registry_page_costs_the_same_statements_for_one_record_or_a_long_history(client, world, program_2):
    _cycle(world, 2017)
    _cycle(world, 2022)
    short, long = world.teachers_a[0], world.teachers_a[1]
    for teacher in (short, long):
        TeacherRegistration.objects.create(teacher=teacher, valid_until=dt.date(2027, 3, 14), source="school")
    past_credit(short, program_2, "30", dt.date(2023, 3, 1), "only")
    programs = [program_2, *(Program.objects.create(
        code=f"p{i}", name=f"专题培训{i}", status="closed", start_date=dt.date(2018, 1, 1), end_date=dt.date(2026, 12, 31),
        reference_date=dt.date(2018, 1, 1), rules=MOE_2019, registry_category="ethics") for i in range(4))]
    for i in range(40):
        past_credit(long, programs[i % len(programs)], "6", dt.date(2017 + i % 9, 1 + i % 12, 3), f"r{i}")
    for i in range(6):
        external(long, "10", dt.date(2018 + i, 7, 1), verification="verified" if i % 2 else "unverified")

    for user in (world.county_officer,):
        few = _page_queries(client, user, reverse("ledger:teacher_registry", args=[short.pk]))
        many = _page_queries(client, user, reverse("ledger:teacher_registry", args=[long.pk]))
        assert len(many) == len(few)
    own_few = _page_queries(client, short.user, reverse("ledger:my_registry"))
    own_many = _page_queries(client, long.user, reverse("ledger:my_registry"))
    assert len(own_many) == len(own_few)
    # session, user, the teacher, ledger, outside records, registration, cycles, honours; the
    # rest is the navigation's (roles, the teacher's own link, unread notifications)
    assert len(own_few) <= 12
