"""`tisheng run-periodic` keeps the monitoring fresh: roll-ups, the week's bulletins and the
early-warning scores, each only when due."""

import pytest
from django.core.management import call_command

from tisheng.monitoring.models import RollupRun
from tisheng.monitoring.tests.test_rollups import activity  # noqa: F401 - the fixture
from tisheng.monitoring.warning.models import RiskRun, RiskScore
from tisheng.monitoring.warning.risk import risk_refresh_if_stale

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """In a temporary folder: the second round runs the store sweep the first one queued
    (core/storage_sweep.py), which on the developer's var/private would remove every file older
    than a day that no row of this test's database names (and a Monday's round writes bulletins)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_periodic_work_scores_the_early_warning_once_a_day(world, activity):  # noqa: F811
    assert activity.status == activity.Status.ACTIVE
    (run,) = risk_refresh_if_stale(hours=24)
    assert run.path == world.province.path
    assert RiskScore.objects.filter(program=activity).exists()
    assert risk_refresh_if_stale(hours=24) == []
    assert len(risk_refresh_if_stale(hours=0)) == 1


def test_run_periodic_refreshes_rollups_and_risks(world, activity, capsys):  # noqa: F811
    call_command("run_periodic")
    out = capsys.readouterr().out
    assert "rollups_refreshed=1" in out
    assert "risk_refreshed=1" in out
    assert RollupRun.objects.filter(program=activity).count() == 1
    assert RiskRun.objects.filter(program=activity).count() == 1
    call_command("run_periodic")
    assert "rollups_refreshed=0" in capsys.readouterr().out
