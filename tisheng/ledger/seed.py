"""`tisheng seed`: the demo county's continuing-education registries. The province's cycles
(2022—2026, which ends this year, so its 定期注册 list is next year's, and 2027—2031), two
more programs of other levels and categories (a county 师德 programme, a city subject
programme) credited over the years through the ledger, and a national smart-education
platform export imported through the import itself, one record of it still to be verified.
Every demo-school teacher then has hours of three programs or more; a third meet the cycle.

Registration dates (教师资格注册有效期) go in through the roster import's store: of the demo
county's teachers, half fall due next year on dates spread over its months, a quarter later, and
a quarter have no date on record, so next year's 定期注册 list shows both kinds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from tisheng.ledger.cycles import cycle_save
from tisheng.ledger.external import external_import_file
from tisheng.ledger.models import HoursCycle
from tisheng.ledger.registration_dates import registrations_store
from tisheng.ledger.services import ledger_credit
from tisheng.orgs.models import Region, RegionLevel
from tisheng.people.models import Teacher
from tisheng.programs.models import Program

SHANGHAI = ZoneInfo("Asia/Shanghai")
SMALL_RULES = {"version": 1, "required_hours": "12", "min_hours": {"offline": "12"}}
PROGRAMS = (
    ("gulou-2022", "鼓楼区中小学教师师德师风专题培训", "ethics", "county"),
    ("fuzhou-2022", "福州市中小学学科骨干教师研修", "subject", "city"),
)


def _at(year: int, month: int, day: int = 15) -> dt.datetime:
    return dt.datetime(year, month, day, 10, tzinfo=SHANGHAI)


def ledger_seed_demo(*, school_code: str) -> str:
    province = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("path").first()
    teachers = list(Teacher.objects.filter(school__code=school_code, status="active").order_by("pk"))
    if province is None or not teachers or HoursCycle.objects.exists():
        return "-"
    cycle_save(actor=None, region=province, data={
        "name": "2022—2026 年继续教育周期", "start_date": dt.date(2022, 1, 1), "end_date": dt.date(2026, 12, 31),
        "required_hours": Decimal("360"), "min_hours_per_year": Decimal("24"),
        "level_national": Decimal("20"), "category_it_ability": Decimal("50"), "category_ethics": Decimal("24")})
    cycle_save(actor=None, region=province, data={
        "name": "2027—2031 年继续教育周期", "start_date": dt.date(2027, 1, 1), "end_date": dt.date(2031, 12, 31),
        "required_hours": Decimal("360"), "min_hours_per_year": Decimal("24"),
        "category_it_ability": Decimal("50"), "category_ethics": Decimal("24")})
    ethics, subject = (Program.objects.filter(code=code).first() or Program.objects.create(
        code=code, name=name, status="closed", start_date=dt.date(2022, 1, 1), end_date=dt.date(2026, 12, 31),
        reference_date=dt.date(2022, 1, 1), rules=SMALL_RULES, registry_category=category, registry_level=level)
        for code, name, category, level in PROGRAMS)
    credits = 0
    for i, teacher in enumerate(teachers):
        plan = [(ethics, year, 3, Decimal(24 if year == 2026 else 12)) for year in range(2022, 2027)
                if not (i % 5 == 4 and year == 2024)]
        plan += [(subject, 2023, 7, Decimal(40)), (subject, 2025, 7, Decimal(40))]
        if i % 3 == 0:  # a third also did the city's long backbone programme: they meet the cycle
            plan += [(subject, 2022, 8, Decimal(96)), (subject, 2024, 8, Decimal(96))]
        for program, year, month, hours in plan:
            ledger_credit(teacher=teacher, program=program, category="offline", hours=hours, source_kind="offline",
                          source_id=f"{program.code}-{year}", granted_by_system="seed", at=_at(year, month))
            credits += 1
    lines = ["姓名,身份证号,培训名称,学时,完成日期,证书编号"]
    for teacher in teachers:
        for title, day, hours in (("2023年寒假教师研修", "2023-02-20", 10), ("2023年暑期教师研修", "2023-08-25", 10),
                                  ("2024年暑期教师研修", "2024-08-25", 10), ("2025年寒假教师研修", "2025-02-18", 10),
                                  ("2025年暑期教师研修", "2025-08-22", 10)):
            lines.append(f"{teacher.name},{teacher.national_id},{title},{hours},{day},"
                         f"ZXJY{day[:4]}{day[5:7]}{teacher.pk:06d}")
    content = ("\n".join(lines) + "\n").encode()
    batch = external_import_file(actor=None, content=content, filename="国家智慧教育平台研修学时导出.csv",
                                 source="national_platform", verification="verified", mode="valid_only")
    # One more record, from another province's record of a transferred teacher, still to be verified.
    first = teachers[0]
    external_import_file(
        actor=None, filename="外省转入学时.csv", source="other_province", verification="unverified",
        mode="valid_only", content=(f"姓名,身份证号,培训名称,学时,完成日期,类别,级别\n{first.name},{first.national_id},"
                                    "江西省2022年中小学教师全员培训,24,2022-11-30,学科,省级\n").encode())
    dated = _registration_dates(teachers[0].org_path.rsplit("/", 1)[0])
    return f"2 cycles, {credits} credits, {batch.created + 1} outside records, {dated} registration dates"


def _registration_dates(county_path: str) -> int:
    year = timezone.localdate().year + 1
    ids = list(Teacher.objects.filter(org_path__startswith=county_path + "/", status="active")
               .order_by("org_path", "pk").values_list("pk", flat=True))
    values = {}
    for i, tid in enumerate(ids):
        if i % 4 == 3:
            continue  # no date on record: the list falls back to the province cycle
        later = i % 4 == 2
        values[tid] = dt.date(year + (1 + i % 3 if later else 0), 1 + (i * 5) % 12, 1 + (i * 7) % 28)
    return registrations_store(values, actor=None, source="seed", scope_path=county_path)
