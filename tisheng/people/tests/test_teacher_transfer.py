import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tisheng.accounts.models import AuditAction, AuditLog, RoleAssignment
from tisheng.orgs.tests.factories import SchoolFactory
from tisheng.people.services.teachers import teacher_transfer, teacher_update


def test_a_county_officer_transfers_a_teacher_between_schools_of_the_county(world):
    teacher = world.teachers_a[2]

    teacher_transfer(actor=world.county_officer, teacher=teacher, school=world.school_a2, reason="工作调动")

    teacher.refresh_from_db()
    assert (teacher.school, teacher.org_path) == (world.school_a2, world.school_a2.path)
    assert [(p.school, p.ended is None) for p in teacher.postings.order_by("id")] == [
        (world.school_a, False), (world.school_a2, True)]
    assert RoleAssignment.objects.get(user=teacher.user, role="teacher").school == world.school_a2
    world.school_a.refresh_from_db()
    world.school_a2.refresh_from_db()
    assert (world.school_a.teacher_count, world.school_a2.teacher_count) == (2, 2)
    audit = AuditLog.objects.get(action=AuditAction.TEACHER_TRANSFERRED)
    assert (audit.actor, audit.detail["reason"]) == (world.county_officer, "工作调动")


def test_the_outsider_cannot_transfer_a_teacher_of_another_county(world):
    with pytest.raises(Http404):
        teacher_transfer(actor=world.outsider, teacher=world.teacher, school=world.school_b, reason="调动")

    world.teacher.refresh_from_db()
    assert world.teacher.school == world.school_a


def test_a_transfer_out_of_the_actors_area_is_refused(world):
    with pytest.raises(PermissionDenied):
        teacher_transfer(actor=world.county_officer, teacher=world.teacher, school=world.school_b, reason="调动")


def test_a_principal_cannot_transfer_into_a_school_that_is_not_theirs(world):
    other = SchoolFactory(county=world.county_a, code="3501020003")

    with pytest.raises(PermissionDenied):
        teacher_transfer(actor=world.principal, teacher=world.teacher, school=other, reason="调动")


def test_a_transfer_needs_a_reason_and_another_school(world):
    with pytest.raises(ValidationError):
        teacher_transfer(actor=world.county_officer, teacher=world.teacher, school=world.school_a2, reason=" ")
    with pytest.raises(ValidationError):
        teacher_transfer(actor=world.county_officer, teacher=world.teacher, school=world.school_a, reason="调动")


def test_editing_a_teacher_updates_the_account_and_is_audited(world):
    teacher = world.teacher

    teacher_update(actor=world.principal, teacher=teacher, name="林晓艳", phone="13955556666", title="高级教师")

    teacher.refresh_from_db()
    assert (teacher.name, teacher.phone, teacher.title) == ("林晓艳", "13955556666", "高级教师")
    assert (teacher.user.name, teacher.user.phone) == ("林晓艳", "13955556666")
    audit = AuditLog.objects.get(action=AuditAction.TEACHER_CHANGED)
    assert sorted(audit.detail["fields"]) == ["name", "phone", "title"]


def test_retiring_a_teacher_updates_the_school_count(world):
    teacher_update(actor=world.county_officer, teacher=world.teacher, status="retired")

    world.school_a.refresh_from_db()
    assert world.school_a.teacher_count == 2


def test_a_phone_of_another_person_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        teacher_update(actor=world.county_officer, teacher=world.teacher, phone=world.county_officer.phone)

    assert caught.value.message_dict["phone"] == ["手机号码已被他人使用"]


def test_an_unknown_title_is_refused(world):
    with pytest.raises(ValidationError):
        teacher_update(actor=world.county_officer, teacher=world.teacher, title="教授")


def test_the_outsider_cannot_edit_a_teacher_of_another_county(world):
    with pytest.raises(Http404):
        teacher_update(actor=world.outsider, teacher=world.teacher, name="改名")

    world.teacher.refresh_from_db()
    assert world.teacher.name == "林晓燕"


def test_a_teacher_cannot_edit_their_own_record(world):
    with pytest.raises(PermissionDenied):
        teacher_update(actor=world.teacher.user, teacher=world.teacher, name="改名")
