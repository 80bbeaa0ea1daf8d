from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tisheng.ledger.services import ledger_credit, ledger_reverse
from tisheng.ledger.tests.conftest import enroll
from tisheng.people.tests.factories import TeacherFactory
from tisheng.programs import completion
from tisheng.programs.completion import (
    completion_refresh,
    completion_refresh_program,
    evaluate,
    evaluate_sums,
)
from tisheng.programs.models import Enrollment
from tisheng.programs.rules import FUJIAN_2015, MOE_2019, RuleSet

D = Decimal


def give(teacher, program, category, hours, source_id=None):
    return ledger_credit(teacher=teacher, program=program, category=category, hours=hours, source_kind="course",
                         source_id=source_id or f"{category}-{hours}", granted_by_system="test")


def test_fujian_rules_explain_what_is_missing_per_category():
    rules = RuleSet.model_validate(FUJIAN_2015)
    result = evaluate_sums(rules, {"online": D("50"), "practice": D("18")})
    assert result.explanation == "还差实践应用 12 学时"
    assert not result.complete
    assert evaluate_sums(rules, {}).explanation == "还差网络研修 50 学时，实践应用 30 学时"
    assert evaluate_sums(rules, {"online": D("50"), "practice": D("30")}).explanation == "已完成"


def test_moe_rules_show_the_micro_ability_requirement_even_with_all_hours():
    rules = RuleSet.model_validate(MOE_2019)
    result = evaluate_sums(rules, {"online": D("25"), "practice": D("25")})
    assert result.explanation == "能力点 0/3，维度 0/3"
    assert not result.complete
    assert evaluate_sums(rules, {"online": D("25"), "practice": D("25")}, (2, 2)).explanation == "能力点 2/3，维度 2/3"
    assert evaluate_sums(rules, {"online": D("25"), "practice": D("25")}, (3, 3)).complete


def test_practice_must_be_half_of_all_hours_under_the_moe_rules():
    rules = RuleSet.model_validate(MOE_2019)
    result = evaluate_sums(rules, {"online": D("40")}, (3, 3))
    # 40 online + 40 practice: practice is half.
    assert result.missing == {"practice": D("40")}
    assert result.explanation == "还差实践应用 40 学时"
    nothing = evaluate_sums(rules, {}, (3, 3))
    assert nothing.explanation == "还差实践应用 25 学时；另差任意类别 25 学时"


def test_imported_hours_count_only_up_to_the_cap():
    rules = RuleSet.model_validate(MOE_2019)
    result = evaluate_sums(rules, {"imported": D("15"), "practice": D("30"), "online": D("5")}, (3, 3))
    assert result.counted["imported"] == D("10")
    assert result.total == D("45")
    assert result.explanation == "还差 5 学时；外部学时按上限 10 学时计"


def test_state_moves_from_enrolled_to_in_progress_to_complete_and_back(world, program_1):
    enrollment = enroll(program_1, world.teacher)
    give(world.teacher, program_1, "online", "50")
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.explanation) == ("in_progress", "还差实践应用 30 学时")
    entry = give(world.teacher, program_1, "practice", "30")
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.total_hours, enrollment.explanation) == ("complete", D("80"), "已完成")
    ledger_reverse(entry=entry, actor=world.county_officer, reason="证据不实")
    enrollment.refresh_from_db()
    assert enrollment.state == "in_progress"


@pytest.mark.parametrize("state", ["exempt", "under_review", "approved", "certified", "returned"])
def test_review_chain_and_exempt_states_are_never_changed_by_new_hours(world, program_1, state):
    enrollment = enroll(program_1, world.teacher, state=state)
    give(world.teacher, program_1, "online", "50")
    give(world.teacher, program_1, "practice", "30")
    enrollment.refresh_from_db()
    assert enrollment.state == state
    assert enrollment.total_hours == D("80")


def test_evaluate_reads_the_ledger_of_that_program_only(world, program_1, program_2):
    enrollment = enroll(program_2, world.teacher)
    give(world.teacher, program_1, "online", "50")
    give(world.teacher, program_2, "practice", "20")
    result = evaluate(enrollment)
    assert result.counted["practice"] == D("20")
    assert result.counted["online"] == 0


def test_refresh_by_ids_writes_the_result(world, program_1):
    enrollment = enroll(program_1, world.teacher)
    assert completion_refresh([enrollment.pk]) == 1
    enrollment.refresh_from_db()
    assert enrollment.explanation == "还差网络研修 50 学时，实践应用 30 学时"
    assert completion_refresh([enrollment.pk]) == 0


def test_refreshing_a_whole_program_takes_the_same_queries_for_more_enrollments(world, program_1):
    for teacher in [*world.teachers_a, world.teacher_b]:
        enroll(program_1, teacher)
        give(teacher, program_1, "online", "50")
    Enrollment.objects.filter(program=program_1).update(state="enrolled", online_hours=0, total_hours=0,
                                                        explanation="")
    with CaptureQueriesContext(connection) as few:
        assert completion_refresh_program(program_1, chunk=100) == 4
    assert set(Enrollment.objects.filter(program=program_1).values_list("state", "online_hours")) == {
        ("in_progress", D("50"))}
    more = [TeacherFactory(school=world.school_a) for _ in range(6)]
    for teacher in more:
        enroll(program_1, teacher)
        give(teacher, program_1, "practice", "30")
    Enrollment.objects.filter(program=program_1).update(explanation="")
    with CaptureQueriesContext(connection) as more_queries:
        assert completion_refresh_program(program_1, chunk=100) == 10
    assert len(more_queries) == len(few)


def test_a_whole_program_is_refreshed_in_chunks(world, program_1):
    for teacher in [*world.teachers_a, world.teacher_a2, world.teacher_b]:
        enroll(program_1, teacher)
        give(teacher, program_1, "online", "50")
        give(teacher, program_1, "practice", "30")
    Enrollment.objects.filter(program=program_1).update(state="enrolled", explanation="")
    assert completion_refresh_program(program_1, chunk=2) == 5
    assert set(Enrollment.objects.filter(program=program_1).values_list("state", "explanation")) == {
        ("complete", "已完成")}


def test_micro_abilities_are_zero_until_the_practice_app_provides_them(world, program_2):
    enrollment = enroll(program_2, world.teacher)
    assert completion.passed_micro_abilities(enrollment) == (0, 0)


def test_the_completion_refresh_command_reevaluates_a_program(world, program_1):
    import io

    from django.core.management import CommandError, call_command

    enrollment = enroll(program_1, world.teacher)
    out = io.StringIO()
    call_command("completion_refresh", "fujian-2015", stdout=out)
    assert out.getvalue().startswith("fujian-2015 changed=1 ")
    enrollment.refresh_from_db()
    assert enrollment.explanation == "还差网络研修 50 学时，实践应用 30 学时"
    with pytest.raises(CommandError, match="No such program: nope"):
        call_command("completion_refresh", "nope")
