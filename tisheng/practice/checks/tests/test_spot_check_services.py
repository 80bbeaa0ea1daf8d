from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tisheng.accounts.models import AuditLog
from tisheng.ledger.models import LedgerEntry
from tisheng.people.tests.factories import TeacherFactory
from tisheng.practice.checks import services
from tisheng.practice.checks.models import SpotCheckItem, SpotCheckSchoolReturn
from tisheng.practice.models import PointResult

from .conftest import make_passed, make_result


@pytest.fixture
def county_results(world, practice):
    """School A: 12 teachers × 2 passed points (24); school A2: 3 teachers × 1 (3), one failed
    point that is never drawn; county B: 2 passed points."""
    teachers_a = world.teachers_a + [TeacherFactory(school=world.school_a) for _ in range(9)]
    results = [make_passed(practice, t, i) for t in teachers_a for i in (0, 1)]
    teachers_a2 = [world.teacher_a2] + [TeacherFactory(school=world.school_a2) for _ in range(2)]
    results += [make_passed(practice, t, 2) for t in teachers_a2]
    make_result(practice, teachers_a2[0], 3, result="fail")
    make_passed(practice, world.teacher_b, 0)
    make_passed(practice, world.teacher_b, 1)
    return results


def test_the_draw_takes_a_tenth_of_each_schools_passed_points_rounded_up(world, practice, county_results):
    check = services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a)
    by_school = {s: check.items.filter(school=s).count() for s in (world.school_a, world.school_a2)}
    assert by_school == {world.school_a: 3, world.school_a2: 1}
    assert check.population == 27
    assert not check.items.filter(result__result="fail").exists()
    assert not check.items.filter(org_path__startswith=world.county_b.path).exists()


def test_the_draw_is_reproducible_from_its_recorded_seed(world, practice, county_results):
    check = services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a,
                                     share=Decimal("0.25"))
    drawn = sorted(check.items.values_list("result_id", flat=True))
    again, population = services.spot_check_sample(practice.program, world.county_a.path, check.share, check.seed)
    assert sorted(again) == drawn
    assert population == check.population
    other, _ = services.spot_check_sample(practice.program, world.county_a.path, check.share, check.seed + 1)
    assert sorted(other) != drawn


def test_the_draw_is_recorded_in_the_audit_log_with_its_seed(world, practice, county_results):
    check = services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a)
    log = AuditLog.objects.get(action="practice.spot_check_draw")
    assert log.detail["seed"] == check.seed
    assert log.actor == world.county_officer


def test_another_countys_office_cannot_draw_in_county_a(world, practice, county_results):
    with pytest.raises(PermissionDenied):
        services.spot_check_draw(actor=world.outsider, program=practice.program, region=world.county_a)


def test_a_share_of_zero_is_refused(world, practice, county_results):
    with pytest.raises(ValidationError) as error:
        services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a,
                                 share=0)
    assert error.value.messages == [str(services.SHARE_INVALID)]


def test_reviewers_come_from_the_teacher_college_serving_the_county(world, practice, reviewer, reviewer_b):
    assert list(services.eligible_reviewers(world.county_a)) == [reviewer]
    assert list(services.eligible_reviewers(world.county_b)) == [reviewer_b]


def test_a_reviewer_of_another_county_cannot_be_assigned(world, practice, county_results, reviewer_b):
    check = services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a)
    with pytest.raises(ValidationError) as error:
        services.spot_check_assign(actor=world.county_officer, check=check, reviewers=[reviewer_b])
    assert error.value.messages == [str(services.REVIEWER_NOT_ELIGIBLE) % {"name": reviewer_b.name}]


def _drawn_and_assigned(world, practice, reviewer, **kwargs):
    check = services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a,
                                     **kwargs)
    services.spot_check_assign(actor=world.county_officer, check=check, reviewers=[reviewer])
    return check


