"""Institutions' documents (application materials, third-party reports, licences) are stored
before the rows that point at them and go again when those rows are not written (issue 20,
item 4); a replaced one goes once its successor is recorded; a store that is down is the clear
message on the page and nothing is recorded."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.core import storage_files
from tisheng.institutions.models import ApplicationMaterial, InstitutionRegistration, ThirdPartyEvaluation
from tisheng.institutions.services import evaluation
from tisheng.institutions.services import selection as svc
from tisheng.institutions.tests.conftest import pdf_upload
from tisheng.institutions.tests.test_registration import post
from tisheng.people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UNWRITABLE = "文件保存失败：存储不可写，请联系管理员。"


def stored() -> list[str]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


class Broken(RuntimeError):
    pass


def _raise(*args, **kwargs):
    raise Broken("a later step failed")


def _application(call):
    return svc.application_save(actor=call.staff[0], selection=call.round, statement="十年培训经验",
                                courses_text="信息技术与课堂教学融合, 10, 小学")


def test_a_material_whose_audit_row_fails_leaves_neither_a_row_nor_an_object(call, monkeypatch):
    application = _application(call)
    monkeypatch.setattr(svc, "audit", _raise)

    with pytest.raises(Broken):
        svc.material_upload(actor=call.staff[0], application=application, key="m1", upload=pdf_upload())

    assert not ApplicationMaterial.objects.exists()
    assert stored() == []


def test_a_replaced_material_leaves_only_the_new_file_in_the_store(call, django_capture_on_commit_callbacks):
    application = _application(call)
    svc.material_upload(actor=call.staff[0], application=application, key="m1", upload=pdf_upload("旧.pdf"))
    first = ApplicationMaterial.objects.get().stored_path

    with django_capture_on_commit_callbacks(execute=True):
        svc.material_upload(actor=call.staff[0], application=application, key="m1", upload=pdf_upload("新.pdf"))

    material = ApplicationMaterial.objects.get()
    assert material.file_name == "新.pdf"
    assert material.stored_path != first
    assert stored() == [material.stored_path]


def test_a_store_that_is_down_is_the_clear_message_on_the_page_and_no_material_is_recorded(
        client, call, monkeypatch):
    application = _application(call)
    monkeypatch.setattr(type(storage_files.private_storage()), "_save", _no_space)
    client.force_login(call.staff[0])

    response = client.post(reverse("institutions:material_upload", args=[application.pk]),
                           {"key": "m1", "file": pdf_upload()}, follow=True)

    assert UNWRITABLE in response.content.decode()
    assert not ApplicationMaterial.objects.exists()
    assert stored() == []


def _no_space(self, name, content):
    raise OSError(28, "No space left on device")


def test_a_third_party_report_whose_audit_row_fails_leaves_no_object_and_a_resent_one_replaces_the_file(
        world, served, monkeypatch, django_capture_on_commit_callbacks):
    period = evaluation.period_open(actor=world.province_officer, region=world.province,
                                    year=timezone.localdate().year, ends_on=timezone.localdate())
    evaluator = UserFactory(name="第三方评估员", phone="13900000078")
    RoleAssignment.objects.create(user=evaluator, role="evaluator", region=world.province)
    with monkeypatch.context() as m:
        m.setattr(evaluation, "audit", _raise)
        with pytest.raises(Broken):
            evaluation.third_party_submit(actor=evaluator, period=period, institution=served.inst_b, score="90",
                                          summary="", upload=pdf_upload("评估报告.pdf"))
    assert not ThirdPartyEvaluation.objects.exists()
    assert stored() == []

    evaluation.third_party_submit(actor=evaluator, period=period, institution=served.inst_b, score="90",
                                  summary="", upload=pdf_upload("评估报告.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        evaluation.third_party_submit(actor=evaluator, period=period, institution=served.inst_b, score="91",
                                      summary="", upload=pdf_upload("评估报告二.pdf"))
    assert stored() == [ThirdPartyEvaluation.objects.get().stored_path]


def test_a_registration_that_loses_the_race_for_its_phone_leaves_no_licence_behind(world, client, monkeypatch):
    def lost_race(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(InstitutionRegistration.objects, "create", lost_race)

    response = post(client)

    assert response.status_code == 400
    assert "使用该手机号或统一社会信用代码的注册申请正在等待省级审核" in response.content.decode()
    assert stored() == []
