"""ledger_credit_many: many system credits at once (a termination's carry-over), each key once,
the enrollments re-evaluated as ledger_credit would."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tisheng.ledger.models import LedgerEntry
from tisheng.ledger.services import ledger_credit, ledger_credit_many


def _rows(program, teachers, hours="2", source_id="c1"):
    return [LedgerEntry(teacher=t, program=program, category="online", hours=Decimal(hours), source_kind="carry",
                        source_id=source_id, idempotency_key=f"k:{t.pk}:{source_id}", granted_by_system="bench")
            for t in teachers]


def test_each_key_is_credited_once_and_the_enrollments_follow(world, program_1, enrolled_1):
    teachers = world.teachers_a[:2]
    assert len(ledger_credit_many(_rows(program_1, teachers))) == 2
    assert ledger_credit_many(_rows(program_1, teachers)) == []
    assert LedgerEntry.objects.count() == 2
    for t in teachers:
        enrolled_1[t.pk].refresh_from_db()
        assert enrolled_1[t.pk].online_hours == Decimal("2")


def test_a_key_ledger_credit_used_first_credits_nothing_more(world, program_1, enrolled_1):
    t = world.teachers_a[0]
    ledger_credit(teacher=t, program=program_1, category="online", hours="2", source_kind="carry", source_id="c1",
                  granted_by_system="bench", idempotency_key=f"k:{t.pk}:c1")
    new = ledger_credit_many(_rows(program_1, [t, world.teachers_a[1]]))
    assert [e.teacher_id for e in new] == [world.teachers_a[1].pk]
    assert LedgerEntry.objects.filter(teacher=t).count() == 1
    assert LedgerEntry.objects.count() == 2


def test_a_row_without_hours_or_grantor_is_refused(world, program_1):
    rows = _rows(program_1, world.teachers_a[:1], hours="0")
    with pytest.raises(ValidationError):
        ledger_credit_many(rows)
    assert not LedgerEntry.objects.exists()
