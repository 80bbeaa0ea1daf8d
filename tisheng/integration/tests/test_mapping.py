from decimal import Decimal

import pytest

from tisheng.integration.hooks import SATISFIED, statements_stored, statements_voided
from tisheng.integration.models import InstitutionDay, Reason, StatementOutcome
from tisheng.integration.tests.conftest import statement
from tisheng.learning.models import Quiz
from tisheng.ledger.models import LedgerEntry
from tisheng.ledger.services import ledger_credit


def _outcome(st: dict) -> StatementOutcome:
    return StatementOutcome.objects.get(statement_id=st["id"])


def _balance(teacher) -> Decimal:
    return sum((e.hours for e in LedgerEntry.objects.filter(teacher=teacher)), Decimal(0))


def test_a_completion_credits_the_course_hours_as_online_hours(world, lrs):
    st = statement(world.teacher, lrs.course.activity_id)
    statements_stored(lrs.client_a, [st])
    entry = LedgerEntry.objects.get(teacher=world.teacher)
    assert (entry.category, entry.hours, entry.source_kind, entry.source_id) == ("online", Decimal("12.00"), "xapi",
                                                                                 st["id"])
    assert entry.granted_by_system == "xapi:INST-A"
    assert _outcome(st).entry == entry
    assert _outcome(st).reason == ""


def test_a_cmi5_satisfied_statement_credits_too(world, lrs):
    statements_stored(lrs.client_a, [statement(world.teacher, lrs.course.activity_id, verb=SATISFIED)])
    assert _balance(world.teacher) == Decimal("12")


