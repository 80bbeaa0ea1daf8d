"""notify() is the one way to tell someone: in-app always (with an account), SMS unless muted,
email where an address is known, sent after the decision commits, channels recorded."""

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tisheng.notifications import services
from tisheng.notifications.models import Kind, Notification, SmsOutbox
from tisheng.notifications.outbox import sms_send_pending
from tisheng.notifications.services import Message, notification_settings_update, notify, notify_many
from tisheng.notifications.sms import LoggingSmsBackend
from tisheng.people.tests.factories import TeacherFactory


@pytest.fixture(autouse=True)
def _clear_sms():
    LoggingSmsBackend.sent.clear()


def test_a_teacher_is_told_in_app_and_by_sms_after_the_decision_commits(world, django_capture_on_commit_callbacks):
    teacher = world.teacher
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        delivery = notify(teacher, Kind.DECLARATION_APPROVED, "学时申报已通过", "核定 10 学时。", "/ledger/")
        assert list(LoggingSmsBackend.sent) == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    note = Notification.objects.get(recipient=teacher.user)
    assert (note.kind, note.title, note.body, note.url) == (Kind.DECLARATION_APPROVED, "学时申报已通过",
                                                            "核定 10 学时。", "/ledger/")
    assert note.channels == ["in_app", "sms"] == delivery.channels
    assert LoggingSmsBackend.sent[-1] == (teacher.phone, "学时申报已通过：核定 10 学时。")


def test_a_decision_rolled_back_tells_no_one(world):
    class Undo(Exception):
        pass

    def decide_then_fail():
        with transaction.atomic():
            notify(world.teacher, Kind.OTHER, "标题", "内容")
            raise Undo

    with pytest.raises(Undo):
        decide_then_fail()
    assert not Notification.objects.exists()
    assert list(LoggingSmsBackend.sent) == []


def test_a_teacher_who_muted_sms_gets_no_sms_but_still_the_in_app_notification(
        world, django_capture_on_commit_callbacks):
    notification_settings_update(user=world.teacher.user, sms_muted=True)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = notify(world.teacher, Kind.PRACTICE_RETURNED, "实践被退回", "请补充课堂实录。")
    assert delivery.channels == ["in_app"]
    assert Notification.objects.get(recipient=world.teacher.user).channels == ["in_app"]
    assert list(LoggingSmsBackend.sent) == []


def test_unmuting_sends_sms_again(world, django_capture_on_commit_callbacks):
    notification_settings_update(user=world.teacher.user, sms_muted=True)
    notification_settings_update(user=world.teacher.user, sms_muted=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(world.teacher, Kind.OTHER, "标题", "内容").channels == ["in_app", "sms"]
    assert len(LoggingSmsBackend.sent) == 1


def test_a_teacher_without_an_account_is_told_by_sms_only(world, django_capture_on_commit_callbacks):
    teacher = TeacherFactory(school=world.school_a, user=None, phone="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        delivery = notify(teacher, Kind.CERTIFICATE_ISSUED, "证书已颁发", "编号 FJ2019-350102-000001。")
    assert delivery.notification is None
    assert delivery.channels == ["sms"]
    assert LoggingSmsBackend.sent[-1][0] == "13912345678"
    assert not Notification.objects.exists()


def test_an_officer_user_is_told_on_their_own_phone(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.county_officer, Kind.OTHER, "标题", "内容")
    assert LoggingSmsBackend.sent[-1][0] == world.county_officer.phone


def test_an_email_goes_where_an_address_is_known(world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "email_for", lambda to: "lin@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        delivery = notify(world.teacher, Kind.COMPLETION_RETURNED, "结业审核被退回", "县级退回：缺少实践成果。")
    assert delivery.channels == ["in_app", "sms", "email"]
    assert mail.outbox[-1].to == ["lin@example.cn"]
    assert mail.outbox[-1].subject == "结业审核被退回"
    assert "缺少实践成果" in mail.outbox[-1].body


def test_no_email_without_an_address(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert "email" not in notify(world.teacher, Kind.OTHER, "标题", "内容").channels
    assert mail.outbox == []


class RefusingGateway:
    def send(self, phone: str, text: str) -> bool:
        return False


class BrokenGateway:
    def send(self, phone: str, text: str) -> bool:
        raise ConnectionError("gateway down")


@pytest.mark.parametrize("gateway", ["RefusingGateway", "BrokenGateway"])
def test_an_sms_the_gateway_never_took_is_not_recorded_as_sent(world, settings, gateway,
                                                                django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = f"{__name__}.{gateway}"
    with django_capture_on_commit_callbacks(execute=True):
        notify_many([Message(to=world.teacher, kind=Kind.OTHER, title="一", body="甲"),
                     Message(to=world.teacher_a2, kind=Kind.OTHER, title="二", body="乙")])
    # Tried again later (the outbox's backoff), until the last attempt fails too.
    for _attempt in range(settings.SMS_MAX_ATTEMPTS):
        SmsOutbox.objects.update(next_attempt_at=timezone.now())
        sms_send_pending()
    assert set(SmsOutbox.objects.values_list("status", flat=True)) == {"failed"}
    assert list(Notification.objects.values_list("channels", flat=True)) == [["in_app"], ["in_app"]]


def test_a_long_body_is_shortened_for_sms_but_kept_whole_in_app(world, django_capture_on_commit_callbacks):
    body = "原因：" + "证据不完整。" * 100
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.teacher, Kind.OTHER, "标题", body)
    assert len(LoggingSmsBackend.sent[-1][1]) == services.SMS_MAX_CHARS
    assert LoggingSmsBackend.sent[-1][1].endswith(services.SMS_MORE)
    assert Notification.objects.get().body == body


def test_telling_many_people_costs_the_same_queries_as_telling_a_few(world):
    from tisheng.people.models import Teacher

    counts = []
    for n in (2, 40):
        ids = [TeacherFactory(school=world.school_a).pk for _ in range(n)]
        group = list(Teacher.objects.filter(pk__in=ids).select_related("user"))
        with CaptureQueriesContext(connection) as queries:
            notify_many(Message(to=t, kind=Kind.CERTIFICATE_ISSUED, title="证书", body="已颁发") for t in group)
        counts.append(len(queries.captured_queries))
    assert counts == [3, 3]  # the mute settings, one INSERT of notifications, one of the SMS outbox
    assert Notification.objects.count() == 42
