import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from tisheng.jobs.models import Job
from tisheng.jobs.services import jobs_run_pending
from tisheng.programs.models import Enrollment
from tisheng.programs.rules import FUJIAN_2015, RULE_ERROR_AT
from tisheng.programs.services.enrollment import batch_create, batch_enroll
from tisheng.programs.services.programs import program_copy, program_update, rules_validate


def test_an_invalid_document_is_refused_naming_each_field_in_chinese():
    doc = dict(FUJIAN_2015, min_practice_share="1.5", minutes_per_hour="四十五")

    with pytest.raises(ValidationError) as exc:
        rules_validate(doc)

    assert exc.value.message_dict["rules"] == [
        "规则集，每学时分钟数（minutes_per_hour）：必须是整数",
        "规则集，实践学时最低占比（min_practice_share）：不能大于 1",
    ]


def test_yearly_quotas_over_100_percent_are_refused():
    doc = dict(FUJIAN_2015, yearly_quotas={"2015": "0.3", "2016": "0.5", "2017": "0.3"})

    with pytest.raises(ValidationError) as exc:
        rules_validate(doc)

    assert exc.value.message_dict["rules"] == [_(RULE_ERROR_AT) % {
        "field": "年度完成比例（yearly_quotas）", "problem": "各年度完成比例之和超过 100%"}]


def test_only_the_province_copies_or_changes_a_program(world, program_2):
    with pytest.raises(PermissionDenied):
        program_copy(actor=world.county_officer, program=program_2)
    with pytest.raises(PermissionDenied):
        program_update(actor=world.outsider, program=program_2, name="改名")


def test_changing_the_rules_re_evaluates_the_enrollments_in_the_background(world, program_1,
                                                                          django_capture_on_commit_callbacks):
    batch_enroll(actor=world.province_officer, batch=batch_create(
        actor=world.province_officer, program=program_1, year=2015, name="一", counties=[world.county_a]))

    with django_capture_on_commit_callbacks(execute=True):
        program_update(actor=world.province_officer, program=program_1,
                       rules=dict(FUJIAN_2015, required_hours="50", min_hours={"online": "25", "practice": "25"}))

    job = Job.objects.get(kind="programs.completion_refresh")
    assert job.args == {"program": program_1.pk}
    jobs_run_pending()
    job.refresh_from_db()
    assert job.state == "done"
    assert job.result["enrollments"] == Enrollment.objects.filter(program=program_1).count()


def test_renaming_a_program_queues_no_re_evaluation(world, program_2, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        program_update(actor=world.province_officer, program=program_2, name="提升工程2.0（福建）",
                       end_date=dt.date(2030, 8, 31))

    program_2.refresh_from_db()
    assert (program_2.name, program_2.end_date) == ("提升工程2.0（福建）", dt.date(2030, 8, 31))
    assert not Job.objects.exists()
