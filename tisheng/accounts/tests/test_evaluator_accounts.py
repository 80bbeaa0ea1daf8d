"""Evaluators are accounts of evaluator organisations, made for the purpose (issue 12, item 11b):
an office cannot make a teacher or an office account an evaluator, who would then read other
teachers' records; the grant creates the evaluator's account instead."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import Client

from tisheng.accounts import evaluators
from tisheng.accounts.models import AuditLog, EvaluatorOrganization, RoleAssignment, User
from tisheng.accounts.services import EVALUATOR_ACCOUNT_ONLY, EVALUATOR_NEEDS_OWN_ACCOUNT, role_assign
from tisheng.people.tests.factories import UserFactory

ORG = "福建省教育评估研究院"


def until(days: int = 30) -> str:
    return (evaluators.today() + dt.timedelta(days=days)).isoformat()


def grant(actor, **data):
    client = Client()
    client.force_login(actor)
    return client.post("/monitoring/evaluators/", data)


@pytest.mark.parametrize("who", ["teacher", "principal", "outsider", "province_officer"])
def test_an_office_cannot_make_a_teacher_or_an_office_account_an_evaluator(world, who):
    account = world.teacher.user if who == "teacher" else getattr(world, who)
    response = grant(world.county_officer, phone=account.phone, node=world.county_a.code, until=until(),
                     organization=ORG)
    assert response.status_code == 400
    assert response.context["errors"] == [str(EVALUATOR_NEEDS_OWN_ACCOUNT)]
    assert not RoleAssignment.objects.filter(user=account, role="evaluator").exists()
    assert User.objects.get(pk=account.pk).evaluator_organization is None


def test_the_refusal_is_in_chinese(world):
    response = grant(world.county_officer, phone=world.teacher.user.phone, node=world.county_a.code, until=until(),
                     organization=ORG)
    assert response.context["errors"] == ["评估人员须使用专为评估创建的账号：该账号已有其他角色或属于教师，授予评估角色后将能查看其他"
                                          "教师的资料，因此不能授予。"]


def test_a_teacher_without_a_teacher_role_is_still_refused(world):
    RoleAssignment.objects.filter(user=world.teacher.user).delete()  # the profile alone makes a teacher
    with pytest.raises(ValidationError) as refused:
        evaluators.evaluator_grant(actor=world.county_officer, phone=world.teacher.user.phone,
                                   node_code=world.county_a.code, until=evaluators.today(), organization=ORG)
    assert refused.value.messages == [str(EVALUATOR_NEEDS_OWN_ACCOUNT)]


def test_the_grant_creates_the_evaluators_account_with_a_password_shown_once(world):
    response = grant(world.county_officer, phone="13812345678", name="陈评估", organization=ORG,
                     node=world.county_a.code, until=until())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    issued = response.context["issued"]
    assert issued["password"] in response.content.decode()
    user = User.objects.get(phone="13812345678")
    assert user.name == "陈评估"
    assert user.evaluator_organization.name == ORG
    assert user.must_change_password
    assert [(a.role, a.region) for a in user.role_assignments.all()] == [("evaluator", world.county_a)]
    assert AuditLog.objects.filter(action="user_created", object_id=str(user.pk)).exists()
    assert authenticate(None, username="13812345678", password=issued["password"]) == user
    # The password is not on the page any more.
    page = Client()
    page.force_login(world.county_officer)
    assert issued["password"] not in page.get("/monitoring/evaluators/").content.decode()


def test_granting_again_to_the_evaluators_account_extends_it_without_a_new_password(world):
    first = evaluators.evaluator_grant(actor=world.county_officer, phone="13812345678", name="陈评估",
                                       organization=ORG, node_code=world.county_a.code, until=evaluators.today())
    again = evaluators.evaluator_grant(actor=world.county_officer, phone="13812345678",
                                       node_code=world.school_a.code, until=evaluators.today())
    assert first.initial_password
    assert again.initial_password is None
    assert EvaluatorOrganization.objects.count() == 1


def test_an_account_with_no_role_is_attached_to_the_organisation_named(world):
    blank = UserFactory(name="评估员", phone="13812340000")
    with pytest.raises(ValidationError):
        evaluators.evaluator_grant(actor=world.county_officer, phone=blank.phone, node_code=world.county_a.code,
                                   until=evaluators.today())
    evaluators.evaluator_grant(actor=world.county_officer, phone=blank.phone, node_code=world.county_a.code,
                               until=evaluators.today(), organization=ORG)
    assert User.objects.get(pk=blank.pk).evaluator_organization.name == ORG


@pytest.mark.parametrize(("phone", "name", "organization", "message"), [
    ("13812345678", "", ORG, evaluators.NO_SUCH_USER),
    ("13812345678", "陈评估", "", evaluators.ORGANIZATION_REQUIRED),
    ("12345", "陈评估", ORG, evaluators.PHONE_INVALID),
])
def test_a_new_account_needs_a_mobile_number_a_name_and_an_organisation(world, phone, name, organization, message):
    with pytest.raises(ValidationError) as refused:
        evaluators.evaluator_grant(actor=world.county_officer, phone=phone, name=name, organization=organization,
                                   node_code=world.county_a.code, until=evaluators.today())
    assert refused.value.messages == [str(message)]
    assert not User.objects.filter(phone=phone).exists()


def test_an_evaluators_account_gets_no_other_role(world):
    assignment = evaluators.evaluator_grant(actor=world.county_officer, phone="13812345678", name="陈评估",
                                            organization=ORG, node_code=world.county_a.code,
                                            until=evaluators.today())
    with pytest.raises(ValidationError) as refused:
        role_assign(actor=None, user=assignment.user, role="school_admin", node=world.school_a)
    assert refused.value.messages == [str(EVALUATOR_ACCOUNT_ONLY)]


def test_role_assign_refuses_the_evaluator_role_to_a_teacher_too(world):
    with pytest.raises(ValidationError):
        role_assign(actor=None, user=world.teacher.user, role="evaluator", node=world.county_a)
