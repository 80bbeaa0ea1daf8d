"""The seeded world's shape, checked on the plan and the generated roster rows (no database)."""

import collections
import re

import pytest

from tisheng.core import idcard
from tisheng.core.seed.schools import (
    DEMO_COUNTY,
    DEMO_SCHOOL_CODE,
    DEMO_SCHOOL_NAME,
    STAGE_SHARES,
    counties_of,
    plan_schools,
)
from tisheng.core.seed.teachers import REFERENCE_DATE, TeacherRowMaker, near_retirement, retirement_date
from tisheng.core.seed.towns import TOWNS, town_short
from tisheng.orgs.services import divisions_read


@pytest.fixture(scope="module")
def counties():
    return counties_of(divisions_read())


@pytest.fixture(scope="module")
def province(counties):
    return plan_schools("province", counties)


@pytest.fixture(scope="module")
def demo(counties):
    return plan_schools("demo", counties)


@pytest.fixture(scope="module")
def demo_rows(demo):
    return list(TeacherRowMaker().rows(demo))


def test_province_scale_plans_about_12000_schools_and_450000_teachers(province):
    assert len(province) == 12_000
    assert 440_000 <= sum(s.planned_teachers for s in province) <= 460_000


def test_province_stage_mix_follows_fujians_proportions(province):
    counts = collections.Counter(s.stage for s in province)
    for stage, share in STAGE_SHARES.items():
        assert counts[stage] / len(province) == pytest.approx(share, abs=0.015), stage


def test_schools_per_county_follow_population(province):
    per_county = collections.Counter(s.county_code for s in province)
    assert per_county["350582"] > 5 * per_county["350926"]  # 晋江市 206 vs 柘荣县 9 (10k people)
    assert len(per_county) == 83


def test_kindergartens_are_smaller_than_secondary_schools(province):
    by_stage = collections.defaultdict(list)
    for s in province:
        by_stage[s.stage].append(s.planned_teachers)
    mean = {stage: sum(v) / len(v) for stage, v in by_stage.items()}
    assert mean["kindergarten"] < mean["primary"] < mean["junior"] < mean["senior"]


def test_demo_scale_has_300_schools_in_every_city_and_25_in_the_demo_county(demo):
    assert len(demo) == 300
    assert {s.county_code[:4] for s in demo} >= {"3501", "3502", "3503", "3504", "3505", "3506", "3507", "3508",
                                                 "3509"}
    assert sum(1 for s in demo if s.county_code == DEMO_COUNTY) == 25
    assert 7_500 <= sum(s.planned_teachers for s in demo) <= 8_500


def test_the_demo_school_is_the_first_primary_school_of_gulou(demo):
    first = demo[0]
    assert (first.code, first.name, first.stage) == (DEMO_SCHOOL_CODE, DEMO_SCHOOL_NAME, "primary")


def test_county_scale_seeds_one_whole_county(counties):
    schools = plan_schools("county", counties)
    assert {s.county_code for s in schools} == {DEMO_COUNTY}
    assert 150 <= len(schools) <= 260


def test_school_names_are_unique_and_say_where_they_are(province):
    names = [s.name for s in province]
    assert len(set(names)) == len(names)
    anxi_towns = {town_short(t) for t in TOWNS["350524"]}
    rural_anxi = [s.name for s in province
                  if s.county_code == "350524" and s.is_rural and s.stage in ("kindergarten", "primary", "junior")]
    assert rural_anxi
    assert all(n.startswith("安溪县") for n in rural_anxi)
    with_town = [n for n in rural_anxi if any(t in n for t in anxi_towns)]
    assert len(with_town) >= 0.95 * len(rural_anxi)
    assert any(n.startswith("福州市鼓楼区") for n in names)


def test_districts_are_mostly_urban_and_counties_mostly_rural(province, counties):
    districts = {c.code for c in counties if c.is_district}
    in_districts = [s for s in province if s.county_code in districts]
    in_counties = [s for s in province if s.county_code not in districts]
    assert sum(s.is_rural for s in in_districts) / len(in_districts) < 0.2
    assert sum(s.is_rural for s in in_counties) / len(in_counties) > 0.5
    rural_a = sum(s.environment == "A" for s in province if s.is_rural) / sum(s.is_rural for s in province)
    assert rural_a > 0.5


