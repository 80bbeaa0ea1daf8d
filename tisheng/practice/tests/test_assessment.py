from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tisheng.ledger.models import LedgerEntry
from tisheng.practice import services
from tisheng.practice.models import Grade, PeerAssignment, PointResult
from tisheng.practice.tests.conftest import point, submit_point
from tisheng.programs.completion import passed_micro_abilities_for
from tisheng.programs.models import Enrollment

pytestmark = pytest.mark.django_db

E, P, F = Grade.EXCELLENT, Grade.PASS, Grade.FAIL


@pytest.mark.parametrize(("grades", "result"), [
    ([E, E, E], E),
    ([E, P, E], P),
    ([P, P], P),
    ([E, F], F),
    ([P, P, F], F),
    ([E], E),
    ([], F),
])
def test_a_points_result_follows_the_exact_rule(grades, result):
    assert services.point_result_rule(grades) == result


def grade_all(submissions, assessor, grade):
    for s in submissions:
        services.review_team(actor=assessor, submission=s, grade=grade, comment="对照量规" if grade == F else "")


def test_a_passed_point_credits_practice_hours_once(world, program_2, chosen, assessor):
    grade_all(submit_point(world, program_2, "A1"), assessor, P)
    result = services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"))
    assert result.result == P
    entry = result.ledger_entry
    assert (entry.category, entry.hours, entry.source_kind, entry.source_id) == ("practice", Decimal("5.00"),
                                                                                  "micro_ability", "A1")
    assert entry.granted_by == assessor
    with pytest.raises(ValidationError):
        services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"))
    assert LedgerEntry.objects.filter(source_kind="micro_ability").count() == 1


def test_a_failed_point_credits_nothing(world, program_2, chosen, assessor):
    grade_all(submit_point(world, program_2, "A5"), assessor, F)
    result = services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A5"))
    assert (result.result, result.ledger_entry) == (F, None)
    assert not LedgerEntry.objects.exists()


def test_a_point_with_an_ungraded_item_cannot_be_decided(world, program_2, chosen, assessor):
    submissions = submit_point(world, program_2, "A5")
    grade_all(submissions[:2], assessor, P)
    with pytest.raises(ValidationError) as error:
        services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A5"))
    assert "教学反思" in error.value.messages[0]


def test_only_an_excellent_point_can_be_recommended(world, program_2, chosen, assessor):
    grade_all(submit_point(world, program_2, "A1"), assessor, P)
    with pytest.raises(ValidationError):
        services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"),
                                     recommended=True)
    grade_all(submit_point(world, program_2, "A10"), assessor, E)
    result = services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher,
                                          point=point("A10"), recommended=True)
    assert (result.result, result.recommended) == (E, True)


def test_a_returned_point_reverses_its_hours_and_can_be_assessed_again(world, program_2, chosen, assessor):
    grade_all(submit_point(world, program_2, "A1"), assessor, P)
    result = services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"))
    services.point_result_return(result, actor=world.county_officer, reason="抽检不合格：报告与方案不符")
    result.refresh_from_db()
    assert (result.status, result.returned_reason) == ("returned", "抽检不合格：报告与方案不符")
    assert sum(e.hours for e in LedgerEntry.objects.all()) == 0
    # The teacher resubmits, the team grades again, and the hours are credited again.
    grade_all(submit_point(world, program_2, "A1"), assessor, P)
    again = services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"))
    assert again.pk == result.pk
    assert again.status == "assessed"
    assert sum(e.hours for e in LedgerEntry.objects.all()) == Decimal("5.00")


def test_passed_points_count_towards_completion_in_one_query(world, program_2, chosen, assessor,
                                                            django_assert_num_queries):
    enrollment = Enrollment.objects.create(program=program_2, teacher=world.teacher, school=world.school_a,
                                           org_path=world.teacher.org_path)
    other = Enrollment.objects.create(program=program_2, teacher=world.teachers_a[2], school=world.school_a,
                                      org_path=world.school_a.path)
    for code, grade in (("A1", P), ("A5", E), ("A10", F)):
        grade_all(submit_point(world, program_2, code), assessor, grade)
        services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point(code))
    with django_assert_num_queries(1):
        passed = passed_micro_abilities_for(program_2.pk, [enrollment.pk, other.pk])
    assert passed == {enrollment.pk: (2, 2)}
    enrollment.refresh_from_db()
    assert enrollment.practice_hours == Decimal("10.00")


def test_an_assessor_of_another_county_cannot_grade(world, program_2, chosen):
    submissions = submit_point(world, program_2, "A1")
    with pytest.raises(PermissionDenied):
        services.review_team(actor=world.outsider, submission=submissions[0], grade=P)


def test_a_fail_grade_needs_a_comment(world, program_2, chosen, assessor):
    submissions = submit_point(world, program_2, "A1")
    with pytest.raises(ValidationError):
        services.review_team(actor=assessor, submission=submissions[0], grade=F, comment="")


def test_peers_are_assigned_within_the_subject_group(world, program_2, chosen):
    peer = world.teachers_a[2]
    peer.subject = world.teacher.subject
    peer.save()
    made = services.peer_assign_school(actor=world.principal, program=program_2, school=world.school_a)
    assert made >= 3
    assignment = PeerAssignment.objects.filter(teacher=world.teacher).first()
    assert assignment.reviewer.subject == world.teacher.subject
    submissions = submit_point(world, program_2, assignment.point.code)
    review = services.review_peer(actor=assignment.reviewer.user, submission=submissions[0], grade=P, comment="好")
    assert review.stage == "peer"
    with pytest.raises(PermissionDenied):
        services.review_peer(actor=world.teacher_b.user, submission=submissions[0], grade=P)


def test_a_peer_of_another_subject_cannot_be_assigned(world, program_2, chosen):
    other = world.teachers_a[2]
    other.subject = "体育" if world.teacher.subject != "体育" else "音乐"
    other.save()
    with pytest.raises(ValidationError):
        services.peer_assign(actor=world.principal, program=program_2, teacher=world.teacher, reviewer=other,
                             point=point("A1"))


def test_the_teacher_self_assesses_only_their_own_evidence(world, program_2, chosen):
    submissions = submit_point(world, program_2, "A1")
    assert services.review_self(actor=world.teacher.user, submission=submissions[0], grade=E).stage == "self"
    with pytest.raises(PermissionDenied):
        services.review_self(actor=world.teachers_a[2].user, submission=submissions[0], grade=E)
    assert PointResult.objects.count() == 0


def test_a_returned_point_needs_fresh_team_grades(world, program_2, chosen, assessor):
    grade_all(submit_point(world, program_2, "A1"), assessor, P)
    result = services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"))
    services.point_result_return(result, actor=world.county_officer, reason="抽检不合格")
    with pytest.raises(ValidationError):
        services.point_result_decide(actor=assessor, program=program_2, teacher=world.teacher, point=point("A1"))
