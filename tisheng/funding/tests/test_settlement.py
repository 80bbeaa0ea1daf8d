import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from tisheng.accounts.models import AuditLog
from tisheng.funding import services
from tisheng.funding.models import LineKind, Statement, StatementLine, StatementTeacher
from tisheng.funding.tests.factories import credit, funding_setting, reverse
from tisheng.learning.tests.factories import contract
from tisheng.notifications.models import Notification

MARCH = (dt.date(2016, 3, 1), dt.date(2016, 3, 31))
APRIL = (dt.date(2016, 4, 1), dt.date(2016, 4, 30))


@pytest.fixture
def s(world, program_1):
    return funding_setting(world, program_1)


def draft(world, s, period=MARCH):
    return services.statement_draft(actor=world.county_officer, contract=s.contract, start=period[0], end=period[1])


def test_statement_pays_online_hours_at_the_rate_and_never_beyond_fifty_hours_a_teacher(world, s):
    t1, t2 = world.teachers_a[0], world.teachers_a[1]
    credit(t1, s.course, 30, "2016-03-02")
    credit(t1, s.course, 30, "2016-03-20")  # 60 credited, 50 paid
    credit(t2, s.course, 20, "2016-03-05")
    credit(t2, s.course, 5, "2016-02-27")  # before the period: counts toward the cap, not paid here
    credit(t2, s.other_course, 10, "2016-03-06")  # another institution's course

    st = draft(world, s)

    assert (st.teachers, st.paid_hours, st.amount) == (2, Decimal("70"), Decimal("210.00"))
    rows = {r.teacher_id: r for r in StatementTeacher.objects.filter(statement=st)}
    assert (rows[t1.pk].credited_hours, rows[t1.pk].paid_hours) == (Decimal("60"), Decimal("50"))
    assert (rows[t2.pk].paid_before, rows[t2.pk].paid_hours) == (Decimal("5"), Decimal("20"))
    online = st.lines.get(kind=LineKind.ONLINE)
    assert "50" in online.derivation
    assert online.unit_price == Decimal("3")


def test_hours_beyond_the_cap_in_an_earlier_period_leave_nothing_to_pay_later(world, s):
    t1 = world.teachers_a[0]
    credit(t1, s.course, 30, "2016-02-01")
    credit(t1, s.course, 30, "2016-02-15")
    credit(t1, s.course, 30, "2016-03-03")
    st = draft(world, s)
    assert st.paid_hours == 0
    assert st.amount == 0


def test_rural_teachers_subsidy_is_listed_separately_from_the_institutions_payment(world, s):
    credit(world.teacher_a2, s.course, 30, "2016-03-02")  # school_a2 is rural
    st = draft(world, s)
    assert st.amount == Decimal("90.00")
    assert st.rural_amount == Decimal("100.00")
    assert st.lines.get(kind=LineKind.RURAL).source == "special"


def test_teachers_outside_the_paying_offices_region_are_not_in_its_statement(world, s):
    credit(world.teacher_b, s.course, 30, "2016-03-02")
    credit(world.teachers_a[0], s.course, 10, "2016-03-02")
    st = draft(world, s)
    assert list(st.teacher_rows.values_list("teacher_id", flat=True)) == [world.teachers_a[0].pk]


def test_a_reversal_after_confirmation_is_an_adjustment_in_the_next_period_never_an_edit(world, s):
    t2 = world.teachers_a[1]
    entry = credit(t2, s.course, 20, "2016-03-05")
    march = draft(world, s)
    services.statement_check(actor=s.inst_user, statement=march, agree=True)
    services.statement_confirm(actor=world.county_officer, statement=march)
    reverse(entry, "2016-04-10")
    credit(world.teachers_a[0], s.course, 10, "2016-04-12")

    april = draft(world, s, APRIL)

    march.refresh_from_db()
    assert march.amount == Decimal("60.00")
    adjustment = april.lines.get(kind=LineKind.ADJUSTMENT)
    assert (adjustment.quantity, adjustment.amount) == (Decimal("-20"), Decimal("-60.00"))
    assert april.amount == Decimal("-30.00")  # 10 h paid, 20 h given back


