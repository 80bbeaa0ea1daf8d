"""Practice has a way back: an item graded 不合格, a point decided 不合格 and a point returned
by a spot check open again for the teacher to resubmit, with the grader's comment shown and
the earlier versions kept, up to the rule set's number of submissions per item."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from tisheng.ledger.models import LedgerEntry
from tisheng.practice import services
from tisheng.practice.models import Grade, PointChoice, Submission
from tisheng.practice.services.evidence import ALREADY_GRADED, ATTEMPTS_USED
from tisheng.practice.tests.conftest import point, submit_point, upload_for

pytestmark = pytest.mark.django_db

E, P, F = Grade.EXCELLENT, Grade.PASS, Grade.FAIL
COMMENT = "学情分析报告缺少前测数据，请补充数据后重新提交"


def tasks_of(world, program, code):
    choice = PointChoice.objects.select_related("point_version").get(program=program, teacher=world.teacher,
                                                                     point__code=code)
    return list(choice.point_version.tasks.all())


def resubmit(world, program, task, name="修改稿"):
    return services.submission_upload(actor=world.teacher.user, teacher=world.teacher, program=program, task=task,
                                      upload=upload_for(task, name))


def decide(world, program, assessor, code):
    return services.point_result_decide(actor=assessor, program=program, teacher=world.teacher, point=point(code))


def test_an_item_graded_fail_opens_again_and_the_new_version_is_graded_by_the_team(world, program_2, chosen,
                                                                                     assessor):
    first, second = submit_point(world, program_2, "A1")
    services.review_team(actor=assessor, submission=first, grade=P)
    services.review_team(actor=assessor, submission=second, grade=F, comment=COMMENT)

    again = resubmit(world, program_2, second.task)

    assert (again.version, again.is_current) == (2, True)
    assert Submission.objects.get(pk=second.pk).is_current is False  # the earlier version is kept
    services.review_team(actor=assessor, submission=again, grade=P)
    assert decide(world, program_2, assessor, "A1").result == P


def test_a_point_decided_fail_opens_its_failed_items_again_and_is_decided_again(world, program_2, chosen, assessor):
    first, second = submit_point(world, program_2, "A1")
    services.review_team(actor=assessor, submission=first, grade=P)
    services.review_team(actor=assessor, submission=second, grade=F, comment=COMMENT)
    failed = decide(world, program_2, assessor, "A1")
    assert (failed.result, failed.ledger_entry) == (F, None)

    again = resubmit(world, program_2, second.task)
    with pytest.raises(ValidationError):  # the new version is not graded yet
        decide(world, program_2, assessor, "A1")
    services.review_team(actor=assessor, submission=again, grade=E)
    passed = decide(world, program_2, assessor, "A1")

    assert passed.pk == failed.pk
    assert (passed.result, passed.status) == (P, "assessed")
    assert sum(e.hours for e in LedgerEntry.objects.all()) == Decimal("5.00")


def test_a_failed_point_is_not_decided_again_before_anything_new_is_graded(world, program_2, chosen, assessor):
    for s in submit_point(world, program_2, "A1"):
        services.review_team(actor=assessor, submission=s, grade=F, comment=COMMENT)
    decide(world, program_2, assessor, "A1")

    with pytest.raises(ValidationError):
        decide(world, program_2, assessor, "A1")


def test_a_passed_item_of_a_point_not_yet_decided_stays_closed(world, program_2, chosen, assessor):
    first, _second = submit_point(world, program_2, "A1")
    services.review_team(actor=assessor, submission=first, grade=P)

    with pytest.raises(ValidationError) as error:
        resubmit(world, program_2, first.task)

    assert error.value.messages == [_(ALREADY_GRADED)]


def test_a_passed_point_stays_closed(world, program_2, chosen, assessor):
    submissions = submit_point(world, program_2, "A1")
    for s in submissions:
        services.review_team(actor=assessor, submission=s, grade=P)
    decide(world, program_2, assessor, "A1")

    with pytest.raises(ValidationError):
        resubmit(world, program_2, submissions[0].task)


def test_resubmissions_stop_at_the_number_the_rule_set_allows(world, program_2, chosen, assessor):
    rules = dict(program_2.rules)
    rules["micro_abilities"] = {**rules["micro_abilities"], "max_attempts": 2}
    program_2.rules = rules
    program_2.save()
    task = tasks_of(world, program_2, "A1")[0]
    first = resubmit(world, program_2, task, "初稿")
    services.review_team(actor=assessor, submission=first, grade=F, comment=COMMENT)
    second = resubmit(world, program_2, task)
    services.review_team(actor=assessor, submission=second, grade=F, comment="仍缺少前测数据")

    with pytest.raises(ValidationError) as error:
        resubmit(world, program_2, task, "第三稿")

    assert error.value.messages == [_(ATTEMPTS_USED) % {"n": 2}]
    assert Submission.objects.filter(task=task, teacher=world.teacher).count() == 2


def test_replacing_a_file_before_it_is_graded_does_not_use_a_submission(world, program_2, chosen, assessor):
    rules = dict(program_2.rules)
    rules["micro_abilities"] = {**rules["micro_abilities"], "max_attempts": 2}
    program_2.rules = rules
    program_2.save()
    task = tasks_of(world, program_2, "A1")[0]
    resubmit(world, program_2, task, "初稿")
    replaced = resubmit(world, program_2, task, "初稿-改")  # not graded yet: the same, first submission
    services.review_team(actor=assessor, submission=replaced, grade=F, comment=COMMENT)

    again = resubmit(world, program_2, task)

    assert services.submission_attempts(program_2, world.teacher, task) == {1: 1, 2: 1, 3: 2}
    assert again.version == 3


def test_a_spot_check_reversal_opens_the_point_for_resubmission_within_the_attempts(world, program_2, chosen,
                                                                                  assessor):
    submissions = submit_point(world, program_2, "A1")
    for s in submissions:
        services.review_team(actor=assessor, submission=s, grade=P)
    result = decide(world, program_2, assessor, "A1")
    services.point_result_return(result, actor=world.county_officer, reason="抽检不合格：报告与方案不符")

    again = resubmit(world, program_2, submissions[1].task)

    assert services.submission_attempts(program_2, world.teacher, again.task)[again.version] == 2


def grading_page(client, program, teacher, code):
    return client.get(reverse("practice:grade", args=[teacher.pk, code]) + f"?program={program.code}")


def my_page(client, program):
    return client.get(reverse("practice:my") + f"?program={program.code}")


def test_the_teacher_sees_the_graders_comment_and_resubmits_and_the_assessor_sees_the_second_submission(
        client, world, program_2, chosen, assessor):
    first, second = submit_point(world, program_2, "A1")
    services.review_team(actor=assessor, submission=second, grade=F, comment=COMMENT)

    client.force_login(world.teacher.user)
    page = my_page(client, program_2).content.decode()
    assert COMMENT in page
    assert "退回修改" in page
    assert "重新提交（第2次，共3次）" in page
    response = client.post(reverse("practice:my_upload", args=[second.task_id]) + f"?program={program_2.code}",
                           {"file": upload_for(second.task, "修改稿")})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已重新提交" in page
    assert "第2次提交" in page

    client.force_login(assessor)
    page = grading_page(client, program_2, world.teacher, "A1").content.decode()
    assert "第2次提交" in page
    assert COMMENT in page  # the earlier version, with its grade and comment
    assert "不合格" in page


def test_after_the_last_submission_the_teacher_is_told_no_more_can_be_made(client, world, program_2, chosen, assessor):
    rules = dict(program_2.rules)
    rules["micro_abilities"] = {**rules["micro_abilities"], "max_attempts": 1}
    program_2.rules = rules
    program_2.save()
    first, _second = submit_point(world, program_2, "A1")
    services.review_team(actor=assessor, submission=first, grade=F, comment=COMMENT)

    client.force_login(world.teacher.user)
    page = my_page(client, program_2).content.decode()

    assert "已用完本项的 1 次提交机会" in page
    assert page.count('name="file"') == len(tasks_of(world, program_2, "A5")) + len(tasks_of(world, program_2, "A10")) + 1


def test_the_outsider_gets_404_on_the_grading_page_of_a_resubmitted_point(client, world, program_2, chosen, assessor):
    _first, second = submit_point(world, program_2, "A1")
    services.review_team(actor=assessor, submission=second, grade=F, comment=COMMENT)
    resubmit(world, program_2, second.task)

    client.force_login(world.outsider)

    assert grading_page(client, program_2, world.teacher, "A1").status_code == 404


def test_a_failed_point_resubmitted_since_is_back_in_the_assessment_queue(world, program_2, chosen, assessor):
    from tisheng.practice import selectors

    first, second = submit_point(world, program_2, "A1")
    services.review_team(actor=assessor, submission=first, grade=P)
    services.review_team(actor=assessor, submission=second, grade=F, comment=COMMENT)
    decide(world, program_2, assessor, "A1")

    def stage():
        rows = selectors.assessment_queue(assessor, world.school_a, program_2)
        return next(selectors.queue_stage(r) for r in rows if r.teacher_id == world.teacher.pk and r.point_code == "A1")

    assert stage() == "decided"
    resubmit(world, program_2, second.task)
    assert stage() == "waiting"
