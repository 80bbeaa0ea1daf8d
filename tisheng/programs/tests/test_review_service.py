"""The review chain's services: school → county → city → province, returns with reasons,
batch approval as one UPDATE, every decision in the audit log, and scope."""

import pytest
from django.core.exceptions import PermissionDenied

from tisheng.accounts.models import AuditAction, AuditLog, RoleAssignment
from tisheng.people.tests.factories import TeacherFactory, UserFactory
from tisheng.programs.completion import COMPLETE_TEXT
from tisheng.programs.models import Enrollment, ReviewDecision
from tisheng.programs.services import review as svc


def enroll(program, teacher, state="complete", review_level="", explanation=COMPLETE_TEXT, **extra) -> Enrollment:
    """An enrollment as completion and the chain would have left it."""
    return Enrollment.objects.create(program=program, teacher=teacher, school=teacher.school,
                                     org_path=teacher.org_path, state=state, review_level=review_level,
                                     explanation=explanation, total_hours=50, **extra)


def city_officer(world, phone="13700000009"):
    user = UserFactory(name="福州市工程办", phone=phone)
    RoleAssignment.objects.create(user=user, role="city_office", region=world.city_a)
    return user


def all_of(program):
    return Enrollment.objects.filter(program=program)


def test_the_school_submits_its_complete_enrollments_to_the_county(world, program_2):
    # given two complete teachers of the principal's school
    a, b = (enroll(program_2, t) for t in world.teachers_a[:2])
    # when the principal submits the list
    ids = svc.review_submit(actor=world.principal, program=program_2, selection=all_of(program_2))
    # then both wait for the county, each with a submit decision, and one audit row says so
    assert ids == sorted([a.pk, b.pk])
    for e in Enrollment.objects.filter(pk__in=ids):
        assert (e.state, e.review_level) == ("under_review", "county")
    assert list(ReviewDecision.objects.order_by().values_list("level", "action").distinct()) == [("school", "submit")]
    log = AuditLog.objects.get(action=AuditAction.REVIEW_SUBMITTED)
    assert log.detail["count"] == 2
    assert log.detail["ids"] == ids
    assert log.actor == world.principal


def test_submitting_leaves_unfinished_enrollments_and_other_schools_alone(world, program_2):
    unfinished = enroll(program_2, world.teachers_a[0], state="in_progress", explanation="还差实践应用 12 学时")
    other_school = enroll(program_2, world.teacher_a2)
    ids = svc.review_submit(actor=world.principal, program=program_2, selection=all_of(program_2))
    assert ids == []
    unfinished.refresh_from_db()
    other_school.refresh_from_db()
    assert unfinished.state == "in_progress"
    assert other_school.state == "complete"
    assert not AuditLog.objects.filter(action=AuditAction.REVIEW_SUBMITTED).exists()


def test_a_returned_enrollment_is_resubmitted_only_once_it_is_complete_again(world, program_2):
    still_short = enroll(program_2, world.teachers_a[0], state="returned", explanation="还差实践应用 2 学时",
                         return_reason="实践证据不清晰")
    complete_again = enroll(program_2, world.teachers_a[1], state="returned", return_reason="实践证据不清晰")
    ids = svc.review_submit(actor=world.principal, program=program_2, selection=all_of(program_2))
    assert ids == [complete_again.pk]
    complete_again.refresh_from_db()
    still_short.refresh_from_db()
    assert (complete_again.state, complete_again.return_reason) == ("under_review", "")
    assert (still_short.state, still_short.return_reason) == ("returned", "实践证据不清晰")


def test_the_list_climbs_from_county_to_city_to_province_and_ends_approved(world, program_2):
    e = enroll(program_2, world.teacher, state="under_review", review_level="county")
    city = city_officer(world)
    assert svc.review_approve(actor=world.county_officer, level="county", program=program_2,
                              selection=all_of(program_2)) == [e.pk]
    e.refresh_from_db()
    assert (e.state, e.review_level) == ("under_review", "city")
    svc.review_approve(actor=city, level="city", program=program_2, selection=all_of(program_2))
    e.refresh_from_db()
    assert (e.state, e.review_level) == ("under_review", "province")
    svc.review_approve(actor=world.province_officer, level="province", program=program_2, selection=all_of(program_2))
    e.refresh_from_db()
    assert (e.state, e.review_level) == ("approved", "")
    assert list(e.decisions.values_list("level", "action")) == [
        ("county", "approve"), ("city", "approve"), ("province", "approve")]
    assert AuditLog.objects.filter(action=AuditAction.REVIEW_APPROVED).count() == 3


def test_a_level_cannot_approve_what_waits_for_another_level(world, program_2):
    at_city = enroll(program_2, world.teacher, state="under_review", review_level="city")
    assert svc.review_approve(actor=world.county_officer, level="county", program=program_2,
                              selection=all_of(program_2)) == []
    assert svc.review_approve(actor=world.province_officer, level="province", program=program_2,
                              selection=all_of(program_2)) == []
    at_city.refresh_from_db()
    assert (at_city.state, at_city.review_level) == ("under_review", "city")
    assert not ReviewDecision.objects.exists()


def test_a_county_office_cannot_act_at_the_city_level_at_all(world, program_2):
    with pytest.raises(PermissionDenied):
        svc.review_approve(actor=world.county_officer, level="city", program=program_2, selection=all_of(program_2))