def test_a_failed_check_returns_the_point_and_reverses_its_hours(world, practice, county_results, reviewer):
    check = _drawn_and_assigned(world, practice, reviewer)
    item = check.items.filter(school=world.school_a).first()
    credit = item.result.ledger_entry
    services.spot_check_item_decide(actor=reviewer, item=item, outcome="failed", reason="反思与课例无关")
    result = PointResult.objects.get(pk=item.result_id)
    assert result.status == "returned"
    assert "反思与课例无关" in result.returned_reason
    reversal = LedgerEntry.objects.get(reverses=credit)
    assert reversal.hours == Decimal("-10.00")


def test_a_confirmed_check_keeps_the_point_and_its_hours(world, practice, county_results, reviewer):
    check = _drawn_and_assigned(world, practice, reviewer)
    item = check.items.first()
    services.spot_check_item_decide(actor=reviewer, item=item, outcome="confirmed")
    assert PointResult.objects.get(pk=item.result_id).status == "assessed"
    assert not LedgerEntry.objects.filter(reverses__isnull=False).exists()


def test_failing_without_a_reason_is_refused(world, practice, county_results, reviewer):
    check = _drawn_and_assigned(world, practice, reviewer)
    with pytest.raises(ValidationError) as error:
        services.spot_check_item_decide(actor=reviewer, item=check.items.first(), outcome="failed", reason=" ")
    assert error.value.messages == [str(services.FAIL_REASON_REQUIRED)]


def test_only_the_assigned_reviewer_decides_an_item(world, practice, county_results, reviewer):
    check = services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a)
    with pytest.raises(PermissionDenied):
        services.spot_check_item_decide(actor=reviewer, item=check.items.first(), outcome="confirmed")
    with pytest.raises(PermissionDenied):
        services.spot_check_item_decide(actor=world.county_officer, item=check.items.first(), outcome="confirmed")


def test_a_school_past_the_failure_threshold_has_all_its_passed_results_returned(world, practice, county_results,
                                                                                 reviewer):
    check = _drawn_and_assigned(world, practice, reviewer, fail_threshold=Decimal("0.5"))  # school A: 3 sampled
    first, second, third = check.items.filter(school=world.school_a).order_by("pk")
    services.spot_check_item_decide(actor=reviewer, item=first, outcome="failed", reason="材料雷同")
    assert PointResult.objects.filter(org_path=world.school_a.path, status="returned").count() == 1  # 1/3 ≤ 50 %
    services.spot_check_item_decide(actor=reviewer, item=second, outcome="confirmed")
    assert not SpotCheckSchoolReturn.objects.exists()
    services.spot_check_item_decide(actor=reviewer, item=third, outcome="failed", reason="无课堂实录")
    school_return = SpotCheckSchoolReturn.objects.get()
    assert (school_return.failed, school_return.sampled, school_return.returned) == (2, 3, 22)
    assert not PointResult.objects.filter(org_path=world.school_a.path, status="assessed").exists()
    assert LedgerEntry.objects.filter(reverses__isnull=False, teacher__school=world.school_a).count() == 24
    # the other school of the county and county B keep theirs
    assert PointResult.objects.filter(org_path=world.school_a2.path, status="assessed", result="pass").count() == 3
    assert PointResult.objects.filter(org_path=world.school_b.path, status="assessed").count() == 2
    assert AuditLog.objects.filter(action="practice.spot_school_return").count() == 1


def test_at_the_default_threshold_one_failure_in_three_returns_the_school(world, practice, county_results, reviewer):
    check = _drawn_and_assigned(world, practice, reviewer)  # 30 %
    item = check.items.filter(school=world.school_a).first()
    services.spot_check_item_decide(actor=reviewer, item=item, outcome="failed", reason="材料雷同")
    assert SpotCheckSchoolReturn.objects.get().returned == 23  # the failed one was returned already
    assert not PointResult.objects.filter(org_path=world.school_a.path, status="assessed").exists()


def test_an_item_is_checked_once(world, practice, county_results, reviewer):
    check = _drawn_and_assigned(world, practice, reviewer)
    item = check.items.first()
    services.spot_check_item_decide(actor=reviewer, item=item, outcome="confirmed")
    with pytest.raises(ValidationError) as error:
        services.spot_check_item_decide(actor=reviewer, item=item, outcome="failed", reason="x")
    assert error.value.messages == [str(services.ALREADY_CHECKED)]
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == "confirmed"
