import pytest
from django.utils import timezone

from tisheng.people.tests.factories import TeacherFactory
from tisheng.practice.checks import selectors
from tisheng.practice.models import PeerAssignment, PointChoice, Review

from .conftest import make_result, make_submission


@pytest.fixture
def school_activity(world, practice):
    """School A: 林晓燕 chose A1, A3 and submitted both, A1 graded by the team and passed
    (excellent), A3 waiting; 陈志强 chose A1 and submitted nothing; 黄丽华 chose nothing;
    a fourth teacher chose A1, failed it, and has a returned A3 (pass)."""
    t1, t2, t3 = world.teachers_a
    t4 = TeacherFactory(school=world.school_a, name="郑凯")
    program = practice.program
    for teacher, indexes in ((t1, (0, 1)), (t2, (0,)), (t4, (0, 1))):
        for i in indexes:
            PointChoice.objects.create(program=program, teacher=teacher, point=practice.points[i],
                                       point_version=practice.versions[i], chosen_at=timezone.now())
    s1 = make_submission(practice, t1, "甲" * 40, task=practice.tasks[0])
    make_submission(practice, t1, "乙" * 40, task=practice.tasks[1])
    Review.objects.create(submission=s1, stage="team", reviewer=world.principal, grade="excellent")
    make_result(practice, t1, 0, result="excellent")
    s4 = make_submission(practice, t4, "丙" * 40, task=practice.tasks[0])
    Review.objects.create(submission=s4, stage="team", reviewer=world.principal, grade="fail")
    make_result(practice, t4, 0, result="fail")
    make_result(practice, t4, 1, result="pass", status="returned")
    PeerAssignment.objects.create(program=program, teacher=t1, reviewer=t2, point=practice.points[1])
    PeerAssignment.objects.create(program=program, teacher=t1, reviewer=t3, point=practice.points[0])
    Review.objects.create(submission=s1, stage="peer", reviewer=t3.user, grade="pass")
    # county B has its own numbers, never counted in A
    PointChoice.objects.create(program=program, teacher=world.teacher_b, point=practice.points[0],
                               point_version=practice.versions[0], chosen_at=timezone.now())
    make_result(practice, world.teacher_b, 0, result="pass")
    return t1, t2, t3, t4


def test_the_teacher_summary_counts_who_has_not_chosen_not_submitted_or_waits(world, practice, school_activity):
    summary = selectors.teacher_summary(practice.program, world.school_a.path)
    assert summary == {"teachers": 4, "not_chosen": 1, "not_submitted": 1, "waiting": 1}
    lists = selectors.teacher_lists(practice.program, world.school_a.path)
    assert [t.name for t in lists["not_chosen"]] == ["黄丽华"]
    assert [t.name for t in lists["not_submitted"]] == ["陈志强"]
    assert [t.name for t in lists["waiting"]] == ["林晓燕"]


def test_point_rows_give_pass_and_excellent_rates_over_decided_results(world, practice, school_activity):
    rows = {r["code"]: r for r in selectors.point_rows(practice.program, world.school_a.path)}
    assert rows["A1"]["chosen"] == 3
    assert (rows["A1"]["decided"], rows["A1"]["passed"], rows["A1"]["excellent"]) == (2, 1, 1)
    assert rows["A1"]["pass_rate"] == 0.5
    assert rows["A1"]["excellent_rate"] == 0.5
    assert (rows["A3"]["chosen"], rows["A3"]["decided"], rows["A3"]["returned"]) == (2, 0, 1)
    assert rows["A3"]["pass_rate"] is None


def test_dimension_rows_add_up_the_points_of_each_dimension(world, practice, school_activity):
    rows = {r["dimension"]: r for r in selectors.dimension_rows(practice.program, world.county_a.path)}
    assert rows["学情分析"]["decided"] == 2
    assert rows["学情分析"]["pass_rate"] == 0.5
    assert rows["教学设计"]["returned"] == 1


def test_the_county_rows_count_each_school_apart(world, practice, school_activity):
    rows = {r["code"]: r for r in selectors.child_rows(practice.program, world.county_a.path, world.county_a.level)}
    assert rows[world.school_a.code]["teachers"] == 4
    assert rows[world.school_a.code]["passed"] == 1
    assert rows[world.school_a.code]["queue"] == 1
    assert rows[world.school_a2.code]["not_chosen"] == 1
    assert world.school_b.code not in rows


def test_the_peer_backlog_counts_assigned_points_with_evidence_not_yet_reviewed(world, practice, school_activity):
    t1, t2, t3, _t4 = school_activity
    backlog = selectors.peer_backlog(practice.program, world.school_a.path)
    assert [(row["reviewer__name"], row["pending"]) for row in backlog] == [(t2.name, 1)]


def test_overview_counts_take_a_fixed_number_of_queries(world, practice, school_activity,
                                                        django_assert_num_queries):
    for _ in range(5):
        teacher = TeacherFactory(school=world.school_a)
        PointChoice.objects.create(program=practice.program, teacher=teacher, point=practice.points[0],
                                   point_version=practice.versions[0], chosen_at=timezone.now())
    with django_assert_num_queries(5):
        selectors.teacher_summary(practice.program, world.school_a.path)
        selectors.dimension_rows(practice.program, world.school_a.path)
        selectors.point_rows(practice.program, world.school_a.path)
