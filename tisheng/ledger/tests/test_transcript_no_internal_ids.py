"""The hours statement shows what a person can look up, never the ledger's internal record ids
(a course's database key, a statement's UUID, a declaration's row number)."""

import io

from openpyxl import load_workbook

from tisheng.ledger.selectors import ledger_entries
from tisheng.ledger.services import ledger_credit
from tisheng.ledger.tests.conftest import enroll
from tisheng.ledger.transcripts import HEADER, transcript_for, transcript_xlsx

STATEMENT_ID = "6f1c0a52-3d9e-4c11-9b7a-2f0d8e5a9c41"


def test_the_hours_statement_has_no_column_of_internal_source_ids(world, program_1):
    enrollment = enroll(program_1, world.teacher)
    ledger_credit(teacher=world.teacher, program=program_1, category="online", hours="2", source_kind="xapi",
                  source_id=STATEMENT_ID, granted_by_system="xapi:FJNU")
    ledger_credit(teacher=world.teacher, program=program_1, category="online", hours="1", source_kind="course",
                  source_id="48213", granted_by_system="playback")

    t = transcript_for(enrollment, list(ledger_entries(enrollment)))
    cells = [str(c) for row in load_workbook(io.BytesIO(transcript_xlsx(t))).active.iter_rows(values_only=True)
             for c in row if c is not None]

    assert "来源编号" not in HEADER
    assert STATEMENT_ID not in cells
    assert "48213" not in cells
    assert "培训平台上报" in cells
    assert "网络课程" in cells
