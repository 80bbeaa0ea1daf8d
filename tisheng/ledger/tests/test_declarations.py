from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tisheng.ledger.models import ImportedHoursDeclaration, LedgerEntry
from tisheng.ledger.services import (
    DECLARATION_CAP_REACHED,
    DECLARATION_FILE_TOO_LARGE,
    DECLARATION_FILE_TYPE,
    DECLARATION_NOT_ACCEPTED,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def declare(client, program, hours="8", content=PNG, name="cert.png"):
    return client.post(reverse("ledger:declaration_new"), {
        "program": program.pk, "platform": "国家智慧教育平台", "title": "2024年寒假教师研修", "hours": hours,
        "certificate": SimpleUploadedFile(name, content, content_type="image/png")}, follow=True)


def test_a_teacher_declares_hours_with_a_certificate_image(client, world, program_2, enrolled_2, settings):
    client.force_login(world.teacher.user)
    response = declare(client, program_2)
    assert response.status_code == 200
    declaration = ImportedHoursDeclaration.objects.get()
    assert (declaration.teacher, declaration.hours, declaration.state, declaration.certificate_type) == (
        world.teacher, Decimal("8"), "pending", "image/png")
    assert (settings.PRIVATE_MEDIA_ROOT / declaration.certificate_file).read_bytes() == PNG
    assert "2024年寒假教师研修" in response.text


def test_a_file_is_judged_by_its_content_not_its_name(client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    response = declare(client, program_2, content=b"MZ\x90\x00 not an image", name="cert.png")
    assert zh(DECLARATION_FILE_TYPE) in response.text
    assert not ImportedHoursDeclaration.objects.exists()
    assert declare(client, program_2, content=PDF, name="cert.pdf").status_code == 200
    assert ImportedHoursDeclaration.objects.get().certificate_type == "application/pdf"


def test_a_certificate_over_5_mb_is_refused(client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    response = declare(client, program_2, content=PNG + b"\0" * (5 * 1024 * 1024))
    assert zh(DECLARATION_FILE_TOO_LARGE) in response.text
    assert not ImportedHoursDeclaration.objects.exists()


def test_a_program_without_imported_hours_refuses_declarations(client, world, program_1, enrolled_1):
    client.force_login(world.teacher.user)
    response = declare(client, program_1)
    assert zh(DECLARATION_NOT_ACCEPTED) in response.text


def test_the_school_approves_and_the_hours_are_credited_as_imported(client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    declare(client, program_2, hours="8")
    declaration = ImportedHoursDeclaration.objects.get()
    client.force_login(world.principal)
    queue = client.get(reverse("ledger:declaration_queue"))
    assert "2024年寒假教师研修" in queue.text
    client.post(reverse("ledger:declaration_decide", args=[declaration.pk]), {"action": "approve"})
    entry = LedgerEntry.objects.get()
    assert (entry.category, entry.hours, entry.source_kind, entry.granted_by) == (
        "imported", Decimal("8"), "declaration", world.principal)
    enrollment = enrolled_2[world.teacher.pk]
    enrollment.refresh_from_db()
    assert (enrollment.imported_hours, enrollment.state) == (Decimal("8"), "in_progress")


def test_approval_is_reduced_to_what_the_cap_leaves_and_the_page_says_so(client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    declare(client, program_2, hours="6")
    declare(client, program_2, hours="6")
    first, second = ImportedHoursDeclaration.objects.order_by("id")
    client.force_login(world.principal)
    client.post(reverse("ledger:declaration_decide", args=[first.pk]), {"action": "approve"})
    response = client.post(reverse("ledger:declaration_decide", args=[second.pk]), {"action": "approve"}, follow=True)
    second.refresh_from_db()
    assert second.approved_hours == Decimal("4")
    assert second.note == "按外部学时上限 10 学时，核定 4 学时（申报 6 学时）"
    assert second.note in response.text
    assert sum(LedgerEntry.objects.values_list("hours", flat=True)) == Decimal("10")


def test_approval_when_the_cap_is_used_up_is_refused(client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    for _ in range(3):
        declare(client, program_2, hours="5")
    a, b, c = ImportedHoursDeclaration.objects.order_by("id")
    client.force_login(world.principal)
    for d in (a, b):
        client.post(reverse("ledger:declaration_decide", args=[d.pk]), {"action": "approve"})
    response = client.post(reverse("ledger:declaration_decide", args=[c.pk]), {"action": "approve"}, follow=True)
    assert zh(DECLARATION_CAP_REACHED) in response.text
    c.refresh_from_db()
    assert c.state == "pending"


def test_a_rejection_with_its_reason_is_shown_to_the_teacher(client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    declare(client, program_2)
    declaration = ImportedHoursDeclaration.objects.get()
    client.force_login(world.principal)
    client.post(reverse("ledger:declaration_decide", args=[declaration.pk]), {"action": "reject", "reason": "证书不清晰"})
    client.force_login(world.teacher.user)
    page = client.get(reverse("ledger:my_hours"))
    assert "证书不清晰" in page.text
    assert not LedgerEntry.objects.exists()


def test_the_certificate_is_served_to_the_teacher_and_school_but_404_to_the_outsider(
        client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    declare(client, program_2)
    declaration = ImportedHoursDeclaration.objects.get()
    url = reverse("ledger:declaration_file", args=[declaration.pk])
    own = client.get(url)
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == PNG
    assert own["Content-Type"] == "image/png"
    client.force_login(world.principal)
    assert client.get(url).status_code == 200
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    client.force_login(world.teachers_a[2].user)  # a colleague at the same school
    assert client.get(url).status_code == 404


def test_the_outsider_cannot_see_or_decide_another_countys_declarations(client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    declare(client, program_2)
    declaration = ImportedHoursDeclaration.objects.get()
    client.force_login(world.outsider)
    assert client.get(reverse("ledger:declaration_queue")).status_code == 403
    response = client.post(reverse("ledger:declaration_decide", args=[declaration.pk]), {"action": "approve"})
    assert response.status_code == 404
    assert not LedgerEntry.objects.exists()


def test_a_teacher_cannot_approve_their_own_declaration(client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    declare(client, program_2)
    declaration = ImportedHoursDeclaration.objects.get()
    response = client.post(reverse("ledger:declaration_decide", args=[declaration.pk]), {"action": "approve"})
    assert response.status_code == 403
    assert not LedgerEntry.objects.exists()


def test_the_queue_takes_the_same_queries_for_more_declarations(
        client, world, program_2, enrolled_2):
    client.force_login(world.teacher.user)
    declare(client, program_2)
    client.force_login(world.principal)
    client.get(reverse("ledger:declaration_queue"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("ledger:declaration_queue"))
    client.force_login(world.teachers_a[2].user)
    for _ in range(3):
        declare(client, program_2, hours="1")
    client.force_login(world.principal)
    client.get(reverse("ledger:declaration_queue"))
    with CaptureQueriesContext(connection) as four:
        assert client.get(reverse("ledger:declaration_queue")).text.count("2024年寒假教师研修") == 4
    assert len(four) == len(one)
