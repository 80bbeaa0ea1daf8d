import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from tisheng.accounts.models import AuditLog
from tisheng.core import idcard
from tisheng.people.models import Teacher
from tisheng.people.services.roster import CANONICAL_HEADERS, roster_apply, roster_validate
from tisheng.people.services.teachers import teacher_transfer
from tisheng.people.tests.factories import TeacherFactory
from tisheng.programs.models import Enrollment, EnrollmentState, Exemption
from tisheng.programs.services.enrollment import (
    ALREADY_IN_BATCH,
    NOT_A_COUNTY,
    batch_create,
    batch_enroll,
    enrollment_sync_for_schools,
)


def _batch(world, program, counties=None, year=None):
    counties = counties if counties is not None else [world.county_a]
    return batch_create(actor=world.province_officer, program=program, year=year or program.start_date.year,
                        name="第一批", counties=counties)


def test_enrolling_a_batch_enrolls_every_active_teacher_of_its_counties_and_nobody_else(world, program_2):
    TeacherFactory(school=world.school_a, name="退休教师", status="retired")
    batch = _batch(world, program_2)

    n = batch_enroll(actor=world.province_officer, batch=batch)

    enrolled = Enrollment.objects.filter(program=program_2)
    assert n == 4
    assert set(enrolled.values_list("teacher__name", flat=True)) == {"林晓燕", "陈志强", "黄丽华", "张美玲"}
    one = enrolled.get(teacher=world.teacher_a2)
    assert (one.school, one.org_path, one.batch, one.state) == (
        world.school_a2, world.school_a2.path, batch, EnrollmentState.ENROLLED)
    assert one.explanation == "还差实践应用 25 学时；另差任意类别 25 学时；能力点 0/3，维度 0/3"
    batch.refresh_from_db()
    assert batch.enrolled_at is not None
    assert AuditLog.objects.filter(action="batch_enrolled", detail__enrolled=4).exists()


def test_enrolling_the_same_batch_twice_adds_only_the_missing_teachers(world, program_2):
    batch = _batch(world, program_2)
    batch_enroll(actor=world.province_officer, batch=batch)
    TeacherFactory(school=world.school_a, name="新教师")

    n = batch_enroll(actor=world.province_officer, batch=batch)

    assert n == 1
    assert Enrollment.objects.filter(program=program_2).count() == 5


def test_a_teacher_close_to_retirement_is_exempt_with_the_reason_in_chinese(world, program_1):
    # A woman born 1962-03-10 retires 2017-03-10: fewer than 5 years after 2015-09-01.
    # (An even 17th digit makes a woman.) A man born 1970 is far from retirement.
    near = TeacherFactory(school=world.school_a, name="郑秀英",
                          national_id=idcard.make("350102", dt.date(1962, 3, 10), 2))
    far = TeacherFactory(school=world.school_a, name="周强", national_id=idcard.make("350102", dt.date(1970, 6, 1), 3))
    batch_enroll(actor=world.province_officer, batch=_batch(world, program_1))

    e = Enrollment.objects.get(program=program_1, teacher=near)
    assert e.state == EnrollmentState.EXEMPT
    exemption = e.exemptions.get()
    assert (exemption.kind, exemption.state) == (Exemption.Kind.RETIREMENT, Exemption.State.APPROVED)
    assert exemption.reason == "距法定退休不足5年（2017年3月退休）"
    assert Enrollment.objects.get(program=program_1, teacher=far).state == EnrollmentState.ENROLLED


def test_the_2_0_program_exempts_nobody_for_retirement(world, program_2):
    TeacherFactory(school=world.school_a, national_id=idcard.make("350102", dt.date(1966, 1, 1), 4))
    batch_enroll(actor=world.province_officer, batch=_batch(world, program_2))

    assert not Enrollment.objects.filter(program=program_2, state=EnrollmentState.EXEMPT).exists()


def test_only_the_province_office_creates_and_enrolls_batches(world, program_2):
    with pytest.raises(PermissionDenied):
        batch_create(actor=world.county_officer, program=program_2, year=2024, name="x", counties=[world.county_a])
    batch = _batch(world, program_2)
    with pytest.raises(PermissionDenied):
        batch_enroll(actor=world.outsider, batch=batch)
    assert not Enrollment.objects.exists()


def test_a_batch_takes_counties_only_and_each_county_once(world, program_2):
    with pytest.raises(ValidationError) as exc:
        _batch(world, program_2, counties=[world.city_a])
    assert exc.value.message_dict["counties"] == [_(NOT_A_COUNTY) % {"names": "福州市"}]
    _batch(world, program_2)
    with pytest.raises(ValidationError) as exc:
        _batch(world, program_2, counties=[world.county_a, world.county_b], year=2025)
    assert exc.value.message_dict["counties"] == [_(ALREADY_IN_BATCH) % {"names": "鼓楼区"}]


