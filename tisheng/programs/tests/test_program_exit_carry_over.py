"""The province sets in a program's rules what an exited institution's unfinished courses still
count (exit_carry_over), on the edit page, and reads it on the detail page."""

from decimal import Decimal

from django.urls import reverse

from tisheng.programs.models import Program
from tisheng.programs.tests.test_program_pages import _edit_data, province  # noqa: F401 - the fixture


def test_the_province_turns_the_carry_over_on_and_reads_it(province, program_1):  # noqa: F811
    assert "exit_carry_over" not in program_1.rules
    data = _edit_data(program_1, carry_completed_lessons="on", carry_step_hours="1", carry_max_hours="4")
    response = province.post(reverse("programs:edit", args=[program_1.pk]), data)
    assert response.status_code == 302
    rule = Program.objects.get(pk=program_1.pk).ruleset.exit_carry_over
    assert (rule.completed_lessons, rule.step_hours, rule.max_hours) == (True, Decimal("1"), Decimal("4"))
    page = province.get(reverse("programs:detail", args=[program_1.pk])).content.decode()
    assert "机构终止承训时的学时结转" in page
    assert "每名教师最多 4 学时" in page


def test_saving_without_it_leaves_a_rule_set_that_never_had_it_alone(province, program_1):  # noqa: F811
    province.post(reverse("programs:edit", args=[program_1.pk]), _edit_data(program_1))
    program = Program.objects.get(pk=program_1.pk)
    assert "exit_carry_over" not in program.rules
    assert not program.ruleset.exit_carry_over.completed_lessons


def test_an_absurd_step_or_cap_is_refused_on_the_page_and_nothing_is_saved(province, program_1):  # noqa: F811
    for step, cap in (("50", "4"), ("1", "99999"), ("0", "4"), ("-1", "4")):
        data = _edit_data(program_1, carry_completed_lessons="on", carry_step_hours=step, carry_max_hours=cap)
        response = province.post(reverse("programs:edit", args=[program_1.pk]), data)
        assert response.status_code == 200, (step, cap)
        errors = response.context["form"].errors
        assert set(errors) & {"carry_step_hours", "carry_max_hours"}, (step, cap, errors)
        assert "exit_carry_over" not in response.content.decode(), "the rule set's internal name on the page"
        assert "exit_carry_over" not in Program.objects.get(pk=program_1.pk).rules


def test_an_empty_step_is_the_default_half_hour(province, program_1):  # noqa: F811
    data = _edit_data(program_1, carry_completed_lessons="on", carry_step_hours="", carry_max_hours="")
    response = province.post(reverse("programs:edit", args=[program_1.pk]), data)
    assert response.status_code == 302
    assert Program.objects.get(pk=program_1.pk).ruleset.exit_carry_over.step_hours == Decimal("0.5")