def test_some_schools_carry_deep_poverty_and_demonstration_flags(province):
    assert 0 < sum(s.is_deep_poverty_area for s in province) < len(province) * 0.1
    assert 0 < sum(s.is_demonstration for s in province) < len(province) * 0.1


def test_the_same_seed_gives_the_same_world_and_another_seed_another(counties, demo, demo_rows):
    again = plan_schools("demo", counties)
    assert [(s.code, s.name, s.stage, s.planned_teachers) for s in again] == \
           [(s.code, s.name, s.stage, s.planned_teachers) for s in demo]
    assert list(TeacherRowMaker().rows(again)) == demo_rows
    other = plan_schools("demo", counties, seed=2)
    assert [s.name for s in other] != [s.name for s in demo]


def test_about_one_teacher_in_eight_is_within_five_years_of_retirement(demo_rows):
    share = sum(near_retirement(r["身份证号"]) for r in demo_rows) / len(demo_rows)
    assert 0.10 <= share <= 0.15


def test_no_seeded_teacher_is_past_retirement_age(demo_rows):
    for r in demo_rows:
        assert retirement_date(r["身份证号"]) > REFERENCE_DATE


def test_about_70_percent_of_teachers_are_women_and_nearly_all_in_kindergartens(demo_rows):
    women = [idcard.sex(r["身份证号"]) == "F" for r in demo_rows]
    assert 0.65 <= sum(women) / len(women) <= 0.75
    kindergarten = [idcard.sex(r["身份证号"]) == "F" for r in demo_rows if r["任教学段"] == "幼儿园"]
    assert sum(kindergarten) / len(kindergarten) >= 0.94


def test_national_ids_are_valid_unique_and_from_the_schools_county(demo_rows):
    ids = [r["身份证号"] for r in demo_rows]
    assert len(set(ids)) == len(ids)
    assert all(idcard.is_valid(i) for i in ids)
    assert all(r["身份证号"][:6] == r["学校代码"][:6] for r in demo_rows)


def test_phones_are_unique_mobile_numbers_clear_of_demo_and_test_ranges(demo_rows):
    phones = [r["手机号码"] for r in demo_rows]
    assert len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert not any(p[:3] in ("137", "138", "139") for p in phones)


def test_started_work_is_after_school_age_and_before_the_reference_date(demo_rows):
    for r in demo_rows:
        born = idcard.birth_date(r["身份证号"])
        started = r["参加工作时间"]
        assert f"{born.year + 17}" <= started <= REFERENCE_DATE.isoformat()


def test_subjects_follow_the_stage(demo_rows):
    by_stage = collections.defaultdict(collections.Counter)
    for r in demo_rows:
        by_stage[r["任教学段"]][r["任教学科"]] += 1
    assert set(by_stage["幼儿园"]) == {"学前教育"}
    assert by_stage["小学"].most_common(2)[0][0] in ("语文", "数学")
    assert "物理" not in by_stage["小学"]


def test_rows_refuse_schools_not_grouped_by_county(demo):
    gulou, siming = demo[0], next(s for s in demo if s.county_code == "350203")

    with pytest.raises(ValueError, match="grouped by county"):
        list(TeacherRowMaker().rows([gulou, siming, gulou]))


def test_ids_and_phones_stay_unique_in_the_largest_county_at_province_scale(province):
    jinjiang = [s for s in province if s.county_code == "350582"]  # 晋江市, about 22,000 teachers
    maker = TeacherRowMaker()

    rows = list(maker.rows(jinjiang))

    assert len(rows) > 15_000
    assert len({r["身份证号"] for r in rows}) == len(rows)
    assert len({r["手机号码"] for r in rows}) == len(rows)
    assert all(idcard.is_valid(r["身份证号"]) for r in rows[:2000])


def test_gulou_has_one_first_central_primary_school_the_demo_school(province):
    names = [s.name for s in province if s.county_code == DEMO_COUNTY]

    assert DEMO_SCHOOL_NAME in names
    assert "福州市鼓楼区第一中心小学" not in names
    assert "福州市鼓楼区第二中心小学" in names
