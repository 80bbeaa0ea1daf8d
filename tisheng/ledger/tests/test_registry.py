"""The continuing-education registry: every credited hour by category and level, measured
against the province's cycles; scoped like the teacher."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from tisheng.ledger import registry
from tisheng.ledger.cycles import CYCLE_LEVEL_MINIMUMS_OVER
from tisheng.ledger.models import ExternalHoursImport, ExternalHoursRecord, HoursCycle, LedgerEntry
from tisheng.ledger.services import ledger_reverse
from tisheng.people.models import Teacher

SHANGHAI = ZoneInfo("Asia/Shanghai")


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)




def past_credit(teacher, program, hours, when: dt.date, source_id: str) -> LedgerEntry:
    return LedgerEntry.objects.create(
        teacher=teacher, program=program, category="online", hours=Decimal(hours), source_kind="course",
        source_id=source_id, idempotency_key=f"t:{teacher.pk}:{source_id}", granted_by_system="test",
        at=dt.datetime.combine(when, dt.time(10), tzinfo=SHANGHAI))


def external(teacher, hours, when: dt.date, *, verification="verified", level="national", category="it_ability",
             key=None) -> ExternalHoursRecord:
    batch = ExternalHoursImport.objects.create(filename="export.xlsx", sha256="0" * 64, source="national_platform",
                                               verification=verification, scope_path="35")
    return ExternalHoursRecord.objects.create(
        teacher=teacher, org_path=teacher.org_path, batch=batch, source="national_platform", platform="国家智慧教育平台",
        title="2024年暑期教师研修", category=category, level=level, hours=Decimal(hours), earned_on=when,
        verification=verification, record_key=key or f"k:{teacher.pk}:{when}:{hours}:{verification}")


@pytest.fixture
def cycle(world):
    return HoursCycle.objects.create(
        region=world.province, region_path=world.province.path, name="2021—2025 年继续教育周期",
        start_date=dt.date(2021, 1, 1), end_date=dt.date(2025, 12, 31), required_hours=Decimal("360"),
        min_hours_per_year=Decimal("24"), min_by_level={"province": "20", "national": "10"},
        min_by_category={"it_ability": "50"})


def test_every_standing_credit_and_verified_outside_record_counts_in_its_cycle(world, program_2, program_1, cycle):
    teacher = world.teacher
    past_credit(teacher, program_1, "30", dt.date(2021, 3, 1), "a")
    past_credit(teacher, program_2, "20", dt.date(2022, 5, 1), "b")
    cancelled = past_credit(teacher, program_2, "99", dt.date(2022, 6, 1), "c")
    ledger_reverse(entry=cancelled, actor=world.province_officer, reason="重复计入")
    past_credit(teacher, program_2, "40", dt.date(2026, 2, 1), "next-cycle")
    external(teacher, "12", dt.date(2023, 8, 1))
    external(teacher, "50", dt.date(2023, 9, 1), verification="unverified")

    rows = registry.registry_rows(teacher)
    [standing] = registry.teacher_standings(teacher, rows, today=dt.date(2026, 3, 1))

    assert [r.hours for r in rows] == [Decimal("30"), Decimal("20"), Decimal("12"), Decimal("50"), Decimal("40")]
    assert standing.total.hours == Decimal("62")  # 30 + 20 + 12 verified; the reversed pair and 2026 left out
    assert {m.label: m.hours for m in standing.by_level} == {"国家级": Decimal("12"), "省级": Decimal("50")}
    assert standing.shortfall == Decimal("298")
    assert {m.label for m in standing.unmet} >= {"合计", "2024 年", "2025 年"}


def test_a_cycle_in_progress_says_what_is_short_without_calling_this_year_unmet(world, program_2, cycle):
    past_credit(world.teacher, program_2, "30", dt.date(2021, 3, 1), "a")
    [standing] = registry.teacher_standings(world.teacher, registry.registry_rows(world.teacher),
                                            today=dt.date(2022, 6, 1))
    years = {m.label: (m.hours, m.in_progress) for m in standing.by_year}
    assert years == {"2021 年": (Decimal("30"), False), "2022 年": (Decimal("0"), True)}
    assert {m.label for m in standing.unmet} == {"合计", "国家级", "信息技术应用能力"}  # not 2022: still running
    assert standing.shortfall == Decimal("330")


def test_the_bulk_totals_agree_with_the_teachers_page(world, program_2, program_1, cycle):
    past_credit(world.teacher, program_1, "30", dt.date(2021, 3, 1), "a")
    cancelled = past_credit(world.teacher, program_2, "99", dt.date(2022, 6, 1), "c")
    ledger_reverse(entry=cancelled, actor=world.province_officer, reason="重复计入")
    external(world.teacher, "12", dt.date(2023, 8, 1))
    external(world.teacher_b, "8", dt.date(2023, 8, 1))
    past_credit(world.teacher_b, program_2, "5", dt.date(2025, 12, 31), "late")

    buckets = registry.cycle_buckets(cycle, Teacher.objects.all())

    page = registry.teacher_standings(world.teacher, registry.registry_rows(world.teacher))[0]
    assert registry.standing(cycle, buckets[world.teacher.pk]).total.hours == page.total.hours == Decimal("42")
    assert registry.standing(cycle, buckets[world.teacher_b.pk]).total.hours == Decimal("13")


def test_a_teacher_sees_their_registry_with_each_cycle_against_its_rule(client, world, program_2, cycle):
    past_credit(world.teacher, program_2, "20", dt.date(2022, 5, 1), "b")
    external(world.teacher, "12", dt.date(2023, 8, 1))
    client.force_login(world.teacher.user)
    response = client.get(reverse("ledger:my_registry"))
    assert response.status_code == 200
    text = response.text
    assert "2021—2025 年继续教育周期" in text
    assert "32 / 360" in text
    assert "国家智慧教育平台" in text
    assert "提升工程2.0" in text
    assert "信息技术应用能力" in text
    assert "省级" in text


def test_the_registry_page_costs_the_same_queries_for_many_rows(client, world, program_2, cycle,
                                                                django_assert_max_num_queries):
    client.force_login(world.teacher.user)
    for i in range(3):
        past_credit(world.teacher, program_2, "2", dt.date(2022, 5, 1 + i), f"q{i}")
    client.get(reverse("ledger:my_registry"))
    for i in range(20):
        past_credit(world.teacher, program_2, "2", dt.date(2023, 5, 1 + i), f"r{i}")
        external(world.teacher, "1", dt.date(2024, 5, 1 + i))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("ledger:my_registry"))
    assert response.text.count("<tr>") >= 43


def test_the_school_sees_its_teachers_registry_and_others_get_404(client, world, program_2, cycle):
    url = reverse("ledger:teacher_registry", args=[world.teacher.pk])
    client.force_login(world.principal)
    assert client.get(url).status_code == 200
    client.force_login(world.county_officer)
    assert client.get(url).status_code == 200
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    client.force_login(world.teachers_a[2].user)  # a colleague sees only their own
    assert client.get(url).status_code == 404


def test_the_province_sets_a_cycle_with_minimums_per_level_category_and_year(client, world):
    client.force_login(world.province_officer)
    assert client.get(reverse("ledger:cycles")).status_code == 200
    response = client.post(reverse("ledger:cycles"), {
        "name": "2026—2030 年继续教育周期", "start_date": "2026-01-01", "end_date": "2030-12-31",
        "required_hours": "360", "min_hours_per_year": "24", "level_province": "72", "level_school": "120",
        "category_ethics": "30", "category_it_ability": "50"}, follow=True)
    cycle = HoursCycle.objects.get()
    assert (cycle.region, cycle.required_hours, cycle.min_by_level, cycle.min_by_category) == (
        world.province, Decimal("360"), {"province": "72", "school": "120"},
        {"ethics": "30", "it_ability": "50"})
    assert "2026—2030 年继续教育周期" in response.text
    assert response.redirect_chain[-1][0] == reverse("ledger:cycles")


def test_a_cycle_whose_minimums_exceed_its_hours_is_refused_and_nothing_saved(client, world):
    client.force_login(world.province_officer)
    response = client.post(reverse("ledger:cycles"), {
        "name": "错误周期", "start_date": "2026-01-01", "end_date": "2030-12-31", "required_hours": "100",
        "level_province": "72", "level_school": "120"})
    assert response.status_code == 400
    assert escape(zh(CYCLE_LEVEL_MINIMUMS_OVER)) in response.text
    assert response.context["form"]["level_province"].value() == "72"  # what was typed is kept
    assert not HoursCycle.objects.exists()


def test_only_the_province_office_sets_cycles(client, world, cycle):
    client.force_login(world.county_officer)
    assert client.get(reverse("ledger:cycles")).status_code == 403
    client.force_login(world.outsider)
    assert client.get(reverse("ledger:cycle_edit", args=[cycle.pk])).status_code == 403