def test_the_database_refuses_to_change_or_delete_a_confirmed_statement(world, s):
    credit(world.teachers_a[0], s.course, 10, "2016-03-02")
    st = draft(world, s)
    StatementLine.objects.filter(statement=st).update(derivation="still a draft: allowed")
    services.statement_check(actor=s.inst_user, statement=st, agree=True)
    services.statement_confirm(actor=world.county_officer, statement=st)
    for change in (lambda: Statement.objects.filter(pk=st.pk).update(amount=0),
                   lambda: StatementLine.objects.filter(statement=st).update(amount=0),
                   lambda: StatementTeacher.objects.filter(statement=st).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    with pytest.raises(ValidationError) as error:
        draft(world, s)
    assert services.STATEMENT_FINAL in error.value.messages


def test_the_lifecycle_tells_the_other_side_and_is_audited(world, s):
    credit(world.teachers_a[0], s.course, 10, "2016-03-02")
    st = draft(world, s)
    assert Notification.objects.filter(recipient=s.inst_user, url__endswith=f"/{st.pk}/").exists()
    with pytest.raises(ValidationError) as error:
        services.statement_check(actor=s.inst_user, statement=st, agree=False, comment=" ")
    assert services.DISPUTE_COMMENT_REQUIRED in error.value.messages
    services.statement_check(actor=s.inst_user, statement=st, agree=False, comment="少算了两位老师")
    assert Notification.objects.filter(recipient=world.county_officer, title__contains=st.number).exists()
    with pytest.raises(ValidationError) as error:
        services.statement_confirm(actor=world.county_officer, statement=st)
    assert services.STATEMENT_NOT_CHECKED in error.value.messages
    st = draft(world, s)  # recomputed: a draft again
    assert st.state == Statement.State.DRAFT
    assert st.dispute_comment == ""
    services.statement_check(actor=s.inst_user, statement=st, agree=True)
    with pytest.raises(PermissionDenied):
        services.statement_confirm(actor=world.province_officer, statement=st)  # not the paying office
    services.statement_confirm(actor=world.county_officer, statement=st)
    assert Notification.objects.filter(recipient=s.inst_user, title=f"结算单 {st.number} 已确认").exists()
    assert set(AuditLog.objects.filter(action__startswith="funding.").values_list("action", flat=True)) == {
        "funding.statement_draft", "funding.statement_dispute", "funding.statement_check",
        "funding.statement_confirm"}


def test_drafting_all_statements_pays_each_teacher_through_the_deepest_contract(world, s):
    city_contract = contract(s.program, s.org, world.city_a)  # the city also contracted the institution
    credit(world.teachers_a[0], s.course, 10, "2016-03-02")
    other = contract(s.program, s.other_org, world.county_a)
    credit(world.teachers_a[1], s.other_course, 10, "2016-03-02")

    made = services.statements_draft_all(program=s.program, start=MARCH[0], end=MARCH[1])

    assert {(m.institution_id, m.region_id) for m in made} == {(s.org.pk, world.county_a.pk),
                                                               (s.other_org.pk, world.county_a.pk)}
    assert not Statement.objects.filter(region=city_contract.region).exists()
    assert other.pk


def test_a_period_overlapping_another_statement_is_refused(world, s):
    credit(world.teachers_a[0], s.course, 10, "2016-03-02")
    draft(world, s)
    with pytest.raises(ValidationError) as error:
        services.statement_draft(actor=world.county_officer, contract=s.contract, start=dt.date(2016, 3, 15),
                                 end=dt.date(2016, 4, 15))
    assert services.PERIOD_OVERLAPS in error.value.messages


def test_nothing_to_settle_says_so(world, s):
    with pytest.raises(ValidationError) as error:
        draft(world, s)
    assert services.NOTHING_TO_SETTLE in error.value.messages
