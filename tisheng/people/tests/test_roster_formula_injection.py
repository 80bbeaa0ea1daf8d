"""A teacher imported as `=HYPERLINK(…)` comes out of every spreadsheet as text, never as a
formula (core.tabular writes every cell); numbers stay numbers."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from tisheng.people.models import RosterImport, Teacher
from tisheng.people.services.roster import CANONICAL_HEADERS
from tisheng.people.services.roster_import import roster_file_run
from tisheng.people.services.roster_reports import roster_errors_xlsx
from tisheng.people.tests.test_roster_helpers import row_cells
from tisheng.programs.models import Enrollment, EnrollmentState

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil","x")'


def roster_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)  # the test's own input file, written as a school would
    writer.writerow(CANONICAL_HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [cell for row in book.worksheets[0].iter_rows() for cell in row]


def the_cell(content: bytes, value: str):
    found = [c for c in cells(content) if isinstance(c.value, str) and value in c.value]
    assert found, f"{value!r} is not in the file"
    return found[0]


def assert_text_not_formula(content: bytes) -> None:
    cell = the_cell(content, "HYPERLINK")
    assert cell.data_type == "s"
    assert cell.value == "'" + EVIL


@pytest.fixture
def evil_teacher(world, program_1) -> Teacher:
    outcome = roster_file_run(actor=world.county_officer, content=roster_csv([row_cells(name=EVIL, seq=7)]),
                              filename="花名册.csv", mode=RosterImport.Mode.ALL_OR_NOTHING)
    assert outcome.committed, outcome.errors
    teacher = Teacher.objects.get(name=EVIL)
    Enrollment.objects.create(program=program_1, teacher=teacher, school=teacher.school, org_path=teacher.org_path,
                              state=EnrollmentState.IN_PROGRESS, online_hours=Decimal("12.5"),
                              total_hours=Decimal("12.5"))
    return teacher


def export(user, table: str, **params) -> bytes:
    client = Client()
    client.force_login(user)
    response = client.get(f"/monitoring/export/{table}.xlsx", params)
    assert response.status_code == 200
    return response.content


def test_the_roster_export_writes_the_name_as_text(world, evil_teacher):
    assert_text_not_formula(export(world.county_officer, "roster"))


def test_the_teacher_progress_export_writes_the_name_as_text_and_hours_as_numbers(world, evil_teacher, program_1):
    content = export(world.county_officer, "teachers", program=program_1.pk)
    assert_text_not_formula(content)
    row = next(r for r in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows()
               if isinstance(r[0].value, str) and "HYPERLINK" in r[0].value)
    online = row[5]
    assert (online.value, online.data_type) == (12.5, "n")


def test_the_learning_export_writes_the_name_as_text(world, evil_teacher, program_1):
    assert_text_not_formula(export(world.county_officer, "learning", program=program_1.pk))


def test_the_roster_error_report_writes_the_rejected_name_as_text(world, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    bad_phone = row_cells(name=EVIL, phone="123", seq=8)
    outcome = roster_file_run(actor=world.county_officer, content=roster_csv([bad_phone]), filename="花名册.csv",
                              mode=RosterImport.Mode.DRY_RUN, store=True)
    report = roster_errors_xlsx(outcome.roster_import)
    assert_text_not_formula(report)
    row_number = next(c for c in cells(report) if c.row == 2 and c.column == 1)
    assert (row_number.value, row_number.data_type) == (2, "n")


def test_the_transcript_writes_the_name_as_text(world, evil_teacher, program_1):
    from tisheng.ledger.transcripts import transcript_for, transcript_xlsx

    enrollment = Enrollment.objects.select_related("program", "teacher", "school").get(teacher=evil_teacher)
    assert_text_not_formula(transcript_xlsx(transcript_for(enrollment, [])))
