"""A city office sees one row per county, the province one row per city: which of them lags."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tisheng.accounts.models import RoleAssignment
from tisheng.orgs.tests.factories import RegionFactory, SchoolFactory
from tisheng.people.tests.factories import TeacherFactory, UserFactory
from tisheng.practice.checks import selectors, services
from tisheng.practice.models import PointChoice, Review

from .conftest import make_passed, make_result, make_submission


def _choose(practice, teacher, *indexes):
    for i in indexes:
        PointChoice.objects.create(program=practice.program, teacher=teacher, point=practice.points[i],
                                   point_version=practice.versions[i], chosen_at=timezone.now())


def _add_county(world, practice, code: str, name: str, city=None):
    """A county with one school and one teacher who chose A1, passed it and has evidence
    waiting for the team's grade."""
    county = RegionFactory(code=code, name=name, parent=city or world.city_a)
    school = SchoolFactory(county=county, code=f"{code}0001", name=f"{name}第一小学")
    teacher = TeacherFactory(school=school)
    _choose(practice, teacher, 0)
    make_passed(practice, teacher, 0)
    make_submission(practice, teacher, "丁" * 40, task=practice.tasks[1])
    return county


@pytest.fixture
def city_officer(world):
    """福州市工程办: county A (鼓楼区) is one of its counties."""
    user = UserFactory(name="福州市工程办", phone="13700000021")
    RoleAssignment.objects.create(user=user, role="city_office", region=world.city_a)
    return user


@pytest.fixture
def activity(world, practice):
    """鼓楼区: 林晓燕 chose A1, her evidence was graded and A1 passed excellent; 陈志强 chose
    A1 and A3, failed A1, and his A3 evidence waits for the team; 黄丽华 did nothing; 张美玲
    (the kindergarten) chose A1 and passed it. The county's open spot check holds both passed
    points. 台江区 (a second county of 福州): two teachers, one chose A1 and passed it.
    仓山区: no teachers. 思明区 (厦门): 王建国 passed A1. 莆田市: no counties at all."""
    t1, t2, _t3 = world.teachers_a
    _choose(practice, t1, 0)
    _choose(practice, t2, 0, 1)
    _choose(practice, world.teacher_a2, 0)
    s1 = make_submission(practice, t1, "甲" * 40, task=practice.tasks[0])
    Review.objects.create(submission=s1, stage="team", reviewer=world.principal, grade="excellent")
    make_passed(practice, t1, 0, result="excellent")
    make_submission(practice, t2, "乙" * 40, task=practice.tasks[1])
    make_result(practice, t2, 0, result="fail")
    make_passed(practice, world.teacher_a2, 0)
    services.spot_check_draw(actor=world.county_officer, program=practice.program, region=world.county_a, share=1)

    world.county_c = RegionFactory(code="350103", name="台江区", parent=world.city_a)
    school_c = SchoolFactory(county=world.county_c, code="3501030001", name="台江第一中心小学")
    c1 = TeacherFactory(school=school_c, name="刘洋")
    TeacherFactory(school=school_c, name="吴芳")
    _choose(practice, c1, 0)
    make_passed(practice, c1, 0)
    world.county_d = RegionFactory(code="350104", name="仓山区", parent=world.city_a)

    _choose(practice, world.teacher_b, 0)
    make_passed(practice, world.teacher_b, 0)
    world.city_c = RegionFactory(code="3503", name="莆田市", parent=world.province)
    return world


def _by_code(rows):
    return {row["code"]: row for row in rows}


def _numbers(row):
    return (row["teachers"], row["chosen"], row["submitted"], row["passed"], row["excellent"], row["queue"],
            row["spot_backlog"])


