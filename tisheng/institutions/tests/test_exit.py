"""Suspending or terminating an institution: the preview, the catalogue, credentials, the
teachers told, hours kept, the periodic run for a later date, and the pages. Confirming records
the decision and queues its application, which a worker runs (`_apply`: the run-jobs command)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tisheng.accounts.evaluators import today
from tisheng.accounts.models import AuditLog
from tisheng.institutions.models import InstitutionExit
from tisheng.institutions.services import exit as svc
from tisheng.integration.models import ApiCredential
from tisheng.jobs.models import Job, JobState
from tisheng.learning.models import Contract
from tisheng.learning.selectors import catalogue_for_teacher
from tisheng.learning.services import contract_create
from tisheng.ledger.models import LedgerEntry
from tisheng.notifications.models import Notification


def _decide(world, served, *, regions=(), on=None, kind="suspend", institution=None, apply=True):
    decision = svc.exit_decide(actor=world.province_officer, province=world.province,
                               institution=institution or served.inst_b, kind=kind, regions=list(regions),
                               reason="课程质量抽查不合格", effective_on=on or today())
    if apply:
        _apply()
        decision.refresh_from_db()
    return decision


def _apply():
    """What the worker does: run the queued applications."""
    call_command("run_jobs", "--once", "--kind", svc.EXIT_APPLY_JOB)


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
    assert decision.apply_job is None
    assert svc.exits_apply_due() == 0
    assert catalogue_for_teacher(served.teachers[0], served.program).filter(pk=served.course_b.pk).exists()
    monkeypatch.setattr(svc, "today", lambda: later)
    # The periodic run queues it before the round's jobs, which apply it: the same function as today's.
    from tisheng.jobs.periodic import run_all

    counts = run_all()
    assert counts["institution_exits"] == 1
    decision.refresh_from_db()
    assert decision.applied_at is not None
    assert decision.apply_job.state == JobState.DONE
    assert Notification.objects.filter(recipient=served.teachers[0].user).count() == 1
    assert svc.exits_apply_due() == 0  # queued once


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
    decision = InstitutionExit.objects.get()
    assert done.redirect_chain[-1][0] == reverse("institutions:exit", args=[decision.pk])
    assert served.inst_b.name in done.content.decode()
    assert decision.applied_at is None  # the worker applies it
    _apply()
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
    assert client.get(reverse("institutions:exit", args=[decision.pk])).status_code == 404
    assert client.post(reverse("institutions:exit_retry", args=[decision.pk])).status_code == 404


# Applied in the background ---------------------------------------------------------------------


def _confirm(client, world, served, kind="suspend"):
    client.force_login(world.province_officer)
    form = {"institution": served.inst_b.pk, "kind": kind, "reason": "服务中断", "effective_on": today().isoformat(),
            "confirm": "1"}
    return client.post(reverse("institutions:exit_preview"), form, follow=True)


def test_confirming_an_exit_from_today_only_queues_it_and_says_so(client, world, served):
    before = LedgerEntry.objects.count()
    done = _confirm(client, world, served)
    page = done.content.decode()
    assert "正在后台生效" in page
    assert "将通知 1 名有未学完课程的教师" in page
    assert 'data-testid="exit-state">处理中<' in page
    decision = InstitutionExit.objects.get()
    assert decision.applied_at is None
    assert Job.objects.get(pk=decision.apply_job_id).state == JobState.QUEUED
    # Nothing of it applied in the request: no one told, nothing credited.
    assert not Notification.objects.exists()
    assert LedgerEntry.objects.count() == before
    # Its courses leave the catalogue at once all the same (that reads the decision).
    assert not catalogue_for_teacher(served.teachers[0], served.program).filter(pk=served.course_b.pk).exists()


def test_the_job_applies_it_once_and_the_exit_page_says_what_it_came_to(client, world, served):
    _confirm(client, world, served)
    decision = InstitutionExit.objects.get()
    _apply()
    page = client.get(reverse("institutions:exit", args=[decision.pk])).content.decode()
    assert 'data-testid="exit-state">已生效<' in page
    assert 'data-testid="exit-told">1<' in page
    assert Notification.objects.filter(recipient=served.teachers[0].user).count() == 1
    told = Notification.objects.count()
    # Run again (a worker lost and its job retried, or a second job): nothing more.
    Job.objects.filter(pk=decision.apply_job_id).update(state=JobState.QUEUED)
    _apply()
    svc.exit_apply_queue(decision)
    _apply()
    assert Notification.objects.count() == told
    assert InstitutionExit.objects.get().affected["told"] == 1


def test_a_failed_application_is_shown_applies_nothing_and_can_be_queued_again(client, world, served, monkeypatch):
    from tisheng.institutions.services import exit as exit_module

    def broken(messages):
        raise RuntimeError("SMS gateway misconfigured")

    monkeypatch.setattr(exit_module, "notify_many", broken)
    _confirm(client, world, served)
    decision = InstitutionExit.objects.get()
    _apply()
    assert Job.objects.get(pk=decision.apply_job_id).state == JobState.FAILED
    decision.refresh_from_db()
    assert decision.applied_at is None  # all or nothing
    page = client.get(reverse("institutions:exit", args=[decision.pk])).content.decode()
    assert 'data-testid="exit-state">失败<' in page
    assert "没有通知任何教师" in page
    assert "SMS gateway" not in page
    assert svc.exits_apply_due() == 0  # not queued again by itself
    monkeypatch.undo()
    again = client.post(reverse("institutions:exit_retry", args=[decision.pk]), follow=True)
    assert "正在重新生效" in again.content.decode()
    _apply()
    decision.refresh_from_db()
    assert decision.applied_at is not None
    assert Notification.objects.filter(recipient=served.teachers[0].user).count() == 1
    # Only a failed one is queued again.
    assert client.post(reverse("institutions:exit_retry", args=[decision.pk])).status_code == 302
    assert Job.objects.filter(kind=svc.EXIT_APPLY_JOB).count() == 2


def test_a_termination_confirmed_today_is_credited_and_told_once_by_the_job(client, world, served):
    from tisheng.learning.crediting import CARRY_OVER
    from tisheng.playback.models import LessonCompletion
    from tisheng.programs.rules import FUJIAN_2015

    lesson = served.course_b.lessons.order_by("order").first()
    lesson.duration_seconds = 90 * 60
    lesson.save()
    LessonCompletion.objects.create(teacher=served.teachers[0], lesson=lesson, course=served.course_b)
    served.program.rules = {**FUJIAN_2015, "exit_carry_over": {"completed_lessons": True}}
    served.program.save()
    done = _confirm(client, world, served, kind="terminate")
    assert "约 2 学时" in done.content.decode()
    assert not LedgerEntry.objects.filter(source_kind=CARRY_OVER).exists()
    decision = InstitutionExit.objects.get()
    _apply()
    Job.objects.filter(pk=decision.apply_job_id).update(state=JobState.QUEUED)
    _apply()
    entry = LedgerEntry.objects.get(source_kind=CARRY_OVER)
    assert (entry.teacher_id, entry.hours) == (served.teachers[0].pk, Decimal("2.00"))
    assert Notification.objects.filter(recipient=served.teachers[0].user).count() == 1
    page = client.get(reverse("institutions:exit", args=[decision.pk])).content.decode()
    assert 'data-testid="exit-carried">2<' in page


def test_the_decisions_list_reads_the_same_queries_however_many_decisions_and_states(
        client, world, served, django_assert_max_num_queries):
    from tisheng.learning.tests.factories import institution

    client.force_login(world.province_officer)
    _decide(world, served)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("institutions:exits"))
    # In effect, scheduled for tomorrow, and being applied (its job still queued).
    for n, (days, apply) in enumerate([(0, True), (1, True), (0, False)]):
        other, _staff = institution(world, f"INSTX{n}", f"机构{n}", f"1360000009{n}")
        _decide(world, served, institution=other, apply=apply, on=today() + dt.timedelta(days=days))
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("institutions:exits")).content.decode()
    assert page.count('data-testid="exit-state"') == 4
    assert page.count('data-testid="exit-state">已生效<') == 2
    assert 'data-testid="exit-state">待生效<' in page
    assert 'data-testid="exit-state">处理中<' in page
