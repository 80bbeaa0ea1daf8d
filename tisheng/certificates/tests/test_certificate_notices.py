"""The teacher is told when a certificate is issued (its name and number, a link to download
it); a county batch tells each teacher once, a chunk at a time."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tisheng.certificates.services import certificate_issue, certificates_issue_batch
from tisheng.certificates.tests.conftest import enroll
from tisheng.notifications.models import Kind, Notification
from tisheng.people.tests.factories import TeacherFactory


def test_an_issued_certificate_tells_the_teacher_its_number(world, program_2, approved_2):
    certificate = certificate_issue(actor=world.province_officer, enrollment=approved_2[0], code="completion")
    note = Notification.objects.get(recipient=world.teacher.user)
    assert note.kind == Kind.CERTIFICATE_ISSUED
    assert note.title == f"证书已颁发：{certificate.name}"
    assert certificate.number in note.body
    assert program_2.name in note.body
    assert note.url == "/certificates/"


def test_issuing_again_returns_the_certificate_and_tells_no_one_twice(world, program_2, approved_2):
    certificate_issue(actor=world.province_officer, enrollment=approved_2[0], code="completion")
    certificate_issue(actor=world.province_officer, enrollment=approved_2[0], code="completion")
    assert Notification.objects.filter(recipient=world.teacher.user).count() == 1


def test_a_batch_tells_each_teacher_once(world, program_2, approved_2):
    result = certificates_issue_batch(actor=world.county_officer, program=program_2, code="completion",
                                      region=world.county_a)
    assert result["issued"] == 4
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        e.teacher.user_id for e in approved_2)
    again = certificates_issue_batch(actor=world.county_officer, program=program_2, code="completion",
                                     region=world.county_a)
    assert again["issued"] == 0
    assert Notification.objects.count() == 4


def test_a_batch_tells_its_teachers_in_bulk_not_one_by_one(world, program_2):
    def notification_statements(n):
        for _ in range(n):
            enroll(program_2, TeacherFactory(school=world.school_a2), online="25", practice="30")
        with CaptureQueriesContext(connection) as queries:
            certificates_issue_batch(actor=world.county_officer, program=program_2, code="completion",
                                     region=world.county_a, chunk=50)
        world.county_officer.__dict__.pop("_scope_grants", None)
        return [q for q in queries.captured_queries if "notifications_" in q["sql"]]

    # SMS settings, the notifications INSERT, the SMS outbox INSERT
    assert len(notification_statements(3)) == len(notification_statements(30)) == 3
    assert Notification.objects.count() == 33
