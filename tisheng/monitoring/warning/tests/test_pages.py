"""The at-risk lists, reminders, follow-ups, their effect and the notifications page."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tisheng.accounts.models import AuditLog
from tisheng.monitoring.warning import services
from tisheng.monitoring.warning.models import Intervention
from tisheng.monitoring.warning.risk import risk_refresh
from tisheng.notifications import services as notifications
from tisheng.notifications.models import Kind, Notification
from tisheng.notifications.sms import LoggingSmsBackend
from tisheng.people.tests.factories import TeacherFactory

from .conftest import AS_OF, credit, enroll


@pytest.fixture
def scored(world, at_risk):
    risk_refresh(at_risk, world.province.path, as_of=AS_OF)
    return at_risk


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def url(program, node=None, **extra):
    q = f"/monitoring/warning/?program={program.pk}"
    if node:
        q += f"&node={node}"
    return q + "".join(f"&{k}={v}" for k, v in extra.items())


def test_the_county_list_shows_its_teachers_at_risk_with_reasons_highest_first(world, scored):
    html = client_for(world.county_officer).get(url(scored)).content.decode()
    stopped, never = world.teachers_a[1].name, world.teachers_a[2].name
    assert stopped in html
    assert never in html
    assert "近 40 天无学习记录" in html
    assert world.school_a.name in html
    assert world.teacher_b.name not in html
    assert html.index(stopped) < html.index(world.teachers_a[0].name)


def test_the_list_filters_by_level_and_sorts_by_score(world, scored):
    c = client_for(world.county_officer)
    high = c.get(url(scored, level="high")).content.decode()
    assert world.teachers_a[0].name not in high
    assert world.teachers_a[1].name in high
    low_first = c.get(url(scored, sort="score")).content.decode()
    assert low_first.index(world.teachers_a[0].name) < low_first.index(world.teachers_a[1].name)


def test_the_principal_sees_their_school_only(world, scored):
    html = client_for(world.principal).get(url(scored)).content.decode()
    assert world.teachers_a[1].name in html
    assert world.teacher_b.name not in html
    assert client_for(world.principal).get(url(scored, world.county_a.path)).status_code == 404


def test_the_outsider_cannot_open_county_a_nor_see_its_teachers(world, scored):
    c = client_for(world.outsider)
    assert c.get(url(scored, world.county_a.path)).status_code == 404
    assert c.get(url(scored, world.school_a.path)).status_code == 404
    own = c.get(url(scored)).content.decode()
    assert world.teacher_b.name in own
    assert world.teachers_a[1].name not in own
    assert c.get(f"/monitoring/warning/interventions/?program={scored.pk}&node={world.county_a.path}").status_code == 404


def test_a_teacher_cannot_open_the_list(world, scored):
    assert client_for(world.teacher.user).get(url(scored)).status_code == 404


def test_the_list_takes_the_same_queries_for_more_teachers(world, scored):
    c = client_for(world.county_officer)
    c.get(url(scored))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        c.get(url(scored))
    for _ in range(6):
        enroll(scored, TeacherFactory(school=world.school_a2), state="enrolled")
    risk_refresh(scored, world.province.path, as_of=AS_OF)
    with CaptureQueriesContext(connection) as after:
        html = c.get(url(scored)).content.decode()
    assert html.count('data-testid="risk-row"') == 9
    assert len(after.captured_queries) == len(before.captured_queries)


def test_a_reminder_notifies_the_teacher_in_app_and_by_sms_and_is_recorded_and_audited(world, scored, monkeypatch):
    LoggingSmsBackend.sent.clear()
    monkeypatch.setattr(services.transaction, "on_commit", lambda f, *a, **k: f())  # the test is one transaction
    stopped = world.teachers_a[1]
    response = client_for(world.county_officer).post("/monitoring/warning/remind/",
                                                     {"program": scored.pk, "teacher": [stopped.pk]})
    assert response.status_code == 302
    note = Notification.objects.get(recipient=stopped.user)
    assert "近 40 天无学习记录" in note.body
    intervention = Intervention.objects.get(teacher=stopped)
    assert intervention.actor == world.county_officer
    assert intervention.kind == Intervention.Kind.REMINDER
    assert intervention.channels == ["in_app", "sms"]
    assert LoggingSmsBackend.sent[-1][0] == (stopped.phone or stopped.user.phone)
    assert "近 40 天无学习记录" in LoggingSmsBackend.sent[-1][1]
    assert AuditLog.objects.filter(action="warning_reminder", object_id=str(stopped.pk)).exists()


def test_a_reminder_is_emailed_where_the_teacher_has_an_address(world, scored, monkeypatch):
    monkeypatch.setattr(notifications, "email_for", lambda teacher: "lin@example.cn")
    monkeypatch.setattr(services.transaction, "on_commit", lambda f, *a, **k: f())
    made = services.remind_teachers(actor=world.county_officer, program=scored, teachers=[world.teachers_a[1].pk])
    assert "email" in made[0].channels
    assert mail.outbox[-1].to == ["lin@example.cn"]
    assert "近 40 天无学习记录" in mail.outbox[-1].body


def test_no_email_goes_out_when_there_is_no_address(world, scored, monkeypatch):
    monkeypatch.setattr(services.transaction, "on_commit", lambda f, *a, **k: f())
    made = services.remind_teachers(actor=world.county_officer, program=scored, teachers=[world.teachers_a[1].pk])
    assert "email" not in made[0].channels
    assert mail.outbox == []


def test_remind_all_reaches_every_teacher_of_the_filtered_list(world, scored):
    client_for(world.county_officer).post("/monitoring/warning/remind/",
                                          {"program": scored.pk, "all": "1", "level": "high"})
    assert set(Intervention.objects.values_list("teacher_id", flat=True)) == {
        world.teachers_a[1].pk, world.teachers_a[2].pk}


def test_the_outsider_cannot_remind_county_a_teachers(world, scored):
    c = client_for(world.outsider)
    target = world.teachers_a[1].pk
    assert c.post("/monitoring/warning/remind/", {"program": scored.pk, "teacher": [target]}).status_code == 404
    assert c.post("/monitoring/warning/remind/", {"program": scored.pk, "node": world.county_a.path,
                                                  "teacher": [target]}).status_code == 404
    assert c.post("/monitoring/warning/follow-up/", {"program": scored.pk, "teacher": [target]}).status_code == 404
    assert not Intervention.objects.exists()
    assert not Notification.objects.exists()


def test_nothing_selected_says_so(world, scored):
    response = client_for(world.county_officer).post("/monitoring/warning/remind/", {"program": scored.pk},
                                                     follow=True)
    assert services.NOTHING_SELECTED in response.content.decode()


def test_asking_the_principal_sends_them_the_schools_list(world, scored):
    client_for(world.county_officer).post("/monitoring/warning/follow-up/", {
        "program": scored.pk, "teacher": [world.teachers_a[1].pk, world.teachers_a[2].pk]})
    note = Notification.objects.get(recipient=world.principal)
    assert world.teachers_a[1].name in note.body
    assert world.teachers_a[2].name in note.body
    assert Intervention.objects.filter(kind=Intervention.Kind.FOLLOW_UP).count() == 2
    assert AuditLog.objects.filter(action="warning_follow_up").count() == 1


def test_a_school_without_an_admin_cannot_be_asked(world, scored):
    enroll(scored, teacher := TeacherFactory(school=world.school_a2), state="enrolled")
    response = client_for(world.county_officer).post("/monitoring/warning/follow-up/", {
        "program": scored.pk, "teacher": [teacher.pk]}, follow=True)
    assert services.NO_PRINCIPAL in response.content.decode()


def test_the_effect_shows_whether_the_teacher_was_active_within_7_days(world, scored):
    stopped, never = world.teachers_a[1], world.teachers_a[2]
    services.remind_teachers(actor=world.county_officer, program=scored, teachers=[stopped.pk, never.pk])
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    Intervention.objects.update(created_at=ten_days_ago)
    credit(scored, stopped, "2", ten_days_ago + dt.timedelta(days=3))
    html = client_for(world.county_officer).get(
        f"/monitoring/warning/interventions/?program={scored.pk}").content.decode()
    assert html.count('data-testid="intervention-row"') == 2
    assert '<div class="value" data-testid="active">1</div>' in html
    assert '<div class="value" data-testid="none">1</div>' in html


def test_a_teacher_reads_the_reminder_on_their_notifications_page(world, scored):
    services.remind_teachers(actor=world.county_officer, program=scored, teachers=[world.teachers_a[1].pk])
    note = Notification.objects.get(recipient=world.teachers_a[1].user)
    assert note.kind == Kind.REMINDER
    html = client_for(world.teachers_a[1].user).get("/notifications/").content.decode()
    assert services.REMINDER_TITLE in html
    assert "近 40 天无学习记录" in html
    assert client_for(world.teacher_b.user).get("/notifications/").content.decode().count(
        'data-testid="notification"') == 0


def test_the_old_notifications_address_leads_to_the_new_page(world):
    response = client_for(world.teacher.user).get("/monitoring/warning/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"


def test_recompute_queues_a_job_for_the_node(world, scored):
    from tisheng.jobs.models import Job

    client_for(world.county_officer).post("/monitoring/warning/refresh/", {"program": scored.pk})
    job = Job.objects.get(kind="monitoring_warning.refresh")
    assert job.scope_path == world.county_a.path


def test_the_province_list_counts_at_risk_teachers_per_city(world, scored):
    html = client_for(world.province_officer).get(url(scored)).content.decode()
    summary = html[html.index('data-testid="schools"'):html.index('data-testid="risk-table"')]
    assert world.city_a.name in summary
    assert world.city_b.name in summary
    assert summary.index(world.city_a.name) < summary.index(world.city_b.name)  # 2 high before 1


class RecordingGateway:
    """A stand-in for a province's SMS provider."""

    def send(self, phone: str, text: str) -> bool:
        return True


