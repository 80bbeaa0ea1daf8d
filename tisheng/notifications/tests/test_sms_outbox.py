"""SMS leave through an outbox: a few at once after the decision commits, a large batch through
run-periodic, nothing lost when the process stops between the commit and the gateway, retried
when the gateway fails, never sent twice, phone numbers not kept for ever."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from tisheng.notifications.models import Kind, Notification, SmsOutbox, SmsStatus
from tisheng.notifications.outbox import INLINE_GRACE, _claim, sms_outbox_purge, sms_send_pending
from tisheng.notifications.services import Message, notify, notify_many
from tisheng.notifications.sms import LoggingSmsBackend
from tisheng.people.tests.factories import TeacherFactory


@pytest.fixture(autouse=True)
def _clear_sms():
    LoggingSmsBackend.sent.clear()


class FlakyGateway:
    """Refuses the first message it is given, then takes everything."""

    calls = 0

    def send(self, phone: str, text: str) -> bool:
        FlakyGateway.calls += 1
        return FlakyGateway.calls > 1


def test_one_decision_tells_the_person_by_sms_right_after_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.teacher, Kind.DECLARATION_APPROVED, "学时申报已通过", "核定 10 学时")

    assert LoggingSmsBackend.sent[-1][1].startswith("学时申报已通过")
    assert SmsOutbox.objects.get().status == SmsStatus.SENT


def test_a_large_batch_leaves_through_run_periodic_not_inside_the_request(world, settings, capsys,
                                                                          django_capture_on_commit_callbacks):
    settings.SMS_INLINE_MAX = 3
    teachers = TeacherFactory.create_batch(5, school=world.school_a)
    with django_capture_on_commit_callbacks(execute=True):
        notify_many([Message(to=t, kind=Kind.CERTIFICATE_ISSUED, title="证书已颁发", body="请查看") for t in teachers])
    assert list(LoggingSmsBackend.sent) == []
    assert SmsOutbox.objects.filter(status=SmsStatus.PENDING).count() == 5

    call_command("run_periodic")

    assert "sms_sent=5" in capsys.readouterr().out
    assert sorted(p for p, _text in LoggingSmsBackend.sent) == sorted(t.phone for t in teachers)


def test_a_message_whose_process_stopped_before_the_gateway_is_sent_by_the_periodic_sender(world):
    # The decision committed, but the process died before its after-commit send ran.
    notify(world.teacher, Kind.PRACTICE_GRADED, "实践成果已评定", "优秀")
    assert sms_send_pending() == 0  # still within the grace the inline send has

    SmsOutbox.objects.update(next_attempt_at=timezone.now() - INLINE_GRACE)
    assert sms_send_pending() == 1
    assert len(LoggingSmsBackend.sent) == 1


def test_a_refused_message_is_tried_again_later_and_then_delivered(world, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = f"{__name__}.FlakyGateway"
    FlakyGateway.calls = 0
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.teacher, Kind.COMPLETION_RETURNED, "结业审核退回", "请补充材料")
    row = SmsOutbox.objects.get()
    assert (row.status, row.attempts) == (SmsStatus.PENDING, 1)
    assert row.next_attempt_at > timezone.now()  # backoff, not at once
    assert sms_send_pending() == 0

    SmsOutbox.objects.update(next_attempt_at=timezone.now())
    assert sms_send_pending() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (SmsStatus.SENT, 2)
    assert Notification.objects.get().channels == ["in_app", "sms"]


def test_a_claimed_message_is_not_taken_by_a_second_sender(world):
    notify(world.teacher, Kind.OTHER, "标题", "内容")
    SmsOutbox.objects.update(next_attempt_at=timezone.now())

    first = _claim()
    second = _claim()

    assert len(first) == 1
    assert second == []


def test_finished_messages_and_their_phone_numbers_are_deleted_after_the_retention(world, settings):
    settings.SMS_OUTBOX_RETENTION_DAYS = 30
    notify(world.teacher, Kind.OTHER, "标题", "内容")
    notify(world.teacher_a2, Kind.OTHER, "标题", "内容")
    old = timezone.now() - dt.timedelta(days=31)
    SmsOutbox.objects.filter(phone=world.teacher.phone).update(status=SmsStatus.SENT, done_at=old)

    assert sms_outbox_purge() == 1
    assert list(SmsOutbox.objects.values_list("phone", flat=True)) == [world.teacher_a2.phone]
