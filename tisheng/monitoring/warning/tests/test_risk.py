"""The risk model: reasons with numbers, set-based refresh, what it leaves out."""

import datetime as dt
from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tisheng.monitoring.services.rollups import rollups_refresh
from tisheng.monitoring.warning.models import RiskLevel, RiskRun, RiskScore, SchoolRisk
from tisheng.monitoring.warning.risk import TeacherInputs, assess, deadline_of, latest_run, risk_refresh
from tisheng.people.tests.factories import TeacherFactory
from tisheng.programs.models import Enrollment

from .conftest import AS_OF, credit, enroll


def scores(program):
    return {r.teacher_id: r for r in RiskScore.objects.filter(program=program)}


def test_a_stopped_teacher_is_high_risk_with_the_days_without_activity_in_the_reasons(world, at_risk):
    risk_refresh(at_risk, world.county_a.path, as_of=AS_OF)
    stopped = scores(at_risk)[world.teachers_a[1].pk]
    assert stopped.level == RiskLevel.HIGH
    assert "近 40 天无学习记录" in stopped.reasons
    assert "剩余 61 天，还差 70 学时，需每天 1.2 学时，超出以往同类教师的进度" in stopped.reasons


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


def at(program, days_left):
    """The moment `days_left` days before the end of the program's last day."""
    return deadline_of(program) - dt.timedelta(days=days_left)


def test_a_teacher_who_has_not_started_with_1000_days_left_is_not_at_risk_and_gets_a_calm_note(world, program_2):
    risk = assess(program_2.ruleset, program_2, TeacherInputs(school_started_share=0.0), at(program_2, 1000))
    assert risk.level == RiskLevel.LOW
    assert risk.score == 0
    assert risk.reasons == []
    assert risk.factors["note"] == "尚未开始学习；剩余 1000 天，还差 50 学时，每天只需 0.05 学时，时间充裕"


def test_the_same_teacher_with_30_days_left_is_high_risk_because_the_pace_needed_is_beyond_reach(world, program_2):
    risk = assess(program_2.ruleset, program_2, TeacherInputs(school_started_share=0.0), at(program_2, 30))
    assert risk.level == RiskLevel.HIGH
    assert "剩余 30 天，还差 50 学时，需每天 1.7 学时，超出以往同类教师的进度" in risk.reasons
    assert "尚未开始学习，还差 50 学时" in risk.reasons
    assert risk.factors["note"] == ""


def test_the_risk_of_a_teacher_who_has_not_started_grows_as_the_deadline_nears(world, program_1):
    levels = [assess(program_1.ruleset, program_1, TeacherInputs(), at(program_1, days)).level
              for days in (400, 250, 120, 30)]
    assert levels == [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.HIGH]


def test_a_teacher_on_pace_is_low_risk_even_close_to_the_deadline(world, program_1):
    as_of = at(program_1, 30)
    inputs = TeacherInputs(hours={"online": Decimal("45"), "practice": Decimal("20")}, recent_hours=Decimal("21"),
                           last_activity=as_of - dt.timedelta(days=1))
    risk = assess(program_1.ruleset, program_1, inputs, as_of)  # 15 h in 30 days at 1 h a day
    assert risk.level == RiskLevel.LOW
    assert risk.reasons == []


def test_a_slow_pace_with_time_left_is_medium_and_says_how_late_the_teacher_would_finish(world, program_1):
    as_of = dt.datetime(2016, 6, 1, 12, tzinfo=AS_OF.tzinfo)
    inputs = TeacherInputs(hours={"online": Decimal("20")}, recent_hours=Decimal("1"),
                           last_activity=as_of - dt.timedelta(days=2))
    risk = assess(program_1.ruleset, program_1, inputs, as_of)
    # 60 h missing at 1 h in 21 days: 1,260 days, with 578.5 days left; the time alone is ample.
    assert "按当前进度将于截止日后 682 天完成" in risk.reasons
    assert risk.factors["urgency"] == 0
    assert risk.factors["points"]["pace"] == 25
    assert risk.level == RiskLevel.MEDIUM


def test_a_2_0_teacher_without_points_near_the_deadline_gets_the_practice_reason(world, program_2):
    inputs = TeacherInputs(hours={"online": Decimal("25"), "practice": Decimal("25")},
                           last_activity=AS_OF - dt.timedelta(days=1), points_chosen=2, points_submitted=1)
    risk = assess(program_2.ruleset, program_2, inputs, at(program_2, 60))
    assert "剩余 60 天，能力点已选 2 个、已提交 1 个、已通过 0 个（需 3 个）" in risk.reasons
    assert risk.factors["points"]["practice"] == 15  # (0.5 + 0.25) of 3 points done


def test_missing_points_are_not_urgent_years_before_the_deadline(world, program_2):
    inputs = TeacherInputs(hours={"online": Decimal("25"), "practice": Decimal("25")},
                           last_activity=AS_OF - dt.timedelta(days=1))
    risk = assess(program_2.ruleset, program_2, inputs, at(program_2, 1000))
    assert risk.factors["points"]["practice"] == 0
    assert risk.level == RiskLevel.LOW


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
    assert f"warning_refresh program={at_risk.code} path=35 as_of=" in out
    assert " rows=4 " in out


def test_warning_refresh_as_of_scores_as_if_today_were_that_day_and_prints_the_shares(world, at_risk, capsys):
    call_command("warning_refresh", "--program", at_risk.code, "--as-of", "2015-10-01")
    early = capsys.readouterr().out
    assert "as_of=2015-10-01 rows=4 high=0 medium=0 low=4 high_share=0.0%" in early
    call_command("warning_refresh", "--program", at_risk.code, "--as-of", "2017-12-15")
    assert "high=4 medium=0 low=0 high_share=100.0%" in capsys.readouterr().out


def test_warning_refresh_refuses_a_date_it_cannot_read(world, at_risk):
    import pytest
    from django.core.management.base import CommandError

    from tisheng.monitoring.warning.management.commands.warning_refresh import BAD_DATE

    with pytest.raises(CommandError, match=BAD_DATE):
        call_command("warning_refresh", "--as-of", "15/10/2017")


def school_counts(program):
    return {r.school_id: (r.high, r.medium, r.low) for r in SchoolRisk.objects.filter(program=program)}


def test_a_refresh_stores_each_schools_counts_per_level_for_the_home_pages(world, at_risk):
    risk_refresh(at_risk, world.province.path, as_of=AS_OF)
    risk_refresh(at_risk, world.province.path, as_of=AS_OF)  # replaced, not added to
    assert school_counts(at_risk) == {world.school_a.pk: (2, 0, 1), world.school_b.pk: (1, 0, 0)}


def test_a_teacher_who_moved_county_is_no_longer_counted_at_the_school_they_left(world, at_risk):
    risk_refresh(at_risk, world.province.path, as_of=AS_OF)
    stopped = world.teachers_a[1]
    Enrollment.objects.filter(program=at_risk, teacher=stopped).update(school=world.school_b,
                                                                       org_path=world.school_b.path)
    risk_refresh(at_risk, world.county_b.path, as_of=AS_OF)
    assert school_counts(at_risk) == {world.school_a.pk: (1, 0, 1), world.school_b.pk: (2, 0, 0)}
