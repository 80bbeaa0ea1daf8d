"""The 定期注册 list by each teacher's own date: a teacher falls due on their own
`valid_until`, measured over the five years before it by the rule of the cycle that window
overlaps most; a teacher with no date falls back to the province cycle and says so."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tisheng.ledger import registration
from tisheng.ledger.models import HoursCycle, TeacherRegistration
from tisheng.ledger.registration_windows import WindowBook, add_years, rule_for, window_standing, window_start
from tisheng.ledger.tests.test_registry import external, past_credit
from tisheng.people.tests.factories import TeacherFactory


def cycle(world, start_year: int, years: int = 5, **minimums) -> HoursCycle:
    return HoursCycle.objects.create(
        region=world.province, region_path=world.province.path, name=f"{start_year}—{start_year + years - 1} 年继续教育周期",
        start_date=dt.date(start_year, 1, 1), end_date=dt.date(start_year + years - 1, 12, 31),
        required_hours=Decimal("100"), **minimums)


def register(teacher, valid_until: dt.date) -> TeacherRegistration:
    return TeacherRegistration.objects.create(teacher=teacher, valid_until=valid_until, source="school")


@pytest.fixture
def next_year(world, program_2):
    """A cycle ending this year (its teachers without a date register next year); teachers_a[0]
    falls due in March next year, teachers_a[1] the year after; teachers_a[2] has no date."""
    year = timezone.localdate().year
    ending = cycle(world, year - 4, min_by_category={"ethics": "20"})
    program_2.registry_category = "it_ability"
    program_2.save()
    own, later, none = world.teachers_a
    due = dt.date(year + 1, 3, 14)
    register(own, due)
    register(later, dt.date(year + 2, 6, 30))
    start = window_start(due)  # 15 March, five years before
    past_credit(own, program_2, "70", start + dt.timedelta(days=1), "in-window")
    past_credit(own, program_2, "90", start - dt.timedelta(days=20), "before-window")  # in the cycle, not the window
    external(own, "20", start + dt.timedelta(days=400), category="ethics", level="province")
    past_credit(none, program_2, "90", dt.date(year - 4, 2, 1), "cycle")  # in the cycle
    return ending, due


def test_a_teacher_falls_due_on_their_own_date_and_is_measured_over_their_own_five_years(client, world, next_year):
    ending, due = next_year
    own, later, none = world.teachers_a
    client.force_login(world.county_officer)

    response = client.get(reverse("ledger:registration"))

    data = response.context["data"]
    rows = {r.name: r for r in data.rows}
    assert later.name not in rows  # their own date is the year after
    mine = rows[own.name]
    assert mine.valid_until == due
    assert mine.standing.cycle.start_date == dt.date(due.year - 5, 3, 15)
    assert mine.standing.total.hours == Decimal("90")  # 70 + 20, not the 90 before the window
    assert mine.standing.total.minimum == Decimal("100")  # the rule of the cycle it overlaps most
    assert not mine.standing.met
    assert mine.unmet_text() == "合计差 10"
    fallback = rows[none.name]
    assert not fallback.on_record
    assert fallback.standing.cycle == ending
    assert fallback.standing.total.hours == Decimal("90")
    assert data.missing_count == 2  # and the kindergarten's teacher
    page = response.content.decode()
    assert page.count('data-testid="registration-not-on-record"') == 2
    assert f"{due:%Y-%m-%d}" in page

    only_missing = client.get(reverse("ledger:registration"), {"missing": "1"}).context["page"]
    assert {r.name for r in only_missing} == {none.name, world.teacher_a2.name}


def test_the_export_says_whose_date_is_not_on_record_and_what_each_line_is_measured_by(client, world, next_year):
    _ending, due = next_year
    own, _later, none = world.teachers_a
    client.force_login(world.county_officer)

    response = client.get(reverse("ledger:registration_export"))

    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert any(r[0] and "未登记资格注册有效期" in str(r[0]) for r in rows)
    header = next(r for r in rows if r[0] == "序号")
    assert header[-2:] == ["资格注册有效期至", "学时核算依据"]
    mine = next(r for r in rows if r[1] == own.name)
    assert mine[6] == f"本人注册周期 {window_start(due):%Y-%m-%d}—{due:%Y-%m-%d}"
    assert mine[-2] == f"{due:%Y-%m-%d}"
    assert "规则" in mine[-1]
    theirs = next(r for r in rows if r[1] == none.name)
    assert theirs[-2] == "未登记"
    assert theirs[-1].startswith("注册有效期未登记")


def test_a_window_across_two_cycles_takes_the_rule_it_overlaps_most_and_counts_its_own_years(world):
    old = cycle(world, 2017, min_hours_per_year=Decimal("10"))
    new = cycle(world, 2022, min_hours_per_year=Decimal("10"), min_by_category={"ethics": "30"})
    three = cycle(world, 2012, years=3)

    assert rule_for(dt.date(2019, 3, 1), dt.date(2024, 2, 28), [old, new])[0] == old
    assert rule_for(dt.date(2020, 9, 1), dt.date(2025, 8, 31), [old, new])[0] == new
    assert rule_for(dt.date(2012, 1, 1), dt.date(2016, 12, 31), [three]) == (three, Decimal(5) / Decimal(3))
    assert rule_for(dt.date(2000, 1, 1), dt.date(2004, 12, 31), [old, new]) == (None, Decimal(1))

    window = WindowBook([old, new, three]).window(dt.date(2025, 8, 31))
    assert window.rule == new
    assert window.min_by_category == {"ethics": "30"}
    s = window_standing(window, [(dt.date(2020, 9, 1), "county", "ethics", Decimal(12)),
                                 (dt.date(2021, 8, 31), "county", "ethics", Decimal(5)),
                                 (dt.date(2021, 9, 1), "county", "subject", Decimal(40))], today=dt.date(2026, 1, 1))
    assert [(m.label, m.hours) for m in s.by_year[:2]] == [("第 1 年（2020-09-01 起）", Decimal(17)),
                                                           ("第 2 年（2021-09-01 起）", Decimal(40))]
    assert [m.label for m in s.unmet][:3] == ["合计", "师德师风", "第 3 年（2022-09-01 起）"]
    scaled = WindowBook([three]).window(dt.date(2016, 12, 31))
    assert scaled.required_hours == Decimal("166.67")
    assert "折算" in scaled.rule_text


def test_with_no_cycle_at_all_a_teachers_own_date_still_lists_them_by_the_moe_rule(client, world):
    teacher = world.teachers_a[0]
    register(teacher, add_years(timezone.localdate(), 1))
    client.force_login(world.county_officer)

    data = client.get(reverse("ledger:registration")).context["data"]

    [row] = data.rows
    assert row.standing.total.minimum == Decimal("360")
    assert "教育部默认规则" in row.basis_text()


def test_the_lists_queries_do_not_grow_with_teachers_of_different_dates(client, world, next_year):
    client.force_login(world.county_officer)
    url = reverse("ledger:registration_export")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    year = timezone.localdate().year
    for day in range(1, 6):
        register(TeacherFactory(school=world.school_a), dt.date(year + 1, day, day + 10))
    with CaptureQueriesContext(connection) as more:
        response = client.get(url)
    assert response.status_code == 200
    assert len(more) == len(few)
    assert len(registration.registration_due(world.county_officer, county=world.county_a,
                                             **dict(zip(("start", "end"), registration.registration_range(year + 1),
                                                        strict=True))).rows) == 8


def test_the_demo_spreads_due_dates_and_next_years_list_shows_both_kinds(world):
    from tisheng.ledger.seed import ledger_seed_demo

    ledger_seed_demo(school_code=world.school_a.code)

    year = timezone.localdate().year + 1
    dated = dict(TeacherRegistration.objects.values_list("teacher_id", "valid_until"))
    assert len(dated) == 3
    assert world.teacher_a2.pk not in dated
    data = registration.registration_due(world.county_officer, county=world.county_a,
                                         start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    assert {r.on_record for r in data.rows} == {True, False}
    assert data.missing_count == 1
