"""The teacher is told each step of the completion review: submitted by the school, passed at
the county and the city, approved by the province, or returned with the reviewer's reason."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tisheng.notifications.models import Kind, Notification
from tisheng.people.tests.factories import TeacherFactory
from tisheng.programs.services import review as svc

from .test_review_service import all_of, city_officer, enroll


def titles(teacher):
    return list(Notification.objects.filter(recipient=teacher.user).order_by("id").values_list("title", flat=True))


def test_the_teacher_is_told_each_step_up_the_chain(world, program_2):
    e = enroll(program_2, world.teacher)
    svc.review_submit(actor=world.principal, program=program_2, selection=all_of(program_2))
    svc.review_approve(actor=world.county_officer, level="county", program=program_2, selection=all_of(program_2))
    svc.review_approve(actor=city_officer(world), level="city", program=program_2, selection=all_of(program_2))
    svc.review_approve(actor=world.province_officer, level="province", program=program_2,
                       selection=all_of(program_2))
    assert titles(world.teacher) == ["学校已提交结业审核", "结业审核：县级工程办审核通过", "结业审核：市级工程办审核通过",
                                     "结业审核通过"]
    notes = list(Notification.objects.filter(recipient=world.teacher.user).order_by("id"))
    assert all(n.kind == Kind.COMPLETION_APPROVED and n.url == "/programs/review/mine/" for n in notes)
    assert world.county_officer.name in notes[1].body
    assert "下一步由市级工程办审核" in notes[1].body
    assert program_2.name in notes[3].body
    assert e.teacher_id == world.teacher.pk


def test_a_returned_completion_tells_the_teacher_the_reviewers_reason(world, program_2):
    e = enroll(program_2, world.teacher, state="under_review", review_level="county")
    svc.review_return(actor=world.county_officer, enrollment=e, reason="实践成果与能力点不符，请补充课堂实录")
    note = Notification.objects.get(recipient=world.teacher.user)
    assert note.kind == Kind.COMPLETION_RETURNED
    assert note.title == "结业审核被退回"
    assert "县级工程办" in note.body
    assert "原因：实践成果与能力点不符，请补充课堂实录" in note.body


def test_only_the_teachers_moved_are_told(world, program_2):
    enroll(program_2, world.teachers_a[0])
    enroll(program_2, world.teachers_a[1], state="in_progress", explanation="还差 12 学时")
    enroll(program_2, world.teacher_b)
    svc.review_submit(actor=world.principal, program=program_2, selection=all_of(program_2))
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [world.teachers_a[0].user_id]


def test_approving_many_teachers_tells_them_in_the_same_few_statements(world, program_2):
    counts = []
    for n in (5, 40):
        for _ in range(n):
            enroll(program_2, TeacherFactory(school=world.school_a2), state="under_review", review_level="county")
        with CaptureQueriesContext(connection) as queries:
            svc.review_approve(actor=world.county_officer, level="county", program=program_2,
                               selection=all_of(program_2))
        counts.append(len(queries.captured_queries))
        world.county_officer.__dict__.pop("_scope_grants", None)
    assert counts[0] == counts[1]
    assert Notification.objects.count() == 45
