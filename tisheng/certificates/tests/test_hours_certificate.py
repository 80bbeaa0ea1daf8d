"""学时证明: signed, printable, verifiable on the public verify page like the certificates."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tisheng.certificates import signing
from tisheng.certificates.hours import HOURS_NONE_IN_PERIOD
from tisheng.certificates.models import HoursCertificate
from tisheng.ledger.models import HoursCycle, LedgerEntry
from tisheng.notifications.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def history(world, program_2):
    cycle = HoursCycle.objects.create(region=world.province, region_path=world.province.path,
                                      name="2022—2026 年继续教育周期", start_date=dt.date(2022, 1, 1),
                                      end_date=dt.date(2026, 12, 31), required_hours=Decimal("360"))
    for i, (day, hours) in enumerate(((dt.date(2021, 5, 1), "7"), (dt.date(2023, 5, 1), "20"),
                                      (dt.date(2024, 9, 1), "12.5"))):
        LedgerEntry.objects.create(teacher=world.teacher, program=program_2, category="online", hours=Decimal(hours),
                                   source_kind="course", source_id=str(i), idempotency_key=f"h:{i}",
                                   granted_by_system="test", at=dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI))
    return cycle


def test_a_teacher_issues_their_hours_certificate_for_a_cycle_and_anyone_verifies_it(client, world, history):
    client.force_login(world.teacher.user)
    response = client.post(reverse("certificates:hours_new", args=[world.teacher.pk]), {"cycle": history.pk},
                           follow=True)
    certificate = HoursCertificate.objects.get()
    assert certificate.hours == Decimal("32.5")  # the 2021 hours are before the cycle
    assert certificate.number.startswith("XS")
    assert certificate.number in response.text
    verified = signing.verify_text(certificate.verification_string)
    assert verified.valid
    assert (verified.payload["kind"], verified.payload["h"], verified.payload["from"]) == ("hours", "32.5",
                                                                                          "2022-01-01")
    client.logout()
    page = client.get(reverse("verify:detail", args=[certificate.number, certificate.verify_code]))
    assert page.status_code == 200
    assert "2022—2026 年继续教育周期" in page.text
    assert world.teacher.name in page.text
    wrong = client.get(reverse("verify:detail", args=[certificate.number, "0" * 16]))
    assert wrong.status_code == 404


def test_the_pdf_carries_the_signed_summary_and_every_counted_record(client, world, history):
    client.force_login(world.teacher.user)
    client.post(reverse("certificates:hours_new", args=[world.teacher.pk]), {"start": "2021-01-01",
                                                                             "end": "2023-12-31"})
    certificate = HoursCertificate.objects.get()
    assert certificate.hours == Decimal("27")
    assert len(certificate.detail["rows"]) == 2
    response = client.get(reverse("certificates:hours_pdf", args=[certificate.number]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_a_period_without_counted_hours_is_refused_and_nothing_issued(client, world, history):
    client.force_login(world.teacher.user)
    response = client.post(reverse("certificates:hours_new", args=[world.teacher.pk]),
                           {"start": "2019-01-01", "end": "2019-12-31"}, follow=True)
    assert str(HOURS_NONE_IN_PERIOD) in response.text or "没有" in response.text
    bad = client.post(reverse("certificates:hours_new", args=[world.teacher.pk]),
                      {"start": "2024-01-01", "end": "2023-01-01"}, follow=True)
    assert bad.status_code == 200
    assert not HoursCertificate.objects.exists()


def test_the_school_issues_one_for_its_teacher_who_is_told_and_others_get_404(client, world, history):
    client.force_login(world.principal)
    client.post(reverse("certificates:hours_new", args=[world.teacher.pk]), {"cycle": history.pk})
    certificate = HoursCertificate.objects.get()
    assert Notification.objects.filter(recipient=world.teacher.user, kind="certificate_issued").exists()
    client.force_login(world.outsider)
    assert client.get(reverse("certificates:hours_list", args=[world.teacher.pk])).status_code == 404
    assert client.get(reverse("certificates:hours_pdf", args=[certificate.number])).status_code == 404
    assert client.post(reverse("certificates:hours_new", args=[world.teacher.pk]),
                       {"cycle": history.pk}).status_code == 404
    client.force_login(world.teachers_a[2].user)  # a colleague
    assert client.get(reverse("certificates:hours_pdf", args=[certificate.number])).status_code == 404
