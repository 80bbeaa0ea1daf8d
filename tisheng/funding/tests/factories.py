"""Funding test data: a program with the notice's rates, an institution contracted by county A
(its office pays), a 30-hour course, and ledger rows at chosen times."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from tisheng.funding.models import FundingRate, RuralMode
from tisheng.learning.tests.factories import contract, course, enroll, institution
from tisheng.ledger.models import LedgerEntry

_keys = itertools.count(1)


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(10), tzinfo=timezone.get_default_timezone())


def credit(teacher, course_, hours, day: str, *, program=None) -> LedgerEntry:
    return LedgerEntry.objects.create(
        teacher=teacher, program=program or course_.program, category="online", hours=Decimal(str(hours)),
        source_kind="course", source_id=str(course_.pk), idempotency_key=f"t:{next(_keys)}",
        granted_by_system="test", at=at(day))


def reverse(entry: LedgerEntry, day: str) -> LedgerEntry:
    return LedgerEntry.objects.create(
        teacher=entry.teacher, program=entry.program, category=entry.category, hours=-entry.hours,
        source_kind=entry.source_kind, source_id=entry.source_id, idempotency_key=f"r:{next(_keys)}",
        granted_by_system="test", reverses=entry, reason="作弊核查撤销", at=at(day))


class Setting:
    pass


def funding_setting(world, program) -> Setting:
    s = Setting()
    s.program = program
    s.rate = FundingRate.objects.create(program=program, effective_from=dt.date(2015, 1, 1), online_rate=Decimal("3"),
                                        paid_hours_cap=Decimal("50"), rural_mode=RuralMode.PER_TEACHER,
                                        rural_amount=Decimal("100"), note="闽教师〔2015〕号 四（二）")
    s.org, s.inst_user = institution(world, "INST-A", "福建师大网络教育", "13800000101")
    s.other_org, s.other_user = institution(world, "INST-B", "某远程培训机构", "13800000102")
    s.contract = contract(program, s.org, world.county_a)
    s.course = course(program, s.org, "C30", hours="30")
    s.other_course = course(program, s.other_org, "OTHER", hours="10")
    world.school_a2.is_rural = True
    world.school_a2.save()
    enroll(program, *world.teachers_a, world.teacher_a2, world.teacher_b)
    return s