def test_the_outsider_county_approves_nothing_of_another_county(world, program_2):
    e = enroll(program_2, world.teacher, state="under_review", review_level="county")
    assert svc.review_approve(actor=world.outsider, level="county", program=program_2,
                              selection=all_of(program_2)) == []
    e.refresh_from_db()
    assert e.review_level == "county"
    assert list(svc.review_queue(world.outsider, "county", program=program_2)) == []


def test_the_county_returns_one_teacher_with_a_reason_the_school_and_teacher_see(world, program_2):
    returned = enroll(program_2, world.teacher, state="under_review", review_level="county")
    other = enroll(program_2, world.teachers_a[1], state="under_review", review_level="county")
    svc.review_return(actor=world.county_officer, enrollment=returned, reason="实践成果缺少课堂实录")
    returned.refresh_from_db()
    other.refresh_from_db()
    assert (returned.state, returned.review_level, returned.return_reason) == ("returned", "", "实践成果缺少课堂实录")
    assert other.state == "under_review"
    assert svc.enrollment_return_reason_for(world.teacher) == "实践成果缺少课堂实录"
    assert svc.enrollment_return_reason_for(world.teachers_a[1]) == ""
    decision = returned.decisions.get()
    assert (decision.level, decision.action, decision.reason) == ("county", "return", "实践成果缺少课堂实录")
    log = AuditLog.objects.get(action=AuditAction.REVIEW_RETURNED)
    assert log.object_id == str(returned.pk)
    assert log.detail["reason"] == "实践成果缺少课堂实录"
    # the school sees it among the enrollments it must look at
    assert returned in svc.review_queue(world.principal, "school", program=program_2)


def test_a_return_without_a_reason_is_refused(world, program_2):
    e = enroll(program_2, world.teacher, state="under_review", review_level="county")
    with pytest.raises(svc.ReviewError) as exc:
        svc.review_return(actor=world.county_officer, enrollment=e, reason="   ")
    assert exc.value.messages == [str(svc.RETURN_REASON_REQUIRED)]
    e.refresh_from_db()
    assert e.state == "under_review"


def test_a_city_cannot_return_an_enrollment_still_at_the_county(world, program_2):
    e = enroll(program_2, world.teacher, state="under_review", review_level="county")
    with pytest.raises(svc.ReviewError) as exc:
        svc.review_return(actor=city_officer(world), enrollment=e, reason="材料不全")
    assert exc.value.messages == [str(svc.NOT_AT_YOUR_LEVEL)]


def test_the_outsider_cannot_return_another_countys_teacher(world, program_2):
    e = enroll(program_2, world.teacher, state="under_review", review_level="county")
    with pytest.raises(svc.ReviewError):
        svc.review_return(actor=world.outsider, enrollment=e, reason="材料不全")
    e.refresh_from_db()
    assert e.state == "under_review"


def test_a_batch_approval_takes_the_same_few_queries_for_ten_or_sixty_teachers(
        world, program_2, django_assert_max_num_queries):
    for n in (10, 60):
        teachers = [TeacherFactory(school=world.school_a2) for _ in range(n)]
        for t in teachers:
            enroll(program_2, t, state="under_review", review_level="county")
        # grants (1), UPDATE … RETURNING (1), insert decisions (1 on PostgreSQL; batches on
        # SQLite stay few), audit row (1), savepoint bookkeeping; telling the teachers: their
        # enrollments with teacher and user (1), SMS settings (1), notifications (1), SMS outbox (1)
        with django_assert_max_num_queries(10):
            ids = svc.review_approve(actor=world.county_officer, level="county", program=program_2,
                                     selection=all_of(program_2))
        assert len(ids) == n
        world.county_officer.__dict__.pop("_scope_grants", None)
    log = AuditLog.objects.filter(action=AuditAction.REVIEW_APPROVED).first()
    assert log.detail["count"] == 60
    assert len(log.detail["ids"]) == 60


def test_the_counts_are_given_per_school_for_a_county_and_per_county_for_a_city(world, program_2):
    enroll(program_2, world.teachers_a[0], state="under_review", review_level="county")
    enroll(program_2, world.teachers_a[1], state="under_review", review_level="city")
    enroll(program_2, world.teacher_a2, state="returned", return_reason="缺材料")
    enroll(program_2, world.teacher_b, state="under_review", review_level="county")
    county = svc.review_counts(world.county_officer, "county", program=program_2)
    assert (county.pending, county.passed, county.returned) == (1, 1, 1)
    by_school = {u.name: (u.pending, u.passed, u.returned) for u in county.units}
    assert by_school == {world.school_a.name: (1, 1, 0), world.school_a2.name: (0, 0, 1)}
    city = svc.review_counts(city_officer(world), "city", program=program_2)
    assert (city.pending, city.passed, city.returned) == (1, 0, 1)
    assert [(u.name, u.pending) for u in city.units] == [("鼓楼区", 1)]
    province = svc.review_counts(world.province_officer, "province", program=program_2)
    assert {u.name: u.returned for u in province.units} == {"福州市": 1}
    outsider = svc.review_counts(world.outsider, "county", program=program_2)
    assert (outsider.pending, [u.name for u in outsider.units]) == (1, [world.school_b.name])
