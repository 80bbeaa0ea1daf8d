import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tisheng.accounts.models import RoleAssignment
from tisheng.practice import services
from tisheng.practice.models import SchoolPlan, TeamMember
from tisheng.practice.services.plans import PLAN_RETURN_NEEDS_COMMENTS, PLAN_TOPICS_REQUIRED, PLAN_WAITING
from tisheng.practice.tests.conftest import SCHEDULE

pytestmark = pytest.mark.django_db


def draft(world, program, **changes):
    values = dict(goals="目标", environment="B", research_topics=["混合学习"], training_schedule=SCHEDULE)
    values.update(changes)
    return services.plan_save(actor=world.principal, school=world.school_a, program=program, **values)


def test_a_returned_plan_is_answered_by_a_new_version(world, program_2):
    plan = draft(world, program_2)
    services.plan_submit(actor=world.principal, plan=plan)
    services.plan_decide(actor=world.county_officer, plan=plan, approve=False, comments="研修主题太宽泛")
    second = draft(world, program_2, research_topics=["混合学习环境下的小组合作"])
    assert second.version == 2
    assert SchoolPlan.objects.get(pk=plan.pk).status == "returned"
    assert SchoolPlan.objects.get(pk=plan.pk).comments == "研修主题太宽泛"
    services.plan_submit(actor=world.principal, plan=second)
    approved = services.plan_decide(actor=world.county_officer, plan=second, approve=True)
    assert services.approved_plan(world.school_a.pk, program_2.pk) == approved


def test_saving_a_draft_twice_edits_the_same_version(world, program_2):
    first = draft(world, program_2)
    again = draft(world, program_2, goals="新目标")
    assert first.pk == again.pk
    assert again.goals == "新目标"


def test_a_submitted_plan_cannot_be_edited_while_the_county_decides(world, program_2):
    services.plan_submit(actor=world.principal, plan=draft(world, program_2))
    with pytest.raises(ValidationError) as error:
        draft(world, program_2)
    assert PLAN_WAITING in error.value.messages


def test_a_plan_without_research_topics_cannot_be_submitted(world, program_2):
    with pytest.raises(ValidationError) as error:
        services.plan_submit(actor=world.principal, plan=draft(world, program_2, research_topics=[]))
    assert PLAN_TOPICS_REQUIRED in error.value.messages


def test_the_county_must_say_why_it_returns_a_plan(world, program_2):
    plan = draft(world, program_2)
    services.plan_submit(actor=world.principal, plan=plan)
    with pytest.raises(ValidationError) as error:
        services.plan_decide(actor=world.county_officer, plan=plan, approve=False, comments=" ")
    assert PLAN_RETURN_NEEDS_COMMENTS in error.value.messages


def test_another_countys_office_cannot_decide_the_plan(world, program_2):
    plan = draft(world, program_2)
    services.plan_submit(actor=world.principal, plan=plan)
    with pytest.raises(PermissionDenied):
        services.plan_decide(actor=world.outsider, plan=plan, approve=True)


def test_a_principal_cannot_write_another_schools_plan(world, program_2):
    with pytest.raises(PermissionDenied):
        services.plan_save(actor=world.principal, school=world.school_b, program=program_2, goals="x",
                           environment="A", research_topics=["x"], training_schedule=SCHEDULE)


def test_an_assessor_named_to_the_team_gets_the_school_assessor_role(world, program_2):
    user = world.teachers_a[2].user
    services.team_member_add(actor=world.principal, school=world.school_a, program=program_2, user=user,
                             role="assessor")
    assert RoleAssignment.objects.filter(user=user, role="school_assessor", school=world.school_a).exists()
    services.team_member_remove(actor=world.principal, member=TeamMember.objects.get(user=user))
    assert not RoleAssignment.objects.filter(user=user, role="school_assessor").exists()


def test_a_teacher_of_another_school_cannot_join_the_team(world, program_2):
    with pytest.raises(ValidationError):
        services.team_member_add(actor=world.principal, school=world.school_a, program=program_2,
                                 user=world.teacher_b.user, role="cio")
