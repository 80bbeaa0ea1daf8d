import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tisheng.accounts.models import AuditAction, AuditLog
from tisheng.ledger.services import ledger_credit, ledger_reverse
from tisheng.ledger.tests.conftest import enroll


@pytest.fixture
def history(world, program_1):
    """World's teacher in 1.0 with online hours, practice hours and one reversed credit."""
    enrollment = enroll(program_1, world.teacher)
    ledger_credit(teacher=world.teacher, program=program_1, category="online", hours="50", source_kind="course",
                  source_id="FJ-C-001", granted_by_system="learning")
    wrong = ledger_credit(teacher=world.teacher, program=program_1, category="practice", hours="10",
                          source_kind="practice", source_id="P-9", granted_by=world.principal)
    ledger_reverse(entry=wrong, actor=world.county_officer, reason="实践成果重复提交")
    ledger_credit(teacher=world.teacher, program=program_1, category="practice", hours="18", source_kind="practice",
                  source_id="P-10", granted_by=world.principal)
    return enrollment


def url(world, program, fmt):
    return reverse("ledger:transcript", args=[world.teacher.pk, program.pk, fmt])


def test_a_teacher_downloads_their_own_transcript_as_xlsx_listing_every_entry(client, world, program_1, history):
    client.force_login(world.teacher.user)
    response = client.get(url(world, program_1, "xlsx"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    text = "\n".join(" ".join(str(c) for c in row) for row in cells)
    assert world.teacher.national_id_masked in text
    assert world.teacher.national_id not in text
    assert "网络研修" in text
    assert "FJ-C-001" not in text  # the source's internal id: nothing a reader can look up
    assert "冲正第 2 条：实践成果重复提交" in text
    assert "已由第 3 条冲正" in text
    assert "鼓楼区工程办" in text  # who reversed it
    assert "还差实践应用 12 学时" in text
    assert "网络研修不少于 50 学时" in text


def test_the_pdf_embeds_a_cjk_font(client, world, program_1, history):
    client.force_login(world.teacher.user)
    response = client.get(url(world, program_1, "pdf"))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert b"FontFile2" in response.content  # the TrueType font is embedded, not referenced
    assert b"WenQuanYiMicroHei" in response.content


def test_the_school_downloads_its_teachers_transcript_and_the_export_is_audited(client, world, program_1, history):
    client.force_login(world.principal)
    assert client.get(url(world, program_1, "pdf")).status_code == 200
    entry = AuditLog.objects.get(action=AuditAction.EXPORTED)
    assert (entry.actor, entry.object_id, entry.detail["kind"], entry.detail["format"]) == (
        world.principal, str(world.teacher.pk), "transcript", "pdf")


def test_the_outsider_and_a_colleague_get_404(client, world, program_1, history):
    for user in (world.outsider, world.teachers_a[2].user):
        client.force_login(user)
        assert client.get(url(world, program_1, "pdf")).status_code == 404
        assert client.get(url(world, program_1, "xlsx")).status_code == 404
    assert not AuditLog.objects.filter(action=AuditAction.EXPORTED).exists()


def test_an_unknown_format_is_404(client, world, program_1, history):
    client.force_login(world.teacher.user)
    assert client.get(url(world, program_1, "docx")).status_code == 404


def test_the_transcript_query_count_does_not_grow_with_entries(client, world, program_1, history):
    client.force_login(world.county_officer)
    client.get(url(world, program_1, "xlsx"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(world, program_1, "xlsx"))
    for i in range(5):
        ledger_credit(teacher=world.teacher, program=program_1, category="online", hours="1", source_kind="xapi",
                      source_id=f"s{i}", granted_by_system="xapi")
    with CaptureQueriesContext(connection) as more:
        client.get(url(world, program_1, "xlsx"))
    assert len(more) == len(few)


def test_my_hours_shows_enrollments_totals_and_the_explanation(client, world, program_1, history):
    client.force_login(world.teacher.user)
    page = client.get(reverse("ledger:my_hours"))
    assert page.status_code == 200
    assert "还差实践应用 12 学时" in page.text
    assert url(world, program_1, "pdf") in page.text
    assert ">68<" in page.text.replace("<strong>", "").replace("</strong>", "<")


def test_my_hours_is_404_for_a_user_without_a_teacher_record(client, world):
    client.force_login(world.county_officer)
    assert client.get(reverse("ledger:my_hours")).status_code == 404


def test_the_teacher_detail_page_links_to_the_teachers_hours(client, world, program_1, history):
    client.force_login(world.county_officer)
    detail = client.get(reverse("people:teacher_detail", args=[world.teacher.pk]))
    assert reverse("ledger:teacher_hours", args=[world.teacher.pk]) in detail.text
    hours = client.get(reverse("ledger:teacher_hours", args=[world.teacher.pk]))
    assert url(world, program_1, "xlsx") in hours.text


def test_the_outsider_gets_404_for_a_teachers_hours_page(client, world, program_1, history):
    client.force_login(world.outsider)
    assert client.get(reverse("ledger:teacher_hours", args=[world.teacher.pk])).status_code == 404


def test_the_navigation_offers_my_hours_to_teachers_and_the_queue_to_the_school(client, world):
    client.force_login(world.teachers_a[2].user)
    home = client.get(reverse("home")).text
    assert reverse("ledger:my_hours") in home
    assert reverse("ledger:declaration_queue") not in home
    client.force_login(world.principal)
    assert reverse("ledger:declaration_queue") in client.get(reverse("home")).text
    client.force_login(world.outsider)
    home = client.get(reverse("home")).text
    # (an office's menu has /ledger/external/ and /ledger/cycles/: look for the links themselves)
    assert f'href="{reverse("ledger:my_hours")}"' not in home
    assert f'href="{reverse("ledger:declaration_queue")}"' not in home


def test_the_transcript_is_in_chinese_even_for_an_english_ui(client, world, program_1, history):
    client.force_login(world.teacher.user)
    client.cookies["django_language"] = "en"
    sheet = load_workbook(io.BytesIO(client.get(url(world, program_1, "xlsx")).content)).active
    values = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "状态" in values
    assert "In progress" not in values


def test_the_hours_page_takes_the_same_queries_for_more_programs_and_declarations(
        client, world, program_1, program_2, history):
    from tisheng.ledger.models import ImportedHoursDeclaration

    client.force_login(world.teacher.user)
    client.get(reverse("ledger:my_hours"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("ledger:my_hours"))
    enroll(program_2, world.teacher)
    for i in range(3):
        ImportedHoursDeclaration.objects.create(teacher=world.teacher, program=program_2, org_path=world.teacher.org_path,
                                                platform="国家智慧教育平台", title=f"研修{i}", hours=2,
                                                certificate_file="x.png", certificate_type="image/png")
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("ledger:my_hours"))
    assert "研修2" in page.text
    assert "提升工程2.0" in page.text
    assert len(more) == len(one)
