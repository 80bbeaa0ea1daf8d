"""The 定期注册 list: a county's teachers whose registration falls due, measured against the
cycle that feeds it, with the shortfall by category; a page and an audited .xlsx."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from tisheng.accounts.models import AuditLog
from tisheng.ledger import registration
from tisheng.ledger.models import HoursCycle
from tisheng.ledger.tests.test_registry import external, past_credit
from tisheng.people.tests.factories import TeacherFactory


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


@pytest.fixture
def ending_cycle(world):
    """A cycle ending this year: its teachers register next year."""
    year = timezone.localdate().year
    return HoursCycle.objects.create(
        region=world.province, region_path=world.province.path, name=f"{year - 4}—{year} 年继续教育周期",
        start_date=dt.date(year - 4, 1, 1), end_date=dt.date(year, 12, 31), required_hours=Decimal("100"),
        min_by_category={"it_ability": "50", "ethics": "20"})


@pytest.fixture
def hours(world, program_2, ending_cycle):
    """teachers_a[0] meets the rule; teachers_a[2] has 90 hours, none of them 师德."""
    year = ending_cycle.start_date.year
    done, short = world.teachers_a[0], world.teachers_a[2]
    program_2.registry_category = "it_ability"
    program_2.save()
    past_credit(done, program_2, "60", dt.date(year + 1, 3, 1), "d1")
    external(done, "40", dt.date(year + 2, 8, 1), category="ethics", level="province")
    past_credit(short, program_2, "60", dt.date(year + 1, 3, 1), "s1")
    external(short, "30", dt.date(year + 2, 8, 1), category="subject", level="province")
    external(short, "50", dt.date(year + 2, 9, 1), category="ethics", verification="unverified")  # not counted
    return done, short


def rows_by_name(data):
    return {r.name: r for r in data.rows}


def test_the_county_sees_who_falls_due_next_year_and_what_each_is_short_of(client, world, hours):
    done, short = hours
    client.force_login(world.county_officer)

    response = client.get(reverse("ledger:registration"))

    assert response.status_code == 200
    data = response.context["data"]
    listed = rows_by_name(data)
    assert set(listed) >= {done.name, short.name}
    assert world.teacher_b.name not in listed  # another county's teacher
    assert listed[done.name].standing.met
    s = listed[short.name].standing
    assert not s.met
    assert s.total.hours == Decimal("90")
    assert s.shortfall == Decimal("20")
    assert listed[short.name].unmet_text() == "合计差 10；师德师风差 20"
    page = response.content.decode()
    assert "20 学时" in page or "差 20" in page
    assert data.start == dt.date(timezone.localdate().year + 1, 1, 1)


def test_the_export_has_every_teacher_with_the_shortfall_by_category_and_is_audited(client, world, hours):
    done, short = hours
    client.force_login(world.county_officer)

    response = client.get(reverse("ledger:registration_export"), {"county": world.county_a.pk, "unmet": "1"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "序号")
    assert header[:11] == ["序号", "姓名", "身份证号", "学校", "学段", "学科", "继续教育周期", "周期学时", "应修学时",
                           "是否达标", "差额学时"]
    assert header[11:15] == ["信息技术应用能力学时", "信息技术应用能力差额", "师德师风学时", "师德师风差额"]
    line = next(r for r in rows if r[1] == short.name)
    assert line[7:11] == [90, 100, "未达标", 20]
    assert line[13:15] == [0, 20]
    assert line[2] == short.national_id  # the registration system keys by it; the office may see it
    assert next(r for r in rows if r[1] == done.name)[9] == "达标"  # the file has everyone
    log = AuditLog.objects.get(action="exported", detail__kind="registration_due")
    assert log.actor == world.county_officer
    assert log.scope_path == world.county_a.path
    assert log.detail["unmet"] >= 1
    assert log.detail["full_ids"] is True


def test_the_province_picks_a_county_and_the_outsider_and_a_teacher_get_404(client, world, hours):
    client.force_login(world.province_officer)
    response = client.get(reverse("ledger:registration"), {"county": world.county_a.pk})
    assert response.status_code == 200
    assert response.context["county"] == world.county_a
    assert {c.pk for c in response.context["counties"]} >= {world.county_a.pk, world.county_b.pk}

    client.force_login(world.outsider)
    for name in ("ledger:registration", "ledger:registration_export"):
        assert client.get(reverse(name), {"county": world.county_a.pk}).status_code == 404
    own = client.get(reverse("ledger:registration")).context["data"]
    assert hours[0].name not in rows_by_name(own)

    client.force_login(world.teacher.user)
    assert client.get(reverse("ledger:registration")).status_code == 404
    assert not AuditLog.objects.filter(detail__kind="registration_due").exists()


def test_a_range_that_ends_before_it_starts_is_refused_with_a_message_and_the_list_still_shows(client, world, hours):
    client.force_login(world.county_officer)

    response = client.get(reverse("ledger:registration"), {"start": "2027-06-01", "end": "2027-01-01"}, follow=True)

    assert zh(registration.REGISTRATION_RANGE_INVALID) in response.content.decode()
    assert response.context["data"].rows  # next year's list instead
    export = client.get(reverse("ledger:registration_export"), {"year": "abc"}, follow=True)
    assert zh(registration.REGISTRATION_RANGE_INVALID) in export.content.decode()


def test_a_year_with_no_cycle_ending_lists_nobody_and_says_why(client, world, hours):
    client.force_login(world.county_officer)

    response = client.get(reverse("ledger:registration"), {"year": "2031"})

    assert response.context["data"].rows == []
    assert 'data-testid="registration-empty"' in response.content.decode()


def test_the_lists_queries_do_not_grow_with_its_teachers(client, world, hours):
    client.force_login(world.county_officer)
    url = reverse("ledger:registration_export")
    client.get(url)  # the session's first request loads what later ones find cached
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        TeacherFactory(school=world.school_a)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url)
    assert response.status_code == 200
    assert len(more) == len(few)
