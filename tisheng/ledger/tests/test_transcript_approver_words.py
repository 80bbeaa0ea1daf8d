"""The hours statement names who granted each entry as a person reads it: the approver's name,
or 平台自动计入 with what did it (video learning, a training platform's report), never the
internal name of the code path (playback, xapi:FJNU, system)."""

import pytest

from tisheng.ledger.selectors import ledger_entries
from tisheng.ledger.services import ledger_credit
from tisheng.ledger.tests.conftest import enroll
from tisheng.ledger.transcripts import transcript_for


@pytest.mark.parametrize(("system", "shown"), [
    ("playback", "平台自动计入（视频学习）"),
    ("xapi:FJNU", "平台自动计入（培训平台上报）"),
    ("system", "平台自动计入"),
    ("learning", "平台自动计入"),
])
def test_hours_credited_by_the_platform_say_so_in_chinese_without_the_internal_name(world, program_1, system, shown):
    enrollment = enroll(program_1, world.teacher)
    ledger_credit(teacher=world.teacher, program=program_1, category="online", hours="2", source_kind="course",
                  source_id="1", granted_by_system=system)

    row = transcript_for(enrollment, list(ledger_entries(enrollment))).rows[0]

    assert row.granted_by == shown
    assert system.split(":")[0] not in row.granted_by


def test_hours_a_person_approved_name_that_person(world, program_1):
    enrollment = enroll(program_1, world.teacher)
    ledger_credit(teacher=world.teacher, program=program_1, category="practice", hours="3", source_kind="practice",
                  source_id="P-1", granted_by=world.principal)

    row = transcript_for(enrollment, list(ledger_entries(enrollment))).rows[0]

    assert row.granted_by == world.principal.name
