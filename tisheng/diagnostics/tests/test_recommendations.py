from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tisheng.diagnostics.models import Attempt, Topic
from tisheng.diagnostics.selectors import (
    LEVEL_ONE_FIRST_ABOVE,
    diagnostic_done,
    diagnostic_result,
    recommended_course_ids,
)
from tisheng.diagnostics.services import RETAKE_NOT_ALLOWED, UNANSWERED, attempt_submit
from tisheng.diagnostics.tests.conftest import answers_scoring
from tisheng.learning.models import Contract, Course
from tisheng.orgs.tests.factories import OrganizationFactory

LOW, HIGH = 0, 3  # choice indexes of the default instruments: 不能做到 (0 points), 熟练 (3 points)


def submit(world, instrument, choose, teacher=None):
    teacher = teacher or world.teacher
    return attempt_submit(actor=teacher.user, teacher=teacher, instrument=instrument,
                          answers=answers_scoring(instrument, choose))


def test_a_dimension_below_pass_at_level_one_recommends_that_levels_topics_of_that_dimension(world, instrument_1):
    attempt = submit(world, instrument_1,
                     lambda it: LOW if (it.level, it.dimension) == ("I", "评估与诊断") else HIGH)

    result = diagnostic_result(attempt)

    assert [t.code for t in result.topics] == ["T14", "T15"]
    assert not result.level_one_first
    assert {c.band for c in result.cells if (c.level, c.dimension) != ("I", "评估与诊断")} == {"excellent"}


def test_more_than_six_topics_at_both_levels_advise_level_one_first(world, instrument_1):
    attempt = submit(world, instrument_1, lambda it: LOW)

    result = diagnostic_result(attempt)

    assert len(result.topics) == Topic.objects.count() == 27
    assert {t.level for t in result.topics} == {"I", "II"}
    assert result.level_one_first


def test_many_topics_at_one_level_only_give_no_level_one_advice(world, instrument_1):
    attempt = submit(world, instrument_1, lambda it: LOW if it.level == "I" else HIGH)

    result = diagnostic_result(attempt)

    assert len(result.topics) > LEVEL_ONE_FIRST_ABOVE
    assert {t.level for t in result.topics} == {"I"}
    assert not result.level_one_first


def test_an_answer_left_out_is_refused_and_nothing_is_stored(world, instrument_1):
    answers = answers_scoring(instrument_1, lambda it: HIGH)
    answers.popitem()

    with pytest.raises(ValidationError) as e:
        attempt_submit(actor=world.teacher.user, teacher=world.teacher, instrument=instrument_1, answers=answers)

    assert e.value.messages == [UNANSWERED]
    assert not diagnostic_done(world.teacher, instrument_1.program)


def test_a_retake_replaces_the_stored_attempt(world, instrument_1):
    submit(world, instrument_1, lambda it: LOW)
    second = submit(world, instrument_1, lambda it: HIGH)

    assert Attempt.objects.filter(teacher=world.teacher).count() == 1
    assert second.taken_count == 2
    assert diagnostic_result(second).topics == []


def test_a_retake_is_refused_where_the_instrument_allows_one_attempt(world, instrument_1):
    instrument_1.allow_retake = False
    instrument_1.save()
    submit(world, instrument_1, lambda it: LOW)

    with pytest.raises(ValidationError) as e:
        submit(world, instrument_1, lambda it: HIGH)

    assert e.value.messages == [RETAKE_NOT_ALLOWED]


def test_the_diagnostic_is_done_only_for_the_teacher_who_took_it(world, instrument_1):
    submit(world, instrument_1, lambda it: HIGH)

    assert diagnostic_done(world.teacher, instrument_1.program)
    assert not diagnostic_done(world.teachers_a[2], instrument_1.program)


def _course(institution, program, code, topics=(), micro=(), status="published"):
    return Course.objects.create(institution=institution, program=program, code=code, title=code,
                                 hours=Decimal("10"), topics=list(topics), micro_abilities=list(micro),
                                 status=status)


def test_recommended_courses_are_contracted_for_the_teachers_region_and_meet_a_recommended_topic(
        world, instrument_1):
    program = instrument_1.program
    ours = OrganizationFactory(code="INST-A", region=world.province)
    theirs = OrganizationFactory(code="INST-B", region=world.province)
    Contract.objects.create(program=program, institution=ours, region=world.city_a, region_path=world.city_a.path)
    Contract.objects.create(program=program, institution=theirs, region=world.county_b,
                            region_path=world.county_b.path)
    best = _course(ours, program, "A-2", topics=["T14", "T15"])
    one = _course(ours, program, "A-1", topics=["T15", "T1"])
    _course(ours, program, "A-3", topics=["T1"])  # no weak topic
    _course(ours, program, "A-4", topics=["T14"], status="draft")  # not published
    _course(theirs, program, "B-1", topics=["T14", "T15"])  # contracted for county B only
    submit(world, instrument_1, lambda it: LOW if (it.level, it.dimension) == ("I", "评估与诊断") else HIGH)

    assert recommended_course_ids(world.teacher, program) == [best.pk, one.pk]
    assert recommended_course_ids(world.teachers_a[2], program) == []  # no test taken yet


def test_for_2_0_a_weak_dimension_recommends_the_micro_abilities_of_the_schools_environment(world, instrument_2):
    world.school_a.environment = "B"
    world.school_a.save()
    attempt = submit(world, instrument_2, lambda it: LOW if it.dimension == "学业评价" else HIGH)

    result = diagnostic_result(attempt)

    # A focused set: the weak dimension's points of the school's group B first (not all seven
    # of groups B and A), then one point each of two more dimensions, for the 3-dimension rule.
    assert [m.code for m in result.micro_abilities] == ["B8", "B9", "B10", "B1", "B2"]
    assert [c["dimensions"] for c in result.charts()] == [["学情分析", "教学设计", "学法指导", "学业评价"]]


def test_for_2_0_only_the_schools_group_is_recommended_where_lower_groups_are_not_allowed(world, instrument_2):
    program = instrument_2.program
    program.rules = {**program.rules, "micro_abilities": {**program.rules["micro_abilities"],
                                                          "allow_lower_environments": False}}
    program.save()
    world.school_a.environment = "C"
    world.school_a.save()
    attempt = submit(world, instrument_2, lambda it: LOW if it.dimension == "学业评价" else HIGH)

    # Group C only: C7 (学业评价) and C5, whose question (collecting learning data) was answered
    # low, then C1 to cover a third dimension.
    assert [m.code for m in diagnostic_result(attempt).micro_abilities] == ["C5", "C7", "C1"]


def test_for_2_0_recommended_courses_meet_a_recommended_micro_ability(world, instrument_2):
    program = instrument_2.program
    inst = OrganizationFactory(code="INST-A", region=world.province)
    Contract.objects.create(program=program, institution=inst, region=world.province, region_path=world.province.path)
    fits = _course(inst, program, "M-1", micro=["A10"])
    _course(inst, program, "M-2", micro=["A1"])
    submit(world, instrument_2, lambda it: LOW if it.dimension == "学业评价" else HIGH)

    assert recommended_course_ids(world.teacher, program) == [fits.pk]
