"""`tisheng seed` on an empty database, and its refusals."""

import pytest
from django.core.management import CommandError, call_command

from tisheng.core.seed import run, schools
from tisheng.core.seed.run import ALREADY_SEEDED, SeedError, seed_run
from tisheng.orgs.models import School
from tisheng.people.models import Teacher

pytestmark = pytest.mark.django_db


def test_seeding_on_top_of_existing_schools_is_refused(world, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(SeedError) as raised:
        seed_run(scale="demo")
    assert str(raised.value) == ALREADY_SEEDED
    assert Teacher.objects.count() == 5


def test_the_seed_command_prints_progress_and_the_account_table(capsys, monkeypatch):
    # The county at a twentieth of its size: the command's output is the subject here, and the
    # demo seed (tests/test_demo_province.py) and the browser tests' demo cover the full data.
    monkeypatch.setattr(schools, "PROVINCE_SCHOOLS", schools.PROVINCE_SCHOOLS // 20)
    monkeypatch.setattr(schools, "PROVINCE_TEACHERS", schools.PROVINCE_TEACHERS // 20)
    # and without the school-based practice step (evidence files and their text, each read in a
    # child process: a third of the seed), which tests/test_demo_province.py checks on the demo.
    monkeypatch.setattr(run, "practice_seed_demo", lambda **kw: "-")
    monkeypatch.setattr(run, "practice_checks_seed_demo", lambda **kw: "-")
    call_command("seed", "--scale", "county")

    out = capsys.readouterr().out
    assert "schools:" in out
    assert "teachers:" in out
    assert "13800000001" in out
    assert "Demo@2026" in out
    assert "13800000012" in out
    assert set(School.objects.values_list("county__code", flat=True)) == {"350102"}


def test_the_seed_command_refuses_to_seed_over_existing_schools(world):
    # Any schools at all count as seeded: the refusal needs no real seed before it (a county seed
    # costs 25 s; test_the_seed_command_prints_progress_and_the_account_table pays it once).
    with pytest.raises(CommandError):
        call_command("seed", "--scale", "county")
    assert Teacher.objects.count() == 5


def test_if_empty_makes_a_second_run_a_quiet_no_op(world, capsys, settings):
    settings.LANGUAGE_CODE = "en"
    teachers = Teacher.objects.count()

    call_command("seed", "--scale", "county", "--if-empty")

    assert "nothing seeded" in capsys.readouterr().out
    assert Teacher.objects.count() == teachers
