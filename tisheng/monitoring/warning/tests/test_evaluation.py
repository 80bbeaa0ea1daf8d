"""The model measured on a synthetic two-year history whose outcome is known, as if today were
10 %, 50 % and 90 % into the program and in its deadline month.

About 40 % of the simulated teachers miss the deadline. Early on, not having started is the
norm (most late starters catch up), so the model must flag almost nobody high: the list stays
short. Near the deadline it must be right when it says high (precision ≥ 0.7 at 90 %, ≥ 0.9 in
the deadline month, well above the base rate) and catch most of those who miss it (recall of
high + medium ≥ 0.8 at 90 %, of high ≥ 0.85 in the deadline month). What it cannot see is by
design of the history: crammers who trickle and rush in the last weeks look like teachers who
stalled until they rush (the false positives at 90 %)."""

import pytest
from django.core.management import call_command

from tisheng.monitoring.warning.evaluation import simulate, warning_evaluate
from tisheng.monitoring.warning.models import RiskLevel, RiskScore
from tisheng.monitoring.warning.risk import ACHIEVABLE_HOURS_PER_DAY
from tisheng.orgs.models import Region

# One evaluation for the module: `make test` keeps the module on one xdist worker.
pytestmark = pytest.mark.xdist_group("warning_evaluation")


@pytest.fixture(scope="module")
def result(django_db_setup, django_db_blocker):
    """One evaluation for the module (it rolls back everything it writes)."""
    with django_db_blocker.unblock():
        return warning_evaluate(n=200, seed=7)


def test_early_in_the_program_almost_nobody_is_high_risk(result):
    for label in ("10%", "50%"):
        assert result.at(label).share(RiskLevel.HIGH) <= 0.02
        assert result.at(label).share(RiskLevel.HIGH) + result.at(label).share(RiskLevel.MEDIUM) <= 0.25


def test_near_the_deadline_high_risk_is_mostly_right_and_catches_most_who_miss_it(result):
    base_rate = result.not_completed / result.teachers
    late, last = result.at("90%"), result.at("deadline month")
    assert late.precision_high >= 0.7
    assert late.precision_high > base_rate + 0.2
    assert late.recall_high_medium >= 0.8
    assert last.precision_high >= 0.9
    assert last.recall_high >= 0.85


def test_teachers_who_never_start_are_high_only_once_time_runs_short(result):
    assert result.at("50%").by_pattern["never"]["high"] == 0
    assert result.at("deadline month").by_pattern["never"]["high"] == result.by_pattern_total("never")


def test_the_achievable_pace_the_model_uses_is_what_the_history_shows(result):
    assert abs(result.achievable_per_day - ACHIEVABLE_HOURS_PER_DAY) <= 0.2


def test_the_evaluation_leaves_nothing_behind(db):
    warning_evaluate(n=30, seed=1)
    assert not Region.objects.filter(code="99").exists()
    assert not RiskScore.objects.exists()


def test_the_simulation_is_deterministic():
    assert [h.weekly for h in simulate(30, 5)] == [h.weekly for h in simulate(30, 5)]


def test_the_command_prints_the_levels_and_precision_and_recall_at_each_point(db, capsys):
    call_command("warning_evaluate", "--teachers", "40", "--seed", "3")
    out = capsys.readouterr().out
    assert out.startswith("teachers=40 ")
    for label in ("10%", "50%", "90%", "deadline month"):
        assert f"{label} as_of=" in out
    assert out.count("high: precision=") == 4
    assert out.count("high+medium: precision=") == 4
