"""The province's registry totals, computed in one statement per cycle, give every teacher the
same hours and the same shortfall as the teacher's own standing (`registry.standing`), on a
small world that has each case: a reversed pair, an unverified and a verified outside record,
hours outside the cycle, a level and a category minimum, finished and running years, and a
teacher without any hours."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tisheng.ledger import registry
from tisheng.ledger.models import HoursCycle
from tisheng.ledger.registry_totals import cycle_totals
from tisheng.ledger.services import ledger_reverse
from tisheng.ledger.tests.test_registry import external, past_credit
from tisheng.people.models import Teacher


@pytest.fixture
def histories(world, program_1, program_2):
    program_1.registry_category, program_1.registry_level = "ethics", "county"
    program_1.save()
    one, two, three = world.teachers_a
    past_credit(one, program_1, "30", dt.date(2021, 3, 1), "a")
    past_credit(one, program_2, "20", dt.date(2022, 5, 1), "b")
    cancelled = past_credit(one, program_2, "99", dt.date(2022, 6, 1), "c")
    ledger_reverse(entry=cancelled, actor=world.province_officer, reason="重复计入")
    past_credit(one, program_2, "40", dt.date(2026, 2, 1), "next-cycle")
    external(one, "12", dt.date(2023, 8, 1))
    external(one, "50", dt.date(2023, 9, 1), verification="unverified")
    for year in range(2021, 2026):
        past_credit(two, program_2 if year % 2 else program_1, "80", dt.date(year, 12, 31), f"y{year}")
    external(two, "30", dt.date(2024, 1, 1), level="province", category="it_ability")
    past_credit(three, program_1, "24", dt.date(2021, 1, 1), "first-day")
    past_credit(three, program_2, "0.29", dt.date(2022, 3, 1), "fraction")  # 28.999… as a float
    external(three, "8.5", dt.date(2022, 4, 1), level="province")
    past_credit(world.teacher_b, program_2, "500", dt.date(2022, 1, 1), "elsewhere")
    return world


def _cycle(world, **rule) -> HoursCycle:
    return HoursCycle.objects.create(
        region=world.province, region_path=world.province.path, name="2021—2025 年继续教育周期",
        start_date=dt.date(2021, 1, 1), end_date=dt.date(2025, 12, 31), **{"required_hours": Decimal("360"), **rule})


RULES = [
    {},
    {"min_hours_per_year": Decimal("24"), "min_by_level": {"province": "20", "national": "10"},
     "min_by_category": {"it_ability": "50", "ethics": "100"}},
    {"required_hours": Decimal("100"), "min_by_level": {"county": "120"}},
]


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("today", [dt.date(2023, 6, 1), dt.date(2027, 1, 1)])
def test_the_set_based_totals_match_each_teachers_own_standing(histories, rule, today):
    world = histories
    cycle = _cycle(world, **rule)
    county_a = Teacher.objects.filter(org_path__startswith=world.county_a.path + "/")

    with CaptureQueriesContext(connection) as queries:
        totals = cycle_totals(cycle, county_a, today=today)

    assert len(queries) == 1
    assert set(totals) == set(county_a.values_list("pk", flat=True))  # teachers without hours too
    buckets = registry.cycle_buckets(cycle, county_a)
    for teacher in county_a:
        expected = registry.standing(cycle, buckets.get(teacher.pk, ()), today=today)
        got = totals[teacher.pk]
        assert (got.hours, got.shortfall, got.met) == (expected.total.hours, expected.shortfall, expected.met), \
            teacher.name
    assert totals[world.teachers_a[0].pk].hours == Decimal("62")  # 30 + 20 + 12: no reversed pair, no 2026
