import datetime as dt

from tisheng.ledger import registry
from tisheng.ledger.models import ExternalHoursRecord, HoursCycle
from tisheng.ledger.seed import ledger_seed_demo


def test_the_demo_gives_every_demo_teacher_a_registry_measured_against_the_cycle_due_next_year(world):
    assert ledger_seed_demo(school_code=world.school_a.code) != "-"
    assert list(HoursCycle.objects.values_list("name", flat=True)) == ["2027—2031 年继续教育周期",
                                                                       "2022—2026 年继续教育周期"]
    standings = []
    for teacher in world.teachers_a:
        rows = registry.registry_rows(teacher)
        assert len({r.title for r in rows if not r.external}) == 2
        assert any(r.source.startswith("国家智慧教育平台") for r in rows)
        standings.append(registry.teacher_standings(teacher, rows, today=dt.date(2027, 1, 5))[1])
    assert [s.met for s in standings] == [True, False, False]
    assert ExternalHoursRecord.objects.filter(verification="unverified").count() == 1
    assert ledger_seed_demo(school_code=world.school_a.code) == "-"  # once
