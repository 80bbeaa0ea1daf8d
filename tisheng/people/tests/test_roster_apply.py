import datetime as dt

import pytest

from tisheng.accounts.models import AuditAction, AuditLog, RoleAssignment
from tisheng.core import crypto, idcard
from tisheng.people.models import Teacher, TeacherPosting
from tisheng.people.services.roster import CANONICAL_HEADERS, roster_apply, roster_preview, roster_validate


def roster_row(name="李明", national_id=None, phone="", school="3501020001", stage="小学", subject="数学",
               title="一级教师", started="2008-09", status="在职", seq=1):
    national_id = national_id or idcard.make("350102", dt.date(1985, 3, 12), seq)
    return dict(zip(CANONICAL_HEADERS, (name, national_id, phone, school, stage, subject, title, started, status),
                    strict=True))


def import_rows(rows, actor=None):
    records, errors = roster_validate(rows, actor=actor)
    assert errors == []
    return roster_apply(records, actor=actor, source="test")


def test_a_new_teacher_gets_an_account_a_posting_and_the_teacher_role(world):
    counts = import_rows([roster_row(phone="13912345678")], actor=world.county_officer)

    assert counts.created == 1
    teacher = Teacher.objects.get(id_hash=crypto.lookup_hash(idcard.make("350102", dt.date(1985, 3, 12), 1)))
    assert teacher.school == world.school_a
    assert teacher.org_path == world.school_a.path
    assert teacher.started_work == dt.date(2008, 9, 1)
    assert teacher.user.phone == "13912345678"
    assert teacher.user.must_change_password
    assert not teacher.user.has_usable_password()
    assert teacher.postings.get().ended is None
    assert RoleAssignment.objects.filter(user=teacher.user, role="teacher", school=world.school_a).exists()


def test_school_teacher_counts_follow_the_import(world):
    before = world.school_a.teacher_count
    import_rows([roster_row(seq=1), roster_row(seq=2, status="退休")])

    world.school_a.refresh_from_db()
    assert world.school_a.teacher_count == before + 1


def test_reimporting_the_same_roster_changes_nothing(world):
    import_rows([roster_row()])

    counts = import_rows([roster_row()])

    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 1)
    assert Teacher.objects.filter(name="李明").count() == 1


def test_a_known_id_at_the_same_school_is_an_update_not_a_second_teacher(world):
    import_rows([roster_row()])

    counts = import_rows([roster_row(name="李明明", title="高级教师")])

    assert (counts.created, counts.updated) == (0, 1)
    teacher = Teacher.objects.get(name="李明明")
    assert teacher.title == "高级教师"
    assert teacher.user.name == "李明明"


def test_a_known_id_at_another_school_is_a_transfer(world):
    teacher_b = world.teacher_b
    row = roster_row(name=teacher_b.name, national_id=teacher_b.national_id, phone=teacher_b.phone)

    counts = import_rows([row], actor=world.county_officer)

    assert counts.transferred == 1
    teacher_b.refresh_from_db()
    assert teacher_b.school == world.school_a
    assert teacher_b.org_path == world.school_a.path
    postings = list(teacher_b.postings.order_by("id"))
    assert [(p.school, p.ended is None) for p in postings] == [(world.school_b, False), (world.school_a, True)]
    assert list(RoleAssignment.objects.filter(user=teacher_b.user, role="teacher").values_list("school", flat=True)) \
        == [world.school_a.pk]
    world.school_b.refresh_from_db()
    assert world.school_b.teacher_count == 0
    audits = {a.detail["direction"]: a for a in AuditLog.objects.filter(action=AuditAction.TEACHER_TRANSFERRED)}
    assert audits["in"].scope_path == world.school_a.path
    assert "from_school" not in audits["in"].detail
    assert (audits["out"].scope_path, audits["out"].detail["from_school"]) == (world.school_b.path, world.school_b.pk)


def test_every_import_writes_one_audit_row(world):
    import_rows([roster_row(seq=1), roster_row(seq=2)], actor=world.county_officer)

    audit = AuditLog.objects.get(action=AuditAction.ROSTER_IMPORTED)
    assert audit.actor == world.county_officer
    assert audit.detail["created"] == 2


def test_the_preview_counts_what_apply_will_do_without_writing(world):
    records, _errors = roster_validate(
        [roster_row(seq=1), roster_row(name=world.teacher_b.name, national_id=world.teacher_b.national_id)],
        actor=None,
    )

    counts = roster_preview(records)

    assert (counts.created, counts.transferred) == (1, 1)
    assert not Teacher.objects.filter(name="李明").exists()


@pytest.mark.parametrize("rows", [10, 60])
def test_apply_runs_a_fixed_number_of_queries_whatever_the_number_of_rows(world, django_assert_max_num_queries,
                                                                         rows):
    records, errors = roster_validate([roster_row(seq=i, phone=f"1391234{i:04d}") for i in range(rows)], actor=None)
    assert errors == []

    with django_assert_max_num_queries(20):
        roster_apply(records, actor=None, source="test")

    assert TeacherPosting.objects.filter(source="test").count() == rows


def test_a_blank_phone_or_start_date_in_the_file_keeps_what_is_on_record(world):
    import_rows([roster_row(phone="13912345678", started="2008-09")])

    counts = import_rows([roster_row(phone="", started="")])

    teacher = Teacher.objects.get(name="李明")
    assert counts.unchanged == 1
    assert (teacher.phone, teacher.started_work) == ("13912345678", dt.date(2008, 9, 1))


def test_a_new_phone_in_the_roster_becomes_the_login_phone(world):
    teacher = world.teachers_a[2]

    import_rows([roster_row(name=teacher.name, national_id=teacher.national_id, phone="13600001111")])

    teacher.refresh_from_db()
    assert teacher.user.phone == "13600001111"


def test_a_retirement_in_the_roster_lowers_the_school_count(world):
    teacher = world.teachers_a[2]
    before = world.school_a.teacher_count

    counts = import_rows([roster_row(name=teacher.name, national_id=teacher.national_id, status="退休")])

    world.school_a.refresh_from_db()
    assert counts.updated == 1
    assert world.school_a.teacher_count == before - 1


@pytest.mark.parametrize(("paths", "expected"), [
    (["35/3501/350102/A", "35/3501/350102/B"], "35/3501/350102"),
    (["35/3501/350102/A", "35/3502/350203/B"], "35"),
    (["35/3501/350102/A"], "35/3501/350102/A"),
    (["35/3501", "36/3601"], ""),
])
def test_an_import_is_filed_at_the_deepest_node_above_its_schools(paths, expected):
    from tisheng.people.services.roster import common_path

    assert common_path(paths) == expected
