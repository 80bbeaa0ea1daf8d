"""The risk model: reasons with numbers, set-based refresh, what it leaves out."""

import datetime as dt
from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tisheng.monitoring.services.rollups import rollups_refresh
from tisheng.monitoring.warning.models import RiskLevel, RiskRun, RiskScore
from tisheng.monitoring.warning.risk import TeacherInputs, assess, latest_run, risk_refresh
from tisheng.people.tests.factories import TeacherFactory

from .conftest import AS_OF, credit, enroll


def scores(program):
    return {r.teacher_id: r for r in RiskScore.objects.filter(program=program)}


def test_a_stopped_teacher_is_high_risk_with_the_days_without_activity_in_the_reasons(world, at_risk):
    risk_refresh(at_risk, world.county_a.path, as_of=AS_OF)
    stopped = scores(at_risk)[world.teachers_a[1].pk]
    assert stopped.level == RiskLevel.HIGH
    assert "近 40 天无学习记录" in stopped.reasons
    assert any(r.startswith("近 21 天无新增学时，还差 70 学时") for r in stopped.reasons)


def test_a_steady_teacher_is_low_risk_and_a_teacher_who_never_started_is_high(world, at_risk):
    risk_refresh(at_risk, world.county_a.path, as_of=AS_OF)
    rows = scores(at_risk)
    assert rows[world.teachers_a[0].pk].level == RiskLevel.LOW
    assert rows[world.teachers_a[0].pk].reasons == []
    assert "尚未开始学习，还差 80 学时" in rows[world.teachers_a[2].pk].reasons
    assert rows[world.teachers_a[2].pk].level == RiskLevel.HIGH


def test_complete_teachers_and_other_counties_are_not_scored_by_a_county_refresh(world, at_risk):
    run = risk_refresh(at_risk, world.county_a.path, as_of=AS_OF)
    rows = scores(at_risk)
    assert world.teacher_a2.pk not in rows
    assert world.teacher_b.pk not in rows
    assert (run.rows, run.high) == (3, 2)


def test_a_slow_pace_says_how_many_days_after_the_deadline_the_teacher_would_finish(world, program_1):
    inputs = TeacherInputs(hours={"online": Decimal("20")}, recent_hours=Decimal("3"),
                           last_activity=AS_OF - dt.timedelta(days=2))
    risk = assess(program_1.ruleset, program_1, inputs, AS_OF)
    # 60 h missing at 1 h a week: 420 days, with 213.5 days left; about half the needed pace.
    assert "按当前进度将于截止日后 207 天完成" in risk.reasons
    assert risk.factors["points"]["pace"] == 49
    assert risk.level == RiskLevel.MEDIUM


def test_a_2_0_teacher_without_points_gets_the_practice_reason(world, program_2):
    inputs = TeacherInputs(hours={"online": Decimal("25"), "practice": Decimal("25")},
                           last_activity=AS_OF - dt.timedelta(days=1), points_chosen=2, points_submitted=1)
    as_of = dt.datetime(2025, 3, 1, tzinfo=AS_OF.tzinfo)
    risk = assess(program_2.ruleset, program_2, inputs, as_of)
    assert "能力点已选 2 个、已提交 1 个、已通过 0 个（需 3 个）" in risk.reasons
    assert risk.factors["points"]["practice"] == 15  # (0.5 + 0.25) of 3 points done


def test_the_schools_own_pace_is_read_from_its_rollup(world, at_risk):
    rollups_refresh(at_risk)
    risk_refresh(at_risk, world.county_a.path, as_of=AS_OF)
    never = scores(at_risk)[world.teachers_a[2].pk]
    # school_a: 2 of 3 teachers started → no school points.
    assert never.factors["school_started_share"] == 2 / 3
    assert never.factors["points"]["school"] == 0


def test_a_lagging_school_adds_points(world, program_1):
    teachers = [TeacherFactory(school=world.school_a2) for _ in range(4)]
    for t in teachers:
        enroll(program_1, t, state="enrolled")
    rollups_refresh(program_1)
    risk_refresh(program_1, world.county_a.path, as_of=AS_OF)
    row = scores(program_1)[teachers[0].pk]
    assert row.factors["points"]["school"] == 10
    assert "本校仅 0% 的教师已开始学习" in row.reasons


def test_a_province_refresh_takes_the_same_queries_for_more_teachers(world, at_risk):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            risk_refresh(at_risk, world.province.path, as_of=AS_OF)
        return len(ctx.captured_queries)

    before = count()
    for _ in range(5):
        t = TeacherFactory(school=world.school_a)
        enroll(at_risk, t)
        credit(at_risk, t, "2", AS_OF - dt.timedelta(days=3))
    assert count() == before


def test_a_refresh_replaces_the_rows_and_records_its_run(world, at_risk):
    risk_refresh(at_risk, world.province.path, as_of=AS_OF)
    risk_refresh(at_risk, world.province.path, as_of=AS_OF)
    assert RiskScore.objects.filter(program=at_risk).count() == 4
    assert RiskRun.objects.filter(program=at_risk).count() == 2
    assert latest_run(at_risk, world.school_a.path).path == world.province.path


def test_the_warning_refresh_command_prints_what_it_did(world, at_risk, capsys):
    call_command("warning_refresh", "--program", at_risk.code)
    out = capsys.readouterr().out
    assert f"warning_refresh program={at_risk.code} path=35 rows=4" in out
