import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from tisheng.practice import services
from tisheng.practice.models import PointChoice
from tisheng.practice.services.choices import CHOICES_CLOSED
from tisheng.practice.tests.conftest import approve_plan, submit_point

pytestmark = pytest.mark.django_db


def save(world, program, codes):
    return services.choices_save(actor=world.teacher.user, teacher=world.teacher, program=program, point_codes=codes)


def test_choices_are_closed_until_the_plan_is_approved(world, program_2, catalogue):
    with pytest.raises(ValidationError) as error:
        save(world, program_2, ["A1", "A5", "A10"])
    assert error.value.messages == [_(CHOICES_CLOSED)]


def test_a_choice_covering_three_dimensions_is_saved(world, program_2, plan):
    chosen = save(world, program_2, ["A1", "A5", "A10"])
    assert sorted(c.point.code for c in chosen) == ["A1", "A10", "A5"]
    assert all(c.point_version.number == 1 for c in chosen)


def test_the_shortfall_names_the_missing_dimension_in_chinese(world, program_2, plan):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        save(world, program_2, ["A1", "A5", "A6"])
    assert error.value.messages == ["还需选择 1 个能力点，覆盖 教学设计、学业评价 中的 1 个维度"]


def test_the_shortfall_counts_points_when_dimensions_are_covered(world, program_2, plan):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        save(world, program_2, ["A1", "A5"])
    assert error.value.messages == ["还需选择 1 个能力点，覆盖 教学设计、学业评价 中的 1 个维度"]


def test_an_a_school_cannot_choose_a_b_point(world, program_2, plan):
    with pytest.raises(ValidationError) as error:
        save(world, program_2, ["A1", "A5", "B8"])
    assert "B8" in error.value.messages[0]


def test_a_c_school_may_choose_lower_groups_when_the_rules_allow(world, program_2, catalogue):
    approve_plan(world, program_2, environment="C")
    assert len(save(world, program_2, ["A1", "B4", "C7"])) == 3


def test_a_c_school_keeps_to_its_group_when_the_rules_forbid_lower_ones(world, program_2, catalogue):
    rules = dict(program_2.rules)
    rules["micro_abilities"] = dict(rules["micro_abilities"], allow_lower_environments=False)
    program_2.rules = rules
    program_2.save()
    approve_plan(world, program_2, environment="C")
    with pytest.raises(ValidationError):
        save(world, program_2, ["A1", "B4", "C7"])


def test_a_point_with_evidence_cannot_be_dropped(world, program_2, chosen):
    submit_point(world, program_2, "A1")
    with pytest.raises(ValidationError) as error:
        save(world, program_2, ["A2", "A5", "A10"])
    assert "A1" in error.value.messages[0]
    assert PointChoice.objects.filter(teacher=world.teacher, point__code="A1").exists()


def test_a_teacher_cannot_choose_for_a_colleague(world, program_2, plan):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.choices_save(actor=world.teachers_a[2].user, teacher=world.teacher, program=program_2,
                              point_codes=["A1", "A5", "A10"])
