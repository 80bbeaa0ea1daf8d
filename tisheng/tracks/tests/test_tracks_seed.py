import pytest

from tisheng.people.tests.factories import TeacherFactory
from tisheng.programs.models import Enrollment
from tisheng.tracks.models import Nomination, PlanReview, TermCheck, Track
from tisheng.tracks.seed import tracks_seed_demo

pytestmark = pytest.mark.django_db


def test_the_demo_county_has_a_leadership_track_of_its_principals_and_cios_and_a_training_team(world, program_2):
    from tisheng.practice.tests.conftest import approve_plan

    approve_plan(world, program_2)
    TeacherFactory(school=world.school_a2, name="刘老师")
    TeacherFactory(school=world.school_a2, name="吴老师")
    assert tracks_seed_demo(school_code=world.school_a.code).startswith("2 tracks")
    leadership = Track.objects.get(kind="leadership")
    names = set(Nomination.objects.filter(track=leadership).values_list("teacher__name", "state"))
    # 鼓楼第一中心小学: its principal 陈志强 and a CIO named by him; the last school's two wait.
    assert ("陈志强", "selected") in names
    assert {s for _n, s in names} == {"selected", "nominated"}
    assert Enrollment.objects.filter(program=leadership.program, teacher__name="陈志强").exists()
    team = Track.objects.get(kind="training_team")
    assert Nomination.objects.filter(track=team, state="selected").exists()
    assert not Nomination.objects.filter(teacher=world.teacher_b).exists()
    # The demo school's plan is the deliverable: scored on the rubric, followed up last term.
    assert PlanReview.objects.get(track=leadership).school == world.school_a
    assert TermCheck.objects.filter(track=leadership, school=world.school_a).exists()
    assert tracks_seed_demo(school_code=world.school_a.code) == "skipped"
