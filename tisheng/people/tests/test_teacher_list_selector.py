import datetime as dt

from tisheng.core import idcard
from tisheng.people.selectors import search_kind, teacher_list


def names(qs):
    return sorted(t.name for t in qs)


def test_county_officer_lists_only_teachers_of_their_county(world):
    assert names(teacher_list(world.county_officer)) == sorted(["林晓燕", "陈志强", "黄丽华", "张美玲"])


def test_outsider_finds_no_teacher_of_county_a_even_when_filtering_for_it(world):
    assert names(teacher_list(world.outsider, region="350102")) == []
    assert names(teacher_list(world.outsider, school=world.school_a.pk)) == []
    assert names(teacher_list(world.outsider, q="林晓燕")) == []


def test_search_by_a_full_national_id_finds_that_teacher(world):
    number = world.teacher_b.national_id
    assert names(teacher_list(world.province_officer, q=number.lower())) == ["王建国"]


def test_search_by_the_last_four_characters_of_the_id(world):
    last4 = world.teacher.national_id[-4:]
    found = teacher_list(world.county_officer, q=last4)
    assert world.teacher in found
    assert all(t.id_last4 == last4 for t in found)


def test_search_by_phone_and_by_part_of_a_name(world):
    assert names(teacher_list(world.county_officer, q=world.teacher.phone)) == ["林晓燕"]
    assert names(teacher_list(world.county_officer, q="晓燕")) == ["林晓燕"]


def test_filters_by_region_school_stage_subject_and_status(world):
    officer = world.province_officer
    assert names(teacher_list(officer, region="350203")) == ["王建国"]
    assert names(teacher_list(officer, region=world.city_a)) == sorted(["林晓燕", "陈志强", "黄丽华", "张美玲"])
    assert names(teacher_list(officer, school=world.school_a2)) == ["张美玲"]
    assert names(teacher_list(officer, school=world.school_a2.code)) == ["张美玲"]
    assert names(teacher_list(officer, stage="kindergarten")) == ["张美玲"]
    assert names(teacher_list(officer, subject="学前教育")) == ["张美玲"]
    assert names(teacher_list(officer, status="retired")) == []


def test_a_teacher_lists_only_themselves(world):
    assert names(teacher_list(world.teacher.user)) == ["林晓燕"]


def test_search_box_tells_ids_last_digits_phones_and_names_apart():
    assert search_kind(idcard.make("350102", dt.date(1980, 1, 1), 123)) == "id"
    assert search_kind("123x") == "last4"
    assert search_kind("13912345678") == "phone"
    assert search_kind("林") == "name"
    assert search_kind("  ") == ""
