import datetime as dt

import pytest

from tisheng.people.models import Teacher
from tisheng.people.services.roster import parse_date, roster_apply, roster_validate
from tisheng.people.tests.test_roster_apply import roster_row
from tisheng.people.tests.test_roster_helpers import make_id


def errors_of(rows, actor=None):
    _records, errors = roster_validate(rows, actor=actor)
    return [(e.row, e.column, e.reason) for e in errors]


def test_full_width_characters_stray_spaces_and_a_lowercase_x_are_normalized(world):
    national_id = idcard_with_x()
    messy = national_id[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " x "
    records, errors = roster_validate(
        [roster_row(name=" 李 明 ", national_id=messy, phone="139 1234 5678", school="３５０１０２０００１ ")], actor=None)

    assert errors == []
    assert (records[0].name, records[0].national_id, records[0].phone) == ("李 明", national_id, "13912345678")


def idcard_with_x() -> str:
    return next(make_id(seq) for seq in range(1000) if make_id(seq).endswith("X"))


@pytest.mark.parametrize(("text", "expected"), [
    ("2008-09", dt.date(2008, 9, 1)),
    ("2008.9", dt.date(2008, 9, 1)),
    ("2008年9月", dt.date(2008, 9, 1)),
    ("2008年9月15日", dt.date(2008, 9, 15)),
    ("20080901", dt.date(2008, 9, 1)),
    ("2008/09/01", dt.date(2008, 9, 1)),
    ("39692", dt.date(2008, 9, 1)),
    (39692.0, dt.date(2008, 9, 1)),
    ("２００８－０９", dt.date(2008, 9, 1)),
    ("2008-09-01 00:00:00", dt.date(2008, 9, 1)),
    ("", None),
])
def test_dates_are_read_in_the_forms_rosters_use(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["去年", "2008-13", "2008-02-30"])
def test_an_unreadable_date_is_a_row_error(world, text):
    assert errors_of([roster_row(started=text)]) == [(2, "参加工作时间", "日期格式不正确")]


def test_each_error_names_the_row_column_and_reason_in_chinese(world):
    bad_check = make_id(1)[:-1] + ("1" if make_id(1)[-1] != "1" else "2")
    rows = [
        roster_row(seq=1, national_id=bad_check),
        roster_row(seq=2, school="9999999999"),
        roster_row(seq=3, phone="1234"),
        roster_row(seq=4, stage="大学", subject="炼丹", title="教授", status="失踪"),
        roster_row(seq=5, name="", national_id="35010219850312"),
    ]

    assert errors_of(rows) == [
        (2, "身份证号", "身份证号校验位错误"),
        (3, "学校代码", "学校代码不存在"),
        (4, "手机号码", "手机号码格式不正确"),
        (5, "任教学段", "任教学段不正确"),
        (5, "任教学科", "任教学科不在学科目录中"),
        (5, "职称", "职称不正确"),
        (5, "状态", "状态不正确"),
        (6, "姓名", "姓名不能为空"),
        (6, "身份证号", "身份证号格式不正确，应为 18 位（17 位数字加 1 位数字或 X）"),
    ]


def test_a_row_shows_all_its_errors_in_column_order(world):
    assert errors_of([roster_row(phone="123", school="9999999999", stage="大学")]) == [
        (2, "手机号码", "手机号码格式不正确"),
        (2, "学校代码", "学校代码不存在"),
        (2, "任教学段", "任教学段不正确"),
    ]


def test_duplicates_inside_the_file_point_at_the_first_row(world):
    rows = [roster_row(seq=1, phone="13912345678"), roster_row(seq=2), roster_row(seq=3),
            roster_row(seq=1, name="李明二"), roster_row(seq=4, phone="13912345678")]

    assert errors_of(rows) == [(5, "身份证号", "与第 2 行身份证号重复"), (6, "手机号码", "与第 2 行手机号码重复")]


def test_a_phone_used_by_another_person_in_the_database_is_an_error(world):
    taken = world.teachers_a[1].phone

    assert errors_of([roster_row(phone=taken)]) == [(2, "手机号码", "手机号码已被他人使用")]
    assert errors_of([roster_row(phone=world.county_officer.phone)]) == [(2, "手机号码", "手机号码已被他人使用")]


def test_a_teachers_own_phone_is_not_a_conflict(world):
    teacher = world.teachers_a[1]

    records, errors = roster_validate(
        [roster_row(name=teacher.name, national_id=teacher.national_id, phone=teacher.phone)], actor=None)

    assert errors == []
    assert len(records) == 1


def test_the_outsider_cannot_import_into_another_county(world):
    assert errors_of([roster_row()], actor=world.outsider) == [(2, "学校代码", "学校不在您的管辖范围内")]


def test_a_principal_imports_only_into_their_own_school(world):
    assert errors_of([roster_row(school=world.school_a2.code)], actor=world.principal) == [
        (2, "学校代码", "学校不在您的管辖范围内")]
    assert errors_of([roster_row(school=world.school_a.code)], actor=world.principal) == []


def test_a_teacher_has_no_scope_to_import(world):
    assert errors_of([roster_row()], actor=world.teacher.user) == [(2, "学校代码", "学校不在您的管辖范围内")]


def test_a_transfer_in_from_another_county_is_allowed_and_reveals_nothing_of_the_old_school(world):
    teacher_b = world.teacher_b
    rows = [roster_row(name=teacher_b.name, national_id=teacher_b.national_id, school=world.school_a.code)]

    records, errors = roster_validate(rows, actor=world.principal)
    counts = roster_apply(records, actor=world.principal, source="test")

    assert errors == []
    assert counts.transferred == 1
    assert Teacher.objects.get(pk=teacher_b.pk).school == world.school_a
    assert world.school_b.name not in repr(records)


def test_status_words_set_the_status(world):
    records, _errors = roster_validate([roster_row(seq=1, status="调出"), roster_row(seq=2, status="退休"),
                                        roster_row(seq=3, status="")], actor=None)

    assert [r.status for r in records] == ["transferred_out", "retired", "active"]


def test_stage_title_and_subject_aliases_are_accepted(world):
    records, errors = roster_validate([roster_row(stage="普通高中", subject="政治", title="中学高级")], actor=None)

    assert errors == []
    assert (records[0].stage, records[0].subject, records[0].title) == ("senior", "思想政治", "高级教师")


def test_validating_many_rows_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    rows = [roster_row(seq=i, phone=f"1391234{i:04d}") for i in range(200)]

    with django_assert_max_num_queries(6):
        records, errors = roster_validate(rows, actor=world.county_officer)

    assert (len(records), errors) == (200, [])
