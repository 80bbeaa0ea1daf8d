"""The teacher is told when an hours declaration is decided: approved with the hours credited,
refused with the reviewer's reason; with a link to their hours page."""

import pytest
from django.urls import reverse

from tisheng.ledger.models import ImportedHoursDeclaration
from tisheng.notifications.models import Kind, Notification
from tisheng.notifications.sms import LoggingSmsBackend

from .test_declarations import declare


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def decide(client, world, program, **form):
    client.force_login(world.teacher.user)
    declare(client, program, hours="8")
    declaration = ImportedHoursDeclaration.objects.get()
    client.force_login(world.principal)
    client.post(reverse("ledger:declaration_decide", args=[declaration.pk]), form)
    return declaration


def test_an_approved_declaration_tells_the_teacher_the_hours_credited(client, world, program_2, enrolled_2,
                                                                       django_capture_on_commit_callbacks):
    LoggingSmsBackend.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, world, program_2, action="approve")
    note = Notification.objects.get(recipient=world.teacher.user)
    assert note.kind == Kind.DECLARATION_APPROVED
    assert note.title == "学时申报已通过"
    assert "2024年寒假教师研修" in note.body
    assert world.principal.name in note.body
    assert "8 学时" in note.body
    assert note.url == reverse("ledger:my_hours")
    assert note.channels == ["in_app", "sms"]
    assert "学时申报已通过" in LoggingSmsBackend.sent[-1][1]


def test_a_refused_declaration_tells_the_teacher_the_reason(client, world, program_2, enrolled_2):
    decide(client, world, program_2, action="reject", reason="证书不清晰，请重新上传")
    note = Notification.objects.get(recipient=world.teacher.user)
    assert note.kind == Kind.DECLARATION_REFUSED
    assert note.title == "学时申报未通过"
    assert "原因：证书不清晰，请重新上传" in note.body


def test_a_refusal_without_a_reason_tells_no_one(client, world, program_2, enrolled_2):
    decide(client, world, program_2, action="reject", reason="")
    assert not Notification.objects.exists()


def test_the_teacher_sees_the_badge_and_the_reason_after_a_refusal(client, world, program_2, enrolled_2):
    decide(client, world, program_2, action="reject", reason="证书不清晰")
    client.force_login(world.teacher.user)
    html = client.get(reverse("notifications:list")).content.decode()
    assert 'data-testid="unread-count">1<' in html
    assert "原因：证书不清晰" in html
