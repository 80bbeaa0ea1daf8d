"""Suspending or terminating an institution: the preview, the catalogue, credentials, the
teachers told, hours kept, the periodic run for a later date, and the pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tisheng.accounts.evaluators import today
from tisheng.accounts.models import AuditLog
from tisheng.institutions.models import InstitutionExit
from tisheng.institutions.services import exit as svc
from tisheng.integration.models import ApiCredential
from tisheng.learning.models import Contract
from tisheng.learning.selectors import catalogue_for_teacher
from tisheng.learning.services import contract_create
from tisheng.ledger.models import LedgerEntry
from tisheng.notifications.models import Notification


def _decide(world, served, *, regions=(), on=None, kind="suspend", institution=None):
    return svc.exit_decide(actor=world.province_officer, province=world.province,
                           institution=institution or served.inst_b, kind=kind, regions=list(regions),
                           reason="课程质量抽查不合格", effective_on=on or today())


def test_the_preview_lists_teachers_courses_in_progress_and_hours_at_stake(world, served):
    preview = svc.exit_preview(actor=world.province_officer, province=world.province, institution=served.inst_a,
                               regions=[])
    assert preview["teachers"] == 1  # teacher 2 has not finished course A1
    assert [c["course__code"] for c in preview["courses"]] == ["A1"]
    assert preview["hours_at_stake"] == Decimal("10")
    assert preview["hours_credited"] == Decimal("20")
    assert [s.teacher for s in preview["sample"]] == [served.teachers[2]]


def test_from_today_its_courses_leave_the_catalogue_and_its_credentials_stop(world, served):
    ApiCredential.objects.create(institution=served.inst_b, name="平台", secret_hash="x")
    teacher = served.teachers[1]
    assert catalogue_for_teacher(teacher, served.program).filter(pk=served.course_b.pk).exists()
    before = LedgerEntry.objects.count()
    decision = _decide(world, served)
    assert decision.applied_at is not None
    assert not catalogue_for_teacher(teacher, served.program).filter(pk=served.course_b.pk).exists()
    assert catalogue_for_teacher(teacher, served.program).filter(pk=served.course_a.pk).exists()
    assert not ApiCredential.objects.filter(institution=served.inst_b, revoked_at__isnull=True).exists()
    assert LedgerEntry.objects.count() == before  # hours already credited stay
    assert AuditLog.objects.filter(action="institutions.exit_decided").exists()


def test_the_teachers_with_unfinished_courses_are_told_and_offered_another_institution(world, served):
    _decide(world, served)
    notice = Notification.objects.get(recipient=served.teachers[0].user)
    assert served.course_b.title in notice.body
    assert served.inst_a.name in notice.body  # the other institution contracted for them
    assert not Notification.objects.filter(recipient=served.teachers[1].user).exists()
    assert Notification.objects.filter(recipient=served.staff_b).exists()


def test_a_decision_for_a_later_day_takes_effect_on_that_day(world, served, monkeypatch):
    later = today() + dt.timedelta(days=5)
    decision = _decide(world, served, on=later)
    assert decision.applied_at is None
    assert svc.exits_apply_due() == 0
    assert catalogue_for_teacher(served.teachers[0], served.program).filter(pk=served.course_b.pk).exists()
    monkeypatch.setattr(svc, "today", lambda: later)
    assert svc.exits_apply_due() == 1
    decision.refresh_from_db()
    assert decision.applied_at is not None


def test_a_regional_suspension_leaves_other_regions_and_the_credentials_alone(world, served):
    ApiCredential.objects.create(institution=served.inst_b, name="平台", secret_hash="x")
    Contract.objects.create(program=served.program, institution=served.inst_b, region=world.city_b,
                            region_path=world.city_b.path)
    _decide(world, served, regions=[world.county_a])
    assert not catalogue_for_teacher(served.teachers[0], served.program).filter(pk=served.course_b.pk).exists()
    assert catalogue_for_teacher(world.teacher_b, served.program).filter(pk=served.course_b.pk).exists()
    assert ApiCredential.objects.filter(institution=served.inst_b, revoked_at__isnull=True).exists()


def test_a_province_wide_termination_refuses_new_contracts(world, served):
    _decide(world, served, kind="terminate")
    with pytest.raises(ValidationError):
        contract_create(actor=world.province_officer, program=served.program, institution=served.inst_b,
                        region=world.city_b)


def test_a_decision_needs_a_reason_and_a_date_not_in_the_past(world, served):
    with pytest.raises(ValidationError) as exc:
        svc.exit_decide(actor=world.province_officer, province=world.province, institution=served.inst_b,
                        kind="suspend", regions=[], reason="", effective_on=today())
    assert exc.value.code == "reason_required"
    with pytest.raises(ValidationError) as exc:
        _decide(world, served, on=today() - dt.timedelta(days=1))
    assert exc.value.code == "date_past"
    assert not InstitutionExit.objects.exists()


def test_lifting_a_suspension_returns_its_courses(world, served):
    decision = _decide(world, served)
    svc.exit_lift(actor=world.province_officer, decision=decision)
    assert catalogue_for_teacher(served.teachers[0], served.program).filter(pk=served.course_b.pk).exists()


def test_the_province_previews_then_confirms_on_the_pages(client, world, served):
    client.force_login(world.province_officer)
    assert client.get(reverse("institutions:exits")).status_code == 200
    form = {"institution": served.inst_b.pk, "kind": "suspend", "reason": "服务中断",
            "effective_on": today().isoformat()}
    preview = client.post(reverse("institutions:exit_preview"), form)
    assert preview.status_code == 200
    assert 'data-testid="affected-teachers">1<' in preview.content.decode()
    assert not InstitutionExit.objects.exists()
    done = client.post(reverse("institutions:exit_preview"), {**form, "confirm": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("institutions:exits")
    assert served.inst_b.name in done.content.decode()
    assert InstitutionExit.objects.get().applied_at is not None


def test_a_preview_without_a_reason_keeps_the_form_and_says_why(client, world, served):
    client.force_login(world.province_officer)
    response = client.post(reverse("institutions:exit_preview"), {
        "institution": served.inst_b.pk, "kind": "suspend", "reason": "", "effective_on": "2020-13-01"})
    assert response.status_code == 400
    assert not InstitutionExit.objects.exists()


def test_an_office_of_another_county_gets_404_on_the_exit_pages(client, world, served):
    decision = _decide(world, served)
    client.force_login(world.outsider)
    assert client.get(reverse("institutions:exits")).status_code == 404
    assert client.post(reverse("institutions:exit_preview"), {"institution": served.inst_b.pk}).status_code == 404
    assert client.post(reverse("institutions:exit_lift", args=[decision.pk])).status_code == 404
