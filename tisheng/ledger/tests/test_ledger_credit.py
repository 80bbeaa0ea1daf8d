from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from tisheng.ledger.models import LedgerEntry
from tisheng.ledger.services import (
    CREDIT_HOURS_POSITIVE,
    CREDIT_KEY_CONFLICT,
    REVERSAL_ALREADY_DONE,
    REVERSAL_OF_REVERSAL,
    REVERSAL_REASON_REQUIRED,
    ledger_credit,
    ledger_reverse,
)


def credit(world, program, hours="10", teacher=None, source_id="c1", category="online", **kw):
    return ledger_credit(teacher=teacher or world.teacher, program=program, category=category, hours=hours,
                         source_kind="course", source_id=source_id, granted_by_system="learning", **kw)


def test_crediting_the_same_source_twice_credits_once(world, program_1, enrolled_1):
    first = credit(world, program_1)
    again = credit(world, program_1)
    assert first.created
    assert not again.created
    assert again.pk == first.pk
    assert LedgerEntry.objects.count() == 1
    enrolled_1[world.teacher.pk].refresh_from_db()
    assert enrolled_1[world.teacher.pk].online_hours == Decimal("10")


def test_the_same_course_completed_by_two_teachers_is_two_credits(world, program_1):
    credit(world, program_1, teacher=world.teachers_a[0])
    credit(world, program_1, teacher=world.teachers_a[1])
    assert LedgerEntry.objects.count() == 2


def test_a_duplicate_key_inside_a_larger_transaction_leaves_that_transaction_usable(world, program_1):
    with transaction.atomic():
        credit(world, program_1)
        credit(world, program_1)
        credit(world, program_1, source_id="c2")
    assert LedgerEntry.objects.count() == 2


def test_reusing_a_key_for_different_hours_is_refused(world, program_1):
    credit(world, program_1, idempotency_key="k1")
    with pytest.raises(ValidationError) as error:
        credit(world, program_1, hours="20", source_id="c2", idempotency_key="k1")
    assert error.value.messages == [str(CREDIT_KEY_CONFLICT)]


def test_zero_or_negative_hours_are_not_a_credit(world, program_1):
    with pytest.raises(ValidationError) as error:
        credit(world, program_1, hours="0")
    assert error.value.messages == [str(CREDIT_HOURS_POSITIVE)]


def test_a_reversal_is_a_negative_row_with_a_reason_and_the_totals_drop(world, program_1, enrolled_1):
    entry = credit(world, program_1, hours="12.5")
    reversal = ledger_reverse(entry=entry, actor=world.county_officer, reason="重复上报")
    assert (reversal.hours, reversal.reverses, reversal.reason, reversal.granted_by) == (
        Decimal("-12.50"), entry, "重复上报", world.county_officer)
    enrollment = enrolled_1[world.teacher.pk]
    enrollment.refresh_from_db()
    assert enrollment.online_hours == 0
    assert enrollment.state == "enrolled"
    entry.refresh_from_db()
    assert entry.hours == Decimal("12.50")  # the original row is untouched


def test_reversing_twice_is_refused(world, program_1):
    entry = credit(world, program_1)
    ledger_reverse(entry=entry, actor=world.county_officer, reason="错误")
    with pytest.raises(ValidationError) as error:
        ledger_reverse(entry=entry, actor=world.county_officer, reason="再次")
    assert error.value.messages == [str(REVERSAL_ALREADY_DONE)]
    assert LedgerEntry.objects.count() == 2


def test_a_reversal_needs_a_reason_and_cannot_itself_be_reversed(world, program_1):
    entry = credit(world, program_1)
    with pytest.raises(ValidationError) as error:
        ledger_reverse(entry=entry, actor=world.county_officer, reason="  ")
    assert error.value.messages == [str(REVERSAL_REASON_REQUIRED)]
    reversal = ledger_reverse(entry=entry, actor=world.county_officer, reason="错误")
    with pytest.raises(ValidationError) as error:
        ledger_reverse(entry=reversal, actor=world.county_officer, reason="错误")
    assert error.value.messages == [str(REVERSAL_OF_REVERSAL)]


def test_the_database_itself_refuses_update_and_delete_of_ledger_rows(world, program_1):
    entry = credit(world, program_1)
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET hours = 99 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(hours=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.delete()
    assert LedgerEntry.objects.get().hours == Decimal("10")