def _row(name, seq, school="3501020001"):
    values = (name, idcard.make("350102", dt.date(1988, 5, 6), seq), "", school, "小学", "数学", "一级教师",
              "2012-09", "在职")
    return dict(zip(CANONICAL_HEADERS, values, strict=True))


def test_a_teacher_hired_later_through_the_roster_import_is_enrolled_by_the_same_rule(world, program_2):
    batch = _batch(world, program_2)
    batch_enroll(actor=world.province_officer, batch=batch)
    records, errors = roster_validate([_row("新入职", 501), _row("思明新教师", 502, school="3502030001")], actor=None)
    assert errors == []

    roster_apply(records, actor=None, source="test")

    new = Enrollment.objects.get(program=program_2, teacher__name="新入职")
    assert (new.batch, new.school, new.state) == (batch, world.school_a, EnrollmentState.ENROLLED)
    # 思明 is in no batch: nobody there is enrolled.
    assert not Enrollment.objects.filter(teacher__name="思明新教师").exists()


def test_a_transferred_teachers_enrollment_moves_with_them(world, program_2):
    batch_enroll(actor=world.province_officer, batch=_batch(world, program_2))
    teacher = world.teachers_a[2]

    teacher_transfer(actor=world.province_officer, teacher=teacher, school=world.school_b, reason="工作调动")

    e = Enrollment.objects.get(program=program_2, teacher=teacher)
    assert (e.school, e.org_path) == (world.school_b, world.school_b.path)


def test_a_teacher_transferred_into_an_enrolled_county_is_enrolled(world, program_2):
    batch_enroll(actor=world.province_officer, batch=_batch(world, program_2))

    teacher_transfer(actor=world.province_officer, teacher=world.teacher_b, school=world.school_a, reason="调入")

    assert Enrollment.objects.get(program=program_2, teacher=world.teacher_b).school == world.school_a


def test_sync_does_nothing_for_programs_that_are_not_active(world, program_2):
    batch_enroll(actor=world.province_officer, batch=_batch(world, program_2))
    program_2.status = "closed"
    program_2.save()
    TeacherFactory(school=world.school_a, name="新教师")

    assert enrollment_sync_for_schools([world.school_a.pk]) == 0


def test_batch_enroll_query_count_does_not_grow_with_teachers(world, program_2, django_assert_max_num_queries):
    for _n in range(30):
        TeacherFactory(school=world.school_a)
    batch = _batch(world, program_2)

    with django_assert_max_num_queries(15):
        assert batch_enroll(actor=world.province_officer, batch=batch) == Teacher.objects.filter(
            org_path__startswith=world.county_a.path + "/", status="active").count()


def test_changing_the_exemption_years_exempts_and_restores_teachers(world, program_1):
    from tisheng.programs.services.enrollment import retirement_exemptions_sync

    # Retires 2017-03-10 (exempt under 5 years and under 2), and 2019-06-01 (only under 5).
    soon = TeacherFactory(school=world.school_a, national_id=idcard.make("350102", dt.date(1962, 3, 10), 2))
    later = TeacherFactory(school=world.school_a, national_id=idcard.make("350102", dt.date(1964, 6, 1), 4))
    program_1.rules = dict(program_1.rules, exempt_years_before_retirement=2)
    program_1.save()
    batch_enroll(actor=world.province_officer, batch=_batch(world, program_1))
    assert Enrollment.objects.get(program=program_1, teacher=later).state == EnrollmentState.ENROLLED

    program_1.rules = dict(program_1.rules, exempt_years_before_retirement=5)
    program_1.save()
    assert retirement_exemptions_sync(program_1) == (1, 0)
    e = Enrollment.objects.get(program=program_1, teacher=later)
    assert e.state == EnrollmentState.EXEMPT
    assert e.exemptions.get().reason == "距法定退休不足5年（2019年6月退休）"

    program_1.rules = dict(program_1.rules, exempt_years_before_retirement=None)
    program_1.save()
    assert retirement_exemptions_sync(program_1) == (0, 2)
    assert set(Enrollment.objects.filter(program=program_1, teacher__in=[soon, later]).values_list(
        "state", flat=True)) == {EnrollmentState.ENROLLED}
    assert not Exemption.objects.filter(enrollment__program=program_1, state="approved").exists()


def test_a_teacher_back_from_leave_is_enrolled_like_a_hire(world, program_2):
    from tisheng.people.services.teachers import teacher_update

    away = TeacherFactory(school=world.school_a, name="休假教师", status="on_leave")
    batch_enroll(actor=world.province_officer, batch=_batch(world, program_2))
    assert not Enrollment.objects.filter(teacher=away).exists()

    teacher_update(actor=world.county_officer, teacher=away, status="active")

    assert Enrollment.objects.get(teacher=away).program == program_2