def test_other_verbs_are_counted_but_not_checked(world, lrs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statements_stored(lrs.client_a, [statement(world.teacher, lrs.course.activity_id,
                                                   verb="http://adlnet.gov/expapi/verbs/experienced")] * 3)
    assert not StatementOutcome.objects.exists()
    assert InstitutionDay.objects.get(institution=lrs.inst_a).statements == 3


def test_replaying_a_statement_credits_once(world, lrs):
    st = statement(world.teacher, lrs.course.activity_id)
    statements_stored(lrs.client_a, [st])
    statements_stored(lrs.client_a, [st])
    assert _balance(world.teacher) == Decimal("12")
    assert _outcome(st).reason == ""


def test_a_second_completion_of_the_same_course_credits_nothing(world, lrs):
    first, second = (statement(world.teacher, lrs.course.activity_id) for _ in range(2))
    statements_stored(lrs.client_a, [first])
    statements_stored(lrs.client_a, [second])
    assert _balance(world.teacher) == Decimal("12")
    assert _outcome(second).reason == Reason.ALREADY_CREDITED


def test_two_completions_of_one_course_in_one_batch_credit_once(world, lrs):
    sts = [statement(world.teacher, lrs.course.activity_id) for _ in range(2)]
    statements_stored(lrs.client_a, sts)
    assert _balance(world.teacher) == Decimal("12")
    assert [_outcome(s).reason for s in sts] == ["", Reason.ALREADY_CREDITED]


def test_a_course_already_completed_in_the_player_credits_nothing(world, lrs):
    ledger_credit(teacher=world.teacher, program=lrs.program, category="online", hours=lrs.course.hours,
                  source_kind="course", source_id=str(lrs.course.pk), granted_by_system="playback")
    st = statement(world.teacher, lrs.course.activity_id)
    statements_stored(lrs.client_a, [st])
    assert _outcome(st).reason == Reason.ALREADY_CREDITED


def test_a_course_of_another_institution_credits_nothing(world, lrs):
    st = statement(world.teacher, lrs.course_b.activity_id)
    statements_stored(lrs.client_a, [st])
    assert _outcome(st).reason == Reason.UNKNOWN_COURSE
    assert _balance(world.teacher) == 0


def test_an_actor_on_another_home_page_credits_nothing(world, lrs):
    st = statement(world.teacher, lrs.course.activity_id, home_page="https://lms.inst-a.example.com")
    statements_stored(lrs.client_a, [st])
    assert _outcome(st).reason == Reason.NOT_AN_ACCOUNT


def test_an_account_name_that_is_no_platform_id_credits_nothing(world, lrs):
    forged = statement(world.teacher, lrs.course.activity_id, name=f"t{world.teacher.pk}-000000")
    statements_stored(lrs.client_a, [forged])
    assert _outcome(forged).reason == Reason.UNKNOWN_TEACHER


def test_a_teacher_outside_the_institutions_contracted_regions_credits_nothing(world, lrs):
    # Institution A is contracted for county A only; teacher_b is enrolled in county B.
    st = statement(world.teacher_b, lrs.course.activity_id)
    statements_stored(lrs.client_a, [st])
    assert _outcome(st).reason == Reason.NOT_ENROLLED
    assert _balance(world.teacher_b) == 0


def test_a_teacher_not_enrolled_in_the_program_credits_nothing(world, lrs):
    st = statement(world.teacher_a2, lrs.course.activity_id)  # in county A, not enrolled
    statements_stored(lrs.client_a, [st])
    assert _outcome(st).reason == Reason.NOT_ENROLLED


def test_a_failed_result_credits_nothing(world, lrs):
    st = statement(world.teacher, lrs.course.activity_id, result={"success": False, "completion": True})
    statements_stored(lrs.client_a, [st])
    assert _outcome(st).reason == Reason.NOT_PASSED


@pytest.mark.parametrize(("score", "credited"), [
    ({"scaled": 0.8}, True), ({"scaled": 0.59}, False), ({"raw": 45, "max": 50}, True), ({"raw": 20, "max": 50}, False),
    ({"raw": 6, "min": 0, "max": 10}, True),
])
def test_a_score_must_meet_the_courses_pass_mark(world, lrs, score, credited):
    Quiz.objects.create(course=lrs.course, pass_mark=60)
    st = statement(world.teacher, lrs.course.activity_id, result={"score": score})
    statements_stored(lrs.client_a, [st])
    assert (_outcome(st).reason == "") is credited


def test_voiding_a_crediting_statement_reverses_the_credit(world, lrs):
    st = statement(world.teacher, lrs.course.activity_id)
    statements_stored(lrs.client_a, [st])
    statements_voided(lrs.client_a, [st["id"]])
    assert _balance(world.teacher) == 0
    assert _outcome(st).voided_at is not None
    reversal = LedgerEntry.objects.get(teacher=world.teacher, hours__lt=0)
    assert reversal.reverses == _outcome(st).entry


def test_after_a_void_a_new_completion_credits_again(world, lrs):
    first, again = (statement(world.teacher, lrs.course.activity_id) for _ in range(2))
    statements_stored(lrs.client_a, [first])
    statements_voided(lrs.client_a, [first["id"]])
    statements_stored(lrs.client_a, [again])
    assert _balance(world.teacher) == Decimal("12")


def test_another_institution_cannot_void_a_credit(world, lrs):
    st = statement(world.teacher, lrs.course.activity_id)
    statements_stored(lrs.client_a, [st])
    statements_voided(lrs.client_b, [st["id"]])
    assert _balance(world.teacher) == Decimal("12")


def test_checking_a_batch_costs_the_same_queries_for_1_or_200_statements(world, lrs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Completions that all fail late (not enrolled), so every check runs for every row.
    counts = []
    for size in (2, 60):  # (SQLite splits bulk inserts past 999 parameters; PostgreSQL does not)
        batch = [statement(world.teacher_a2, lrs.course.activity_id) for _ in range(size)]
        with CaptureQueriesContext(connection) as ctx:
            statements_stored(lrs.client_a, batch)
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= 7
    assert StatementOutcome.objects.filter(reason=Reason.NOT_ENROLLED).count() == 62


def test_a_batch_without_completions_costs_no_query(world, lrs, django_assert_num_queries):
    batch = [statement(world.teacher, lrs.course.activity_id, verb="http://adlnet.gov/expapi/verbs/attempted")] * 1000
    with django_assert_num_queries(0):
        statements_stored(lrs.client_a, batch)


@pytest.fixture
def province_only(world, lrs):
    """Institution C, selected by the province (a province contract) but chosen by no county."""
    from tisheng.integration.auth import XapiClient
    from tisheng.learning.tests.factories import contract, course, institution

    inst_c, _user = institution(world, "INST-C", "省级遴选机构", "13800000103")
    contract(lrs.program, inst_c, world.province)
    c = course(lrs.program, inst_c, "C-301", hours="6")
    c.activity_id = "https://lms.inst-c.example.com/course/301"
    c.save()
    return XapiClient(institution_id=inst_c.pk, name=inst_c.name, credential_key="key-c"), c


def test_a_province_selection_does_not_reach_a_county_that_chose_other_institutions(world, lrs, province_only):
    client_c, course_c = province_only
    st = statement(world.teacher, course_c.activity_id)  # county A chose institution A
    statements_stored(client_c, [st])
    assert _outcome(st).reason == Reason.NOT_ENROLLED


def test_a_province_selection_reaches_a_county_that_chose_no_one(world, lrs, province_only):
    from tisheng.learning.models import Contract

    Contract.objects.filter(institution=lrs.inst_b).delete()  # county B has no choice of its own
    client_c, course_c = province_only
    st = statement(world.teacher_b, course_c.activity_id)
    statements_stored(client_c, [st])
    assert _outcome(st).reason == ""
    assert _balance(world.teacher_b) == Decimal("6")
