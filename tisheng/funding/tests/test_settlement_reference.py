"""The set-based drafting (settlement.py: one SQL pass, INSERT … SELECT of the teacher rows)
against a plain per-teacher walk through the ledger written here in Python: a small random
world with caps reached, reversals in and before the period, rural teachers, a teacher nobody
enrolled, a city contract under which a county contract pays, an xAPI credit and a teacher of
another county whose institution has no contract there."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tisheng.funding import services
from tisheng.funding.models import FundingRate, LineKind, RuralMode, Statement, StatementTeacher
from tisheng.funding.tests.factories import at, credit, funding_setting, reverse
from tisheng.integration.models import StatementOutcome
from tisheng.learning.models import Contract, Course
from tisheng.learning.tests.factories import contract
from tisheng.ledger.models import LedgerEntry
from tisheng.people.models import Teacher
from tisheng.people.tests.factories import TeacherFactory
from tisheng.programs.models import Enrollment

CENT = Decimal("0.01")
MARCH = (dt.date(2016, 3, 1), dt.date(2016, 3, 31))
APRIL = (dt.date(2016, 4, 1), dt.date(2016, 4, 30))
FIELDS = ("org_path", "is_rural", "credited_hours", "reversed_hours", "paid_hours", "adjustment_hours",
          "adjustment_paid_hours", "paid_before", "rural_amount")


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)  # 四舍五入


def reference(program, start: dt.date, end: dt.date, rate: FundingRate) -> dict[tuple[int, int], dict]:
    """Per (paying contract, teacher): the statement row, computed one teacher at a time."""
    lo, hi = at(start.isoformat()).replace(hour=0), at(end.isoformat()).replace(hour=0) + dt.timedelta(days=1)
    cap = rate.paid_hours_cap
    contracts = list(Contract.objects.filter(program=program))
    course_institution = {str(c.pk): c.institution_id for c in Course.objects.all()}
    outcome_institution = {o.entry_id: o.institution_id for o in StatementOutcome.objects.exclude(entry=None)}
    enrolled = set(Enrollment.objects.filter(program=program).values_list("teacher_id", flat=True))
    teachers = {t.pk: t for t in Teacher.objects.select_related("school")}

    def clamp(x: Decimal) -> Decimal:
        return min(max(x, Decimal(0)), cap)

    def paying(institution_id, org_path):
        over = [k for k in contracts if k.institution_id == institution_id
                and org_path.startswith(k.region_path + "/")]
        return max(over, key=lambda k: len(k.region_path), default=None)

    entries = defaultdict(list)
    for e in (LedgerEntry.objects.filter(program=program, category="online", at__lt=hi).select_related("reverses")
              .order_by("teacher_id", "at", "id")):
        entries[e.teacher_id].append(e)
    result: dict[tuple[int, int], dict] = {}
    for teacher_id, rows in entries.items():
        teacher, cum, paid_before = teachers[teacher_id], Decimal(0), Decimal(0)
        figures: dict[int, dict] = {}
        for e in rows:
            paid = clamp(cum + e.hours) - clamp(cum)
            cum += e.hours
            if e.at < lo:
                paid_before += paid
                continue
            institution = (course_institution.get(e.source_id) if e.source_kind == "course"
                           else outcome_institution.get(e.reverses_id or e.id))
            k = paying(institution, teacher.org_path)
            if k is None or teacher_id not in enrolled:
                continue
            f = figures.setdefault(k.pk, defaultdict(Decimal))
            if e.reverses_id is None:
                f["credited_hours"] += e.hours
                f["paid_hours"] += paid
            elif e.reverses.at >= lo:
                f["reversed_hours"] += e.hours
                f["paid_hours"] += paid
            else:
                f["adjustment_hours"] += e.hours
                f["adjustment_paid_hours"] += paid
        for contract_id, f in figures.items():
            rural = Decimal(0)
            if teacher.school.is_rural and rate.rural_mode == RuralMode.PER_TEACHER and paid_before <= 0 < f["paid_hours"]:
                rural = rate.rural_amount
            elif teacher.school.is_rural and rate.rural_mode == RuralMode.PER_HOUR:
                rural = money((f["paid_hours"] + f["adjustment_paid_hours"]) * rate.rural_amount)
            result[contract_id, teacher_id] = {
                "org_path": teacher.org_path, "is_rural": teacher.school.is_rural,
                **{name: money(f[name]) for name in ("credited_hours", "reversed_hours", "paid_hours",
                                                     "adjustment_hours", "adjustment_paid_hours")},
                "paid_before": money(paid_before), "rural_amount": money(rural)}
    return result


def expected_totals(rows: list[dict], rate: FundingRate) -> dict:
    paid = sum((r["paid_hours"] for r in rows), Decimal(0))
    adjust = sum((r["adjustment_paid_hours"] for r in rows), Decimal(0))
    if rate.rural_mode == RuralMode.PER_HOUR:
        rural_hours = sum((r["paid_hours"] + r["adjustment_paid_hours"] for r in rows if r["is_rural"]), Decimal(0))
        rural = money(rural_hours * rate.rural_amount)
    else:
        rural = money(sum(1 for r in rows if r["rural_amount"]) * rate.rural_amount)
    return {"teachers": len(rows), "paid_hours": paid + adjust,
            "amount": money(paid * rate.online_rate) + money(adjust * rate.online_rate), "rural_amount": rural}


def random_ledger(world, s, seed: int) -> None:
    """Credits of 2.5–30 h from February to April, 1 in 5 reversed a few days to weeks later."""
    rnd = random.Random(seed)
    xapi_course = s.other_course
    stranger = TeacherFactory(school=world.school_a, name="未报名教师")  # credited, never enrolled
    people = [*world.teachers_a, world.teacher_a2, world.teacher_b, stranger]
    for n in range(60):
        teacher = rnd.choice(people)
        # one teacher only ever learns with one institution: the path without the window
        course_ = s.course if teacher == world.teachers_a[2] else rnd.choice([s.course, s.course, s.other_course])
        day = dt.date(2016, 2, 1) + dt.timedelta(days=rnd.randrange(88))
        hours = rnd.choice(["2.5", "5", "7.25", "10", "12.5", "30"])
        if course_ is xapi_course and n % 3 == 0:  # credited through a completion statement
            entry = LedgerEntry.objects.create(
                teacher=teacher, program=s.program, category="online", hours=Decimal(hours), source_kind="xapi",
                source_id=f"stmt-{n}", idempotency_key=f"x:{seed}:{n}", granted_by_system="test",
                at=at(day.isoformat()))
            StatementOutcome.objects.create(statement_id=f"stmt-{seed}-{n}", institution=s.other_org, verb="completed",
                                            teacher=teacher, entry=entry, hours=entry.hours, day=day)
        else:
            entry = credit(teacher, course_, hours, day.isoformat())
        if rnd.random() < 0.2:
            reverse(entry, (day + dt.timedelta(days=rnd.randrange(1, 40))).isoformat())


@pytest.fixture
def s(world, program_1):
    s = funding_setting(world, program_1)
    contract(program_1, s.org, world.city_a)  # the county's own contract pays for county A's teachers
    contract(program_1, s.other_org, world.province)
    return s


@pytest.mark.parametrize(("seed", "mode", "amount"), [(1, RuralMode.PER_TEACHER, "100"),
                                                      (2, RuralMode.PER_HOUR, "0.35"),
                                                      (3, RuralMode.PER_HOUR, "1.5")])
def test_drafting_all_statements_matches_a_per_teacher_walk_through_the_ledger(world, s, seed, mode, amount):
    FundingRate.objects.filter(pk=s.rate.pk).update(rural_mode=mode, rural_amount=Decimal(amount))
    s.rate.refresh_from_db()
    random_ledger(world, s, seed)

    for start, end in (MARCH, APRIL):
        expected = reference(s.program, start, end, s.rate)
        made = services.statements_draft_all(program=s.program, start=start, end=end)

        got = {}
        for row in StatementTeacher.objects.filter(statement__in=made).select_related("statement"):
            contract_id = Contract.objects.get(program=s.program, institution_id=row.statement.institution_id,
                                               region_id=row.statement.region_id).pk
            got[contract_id, row.teacher_id] = {name: getattr(row, name) for name in FIELDS}
        assert got == expected
        for st in made:
            k = Contract.objects.get(program=s.program, institution_id=st.institution_id, region_id=st.region_id)
            rows = [r for (c, _t), r in expected.items() if c == k.pk]
            assert {name: getattr(st, name) for name in ("teachers", "paid_hours", "amount", "rural_amount")} == \
                expected_totals(rows, s.rate)
            lines = {ln.kind: ln for ln in st.lines.all()}
            assert lines[LineKind.ONLINE].quantity == sum((r["paid_hours"] for r in rows), Decimal(0))
        assert len(made) == len({c for c, _t in expected})
    assert Statement.objects.filter(program=s.program).count() >= 2