def test_a_city_has_one_row_per_county_with_its_numbers(world, practice, activity):
    rows = selectors.child_rows(practice.program, world.city_a.path, world.city_a.level)
    assert [row["code"] for row in rows] == ["350102", "350103", "350104"]
    rows = _by_code(rows)
    assert _numbers(rows["350102"]) == (4, 3, 2, 2, 1, 1, 2)
    assert rows["350102"]["pass_rate"] == pytest.approx(2 / 3)
    assert rows["350102"]["excellent_rate"] == pytest.approx(1 / 3)
    assert _numbers(rows["350103"]) == (2, 1, 0, 1, 0, 0, 0)
    assert rows["350103"]["pass_rate"] == 1.0
    assert rows["350103"]["excellent_rate"] == 0.0


def test_a_county_without_teachers_is_a_row_of_zeros(world, practice, activity):
    row = _by_code(selectors.child_rows(practice.program, world.city_a.path, world.city_a.level))["350104"]
    assert row["name"] == "仓山区"
    assert _numbers(row) == (0, 0, 0, 0, 0, 0, 0)
    assert row["pass_rate"] is None
    assert row["excellent_rate"] is None


def test_the_province_has_one_row_per_city_adding_up_its_counties(world, practice, activity):
    rows = selectors.child_rows(practice.program, world.province.path, world.province.level)
    assert [row["code"] for row in rows] == ["3501", "3502", "3503"]
    rows = _by_code(rows)
    assert _numbers(rows["3501"]) == (6, 4, 2, 3, 1, 1, 2)
    assert rows["3501"]["pass_rate"] == pytest.approx(3 / 4)
    assert _numbers(rows["3502"]) == (1, 1, 0, 1, 0, 0, 0)
    assert _numbers(rows["3503"]) == (0, 0, 0, 0, 0, 0, 0)


def test_a_county_still_has_one_row_per_school(world, practice, activity):
    rows = _by_code(selectors.child_rows(practice.program, world.county_a.path, world.county_a.level))
    assert set(rows) == {world.school_a.code, world.school_a2.code}
    assert _numbers(rows[world.school_a.code]) == (3, 2, 2, 1, 1, 1, 1)
    assert _numbers(rows[world.school_a2.code]) == (1, 1, 0, 1, 0, 0, 1)


def test_a_county_whose_code_starts_like_another_is_not_counted_in_it(world, practice, activity):
    # "35/3501/35010" is a prefix of the string "35/3501/350102/…": only whole segments count
    odd = RegionFactory(code="35010", name="编码较短的区", parent=world.city_a)
    school = SchoolFactory(county=odd, code="350100001")
    teacher = TeacherFactory(school=school)
    make_passed(practice, teacher, 0)
    rows = _by_code(selectors.child_rows(practice.program, world.city_a.path, world.city_a.level))
    assert rows["350102"]["teachers"] == 4
    assert rows["350102"]["passed"] == 2
    assert (rows["35010"]["teachers"], rows["35010"]["passed"]) == (1, 1)


def test_the_city_page_lists_its_counties_linked_to_their_own_overviews(client, world, practice, activity,
                                                                        city_officer):
    client.force_login(city_officer)
    page = client.get(reverse("practice:checks_region_overview", args=[world.city_a.pk]))
    assert page.status_code == 200
    assert [row["name"] for row in page.context["child_rows"]] == ["鼓楼区", "台江区", "仓山区"]
    html = page.content.decode()
    assert 'data-testid="counties"' in html
    link = reverse("practice:checks_region_overview", args=[world.county_a.pk]) + f"?program={practice.program.pk}"
    assert f'href="{link}"' in html
    assert "思明区" not in html


def test_the_link_drills_down_from_the_province_to_a_county_s_schools(client, world, practice, activity):
    client.force_login(world.province_officer)
    province = client.get(reverse("practice:checks_region_overview", args=[world.province.pk]))
    assert 'data-testid="cities"' in province.content.decode()
    city_link = reverse("practice:checks_region_overview", args=[world.city_a.pk]) + f"?program={practice.program.pk}"
    assert f'href="{city_link}"' in province.content.decode()
    city = client.get(city_link)
    assert city.context["program"] == practice.program
    assert [row["code"] for row in city.context["child_rows"]] == ["350102", "350103", "350104"]
    county = client.get(reverse("practice:checks_region_overview", args=[world.county_a.pk]),
                        {"program": practice.program.pk})
    school_link = reverse("practice:checks_school_overview", args=[world.school_a.pk])
    assert f'href="{school_link}?program={practice.program.pk}"' in county.content.decode()