def test_the_sms_backend_is_chosen_by_the_setting(settings):
    from tisheng.notifications.sms import get_sms_backend

    settings.SMS_BACKEND = f"{__name__}.RecordingGateway"
    assert isinstance(get_sms_backend(), RecordingGateway)
    settings.SMS_BACKEND = "tisheng.notifications.sms.LoggingSmsBackend"
    assert isinstance(get_sms_backend(), LoggingSmsBackend)


def test_only_the_early_warning_entry_is_current_in_the_navigation(world, scored):
    html = client_for(world.county_officer).get(url(scored)).content.decode()
    assert html.count('aria-current="page"') == 1
    assert 'href="/monitoring/warning/" class="active"' in html


def test_the_totals_match_the_rows_at_every_level(world, scored):
    for user, node, high, shown in ((world.province_officer, None, 3, 4), (world.county_officer, None, 2, 3),
                                    (world.principal, None, 2, 3)):
        html = client_for(user).get(url(scored, node)).content.decode()
        assert f'<div class="value" data-testid="high">{high}</div>' in html
        assert html.count('data-testid="risk-row"') == shown
    filtered = client_for(world.province_officer).get(url(scored, level="high")).content.decode()
    assert filtered.count('data-testid="risk-row"') == 3


def test_a_teacher_who_has_not_started_years_before_the_deadline_is_listed_low_with_a_calm_note(world, program_2):
    from tisheng.monitoring.warning.risk import deadline_of

    enroll(program_2, world.teachers_a[2], state="enrolled")
    risk_refresh(program_2, world.county_a.path, as_of=deadline_of(program_2) - dt.timedelta(days=1000))
    html = client_for(world.county_officer).get(url(program_2)).content.decode()
    assert '<div class="value" data-testid="high">0</div>' in html
    assert "尚未开始学习；剩余 1000 天，还差 50 学时，每天只需 0.05 学时，时间充裕" in html
