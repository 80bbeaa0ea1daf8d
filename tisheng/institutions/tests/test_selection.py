import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tisheng.accounts.evaluators import today
from tisheng.institutions.models import ApplicationStatus
from tisheng.institutions.services import selection as svc
from tisheng.institutions.tests.conftest import RUBRIC, apply_fully, close_window
from tisheng.learning.models import Contract
from tisheng.learning.services import CONTRACT_NOT_CONTRACTABLE, contract_create
from tisheng.notifications.models import Notification
from tisheng.panels import services as panels


def test_a_round_whose_window_closes_before_it_opens_is_refused(world, program_1):
    with pytest.raises(ValidationError) as exc:
        svc.round_create(actor=world.province_officer, program=program_1, region=world.province, title="遴选",
                         rubric=RUBRIC, opens_on=today(), closes_on=today() - dt.timedelta(days=1),
                         review_ends_on=today() + dt.timedelta(days=5), materials=[{"key": "m1", "label": "资质"}])
    assert exc.value.code == "window_backwards"


def test_a_county_office_cannot_open_a_selection_round(world, program_1):
    with pytest.raises(ValidationError) as exc:
        svc.round_create(actor=world.county_officer, program=program_1, region=world.province, title="遴选",
                         rubric=RUBRIC, opens_on=today(), closes_on=today(),
                         review_ends_on=today() + dt.timedelta(days=5), materials=[{"key": "m1", "label": "资质"}])
    assert exc.value.code == "not_province"


def test_a_course_line_without_hours_is_refused_with_its_line_number(call):
    with pytest.raises(ValidationError) as exc:
        svc.application_save(actor=call.staff[0], selection=call.round, statement="",
                             courses_text="微课设计, 6, 初中\n没有学时的课程")
    assert exc.value.params == {"n": 2}


def test_submitting_without_every_material_names_the_missing_one(call):
    application = svc.application_save(actor=call.staff[0], selection=call.round, statement="",
                                       courses_text="微课设计, 6, 初中")
    with pytest.raises(ValidationError) as exc:
        svc.application_submit(actor=call.staff[0], application=application)
    assert "资质证明" in exc.value.messages[0]


def test_a_material_that_is_not_a_pdf_or_docx_is_refused_whatever_its_name(call):
    application = svc.application_save(actor=call.staff[0], selection=call.round, statement="",
                                       courses_text="微课设计, 6, 初中")
    fake = SimpleUploadedFile("资质.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        svc.material_upload(actor=call.staff[0], application=application, key="m1", upload=fake)
    assert exc.value.code == "material_type"
    assert not application.files.exists()


def test_an_institution_cannot_revise_after_the_window_closes(call):
    apply_fully(call, 0)
    close_window(call)
    with pytest.raises(ValidationError) as exc:
        svc.application_save(actor=call.staff[0], selection=call.round, statement="改", courses_text="微课, 6")
    assert exc.value.code == "window_not_open"


def test_the_whole_round_from_applications_to_published_contracts(call, world):
    a1, a2 = apply_fully(call, 0), apply_fully(call, 1)
    with pytest.raises(ValidationError):
        svc.round_review_start(actor=world.province_officer, selection=call.round)  # the window is still open
    close_window(call)
    assert svc.round_review_start(actor=world.province_officer, selection=call.round) == 2
    panel = call.round.panel
    expert = panels.panel_expert_add(actor=world.province_officer, panel=panel, phone="13900000201", name="郑教授")
    panels.panel_assign_all(actor=world.province_officer, panel=panel)
    for assignment in expert.assignments.select_related("item"):
        panels.scores_submit(actor=expert.user, assignment=assignment, values={"c1": "80", "c2": "70"})
    with pytest.raises(ValidationError) as exc:
        svc.application_decide(actor=world.province_officer, application=a1, selected=True, reason="评分第一")
    assert exc.value.code == "panel_not_closed"
    panels.panel_close(actor=world.province_officer, panel=panel)
    call.round.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        svc.application_decide(actor=world.province_officer, application=a1, selected=True, reason="")
    assert exc.value.code == "reason_required"
    svc.application_decide(actor=world.province_officer, application=a1, selected=True, reason="评分第一，资源齐全")
    with pytest.raises(ValidationError) as exc:
        svc.round_publish(actor=world.province_officer, selection=call.round)
    assert exc.value.code == "undecided"
    svc.application_decide(actor=world.province_officer, application=a2, selected=False, reason="平台未通过 xAPI 对接测试")
    svc.round_publish(actor=world.province_officer, selection=call.round)
    assert list(Contract.objects.filter(region=world.province).values_list("institution_id", flat=True)) == [
        call.orgs[0].pk]
    refusal = Notification.objects.get(recipient=call.staff[1])
    assert "平台未通过 xAPI 对接测试" in refusal.body
    a2.refresh_from_db()
    assert a2.status == ApplicationStatus.NOT_SELECTED
    # From now on the contract flow offers only the selected institutions.
    with pytest.raises(ValidationError) as exc:
        contract_create(actor=world.province_officer, program=call.round.program, institution=call.orgs[1],
                        region=world.province)
    assert exc.value.messages == [str(CONTRACT_NOT_CONTRACTABLE)]