def test_a_county_officer_gets_404_on_its_city_and_on_the_province(client, world, practice, activity):
    client.force_login(world.county_officer)
    assert client.get(reverse("practice:checks_region_overview", args=[world.city_a.pk])).status_code == 404
    assert client.get(reverse("practice:checks_region_overview", args=[world.province.pk])).status_code == 404


def test_the_outsider_sees_nothing_of_county_a(client, world, practice, activity):
    client.force_login(world.outsider)
    for region in (world.city_a, world.county_a, world.province):
        assert client.get(reverse("practice:checks_region_overview", args=[region.pk])).status_code == 404
    own = client.get(reverse("practice:checks_region_overview", args=[world.county_b.pk]))
    assert [row["code"] for row in own.context["child_rows"]] == [world.school_b.code]
    assert "鼓楼" not in own.content.decode()


def test_another_city_s_office_sees_only_its_own_counties(client, world, practice, activity):
    officer = UserFactory(name="厦门市工程办", phone="13700000022")
    RoleAssignment.objects.create(user=officer, role="city_office", region=world.city_b)
    client.force_login(officer)
    assert client.get(reverse("practice:checks_region_overview", args=[world.city_a.pk])).status_code == 404
    page = client.get(reverse("practice:checks_region_overview", args=[world.city_b.pk]))
    assert [row["code"] for row in page.context["child_rows"]] == ["350203"]
    assert "鼓楼" not in page.content.decode()


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_city_page_takes_as_many_queries_for_more_counties(client, world, practice, activity, city_officer,
                                                               django_assert_num_queries):
    client.force_login(city_officer)
    url = reverse("practice:checks_region_overview", args=[world.city_a.pk])
    client.get(url)
    before = _count_queries(client, url)
    _add_county(world, practice, "350105", "马尾区")
    _add_county(world, practice, "350111", "晋安区")
    with django_assert_num_queries(before):
        page = client.get(url)
    assert len(page.context["child_rows"]) == 5


def test_the_province_page_takes_as_many_queries_for_more_cities(client, world, practice, activity,
                                                                 django_assert_num_queries):
    client.force_login(world.province_officer)
    url = reverse("practice:checks_region_overview", args=[world.province.pk])
    client.get(url)
    before = _count_queries(client, url)
    for code, name in (("3504", "三明市"), ("3505", "泉州市")):
        city = RegionFactory(code=code, name=name, parent=world.province)
        _add_county(world, practice, f"{code}02", f"{name}市辖区", city=city)
    with django_assert_num_queries(before):
        page = client.get(url)
    assert [row["code"] for row in page.context["child_rows"]] == ["3501", "3502", "3503", "3504", "3505"]


def test_the_rows_take_five_queries(world, practice, activity, django_assert_num_queries):
    with django_assert_num_queries(5):
        selectors.child_rows(practice.program, world.province.path, world.province.level)


@pytest.mark.parametrize("level", ["province", "city", "county"])
def test_a_region_s_totals_are_its_children_s_sums_and_its_teachers_count(client, world, practice, activity, level):
    """A region's page adds its totals up from its child rows: they must be what counting the
    region's teachers directly gives."""
    region = {"province": world.province, "city": world.city_a, "county": world.county_a}[level]
    client.force_login(world.province_officer)
    response = client.get(reverse("practice:checks_region_overview", args=[region.pk]))
    assert response.status_code == 200
    assert response.context["summary"] == selectors.teacher_summary(practice.program, region.path)
    assert response.context["summary"]["teachers"] > 0
    assert response.context["queue"] == selectors.team_queue(practice.program, region.path).count()
