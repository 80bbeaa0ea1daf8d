import pytest
from django.core.management import call_command

from tisheng.orgs.models import Region, RegionLevel, School
from tisheng.orgs.services import divisions_read, regions_load
from tisheng.orgs.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def test_loading_gives_one_province_ten_city_level_units_and_every_county_a_parent():
    regions_load()

    assert Region.objects.filter(level=RegionLevel.PROVINCE).count() == 1
    assert Region.objects.filter(level=RegionLevel.CITY).count() == 10
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    assert counties.count() == 83
    assert not counties.filter(parent__isnull=True).exists()
    assert not counties.exclude(parent__level=RegionLevel.CITY).exists()


def test_loading_twice_changes_nothing():
    first = regions_load()
    before = list(Region.objects.values_list("pk", "code", "name", "path", "parent_id", "population", "sort_order"))

    second = regions_load()

    assert first == second == 94
    assert list(Region.objects.values_list("pk", "code", "name", "path", "parent_id", "population",
                                           "sort_order")) == before


@pytest.mark.parametrize(("code", "name"), [
    ("35", "福建省"), ("3501", "福州市"), ("350102", "鼓楼区"), ("350112", "长乐区"), ("350181", "福清市"),
    ("3502", "厦门市"), ("350203", "思明区"), ("350213", "翔安区"), ("350305", "秀屿区"),
    ("350404", "三元区"), ("350405", "沙县区"), ("350481", "永安市"), ("350524", "安溪县"),
    ("350582", "晋江市"), ("350604", "龙海区"), ("350605", "长泰区"), ("350703", "建阳区"),
    ("350782", "武夷山市"), ("350803", "永定区"), ("350881", "漳平市"), ("350902", "蕉城区"),
    ("350981", "福安市"), ("350982", "福鼎市"), ("3590", "平潭综合实验区"), ("350128", "平潭县"),
])
def test_known_division_codes_carry_their_official_names(code, name):
    regions_load()

    assert Region.objects.get(code=code).name == name


@pytest.mark.parametrize("code", ["350402", "350427", "350625", "350681", "350527", "350182"])
def test_divisions_abolished_before_2021_or_not_administered_by_fujian_are_absent(code):
    regions_load()

    assert not Region.objects.filter(code=code).exists()


def test_paths_are_materialized_from_province_to_county():
    regions_load()

    assert Region.objects.get(code="35").path == "35"
    assert Region.objects.get(code="3501").path == "35/3501"
    assert Region.objects.get(code="350102").path == "35/3501/350102"
    assert Region.objects.get(code="350128").path == "35/3590/350128"
    for county in Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent"):
        assert county.path == f"{county.parent.path}/{county.code}"
        assert county.code.startswith(county.parent.code) or county.parent.code == "3590"


def test_city_populations_add_up_their_counties():
    rows = divisions_read()
    by_parent: dict[str, int] = {}
    for row in rows:
        by_parent[row.parent_code] = by_parent.get(row.parent_code, 0) + row.population
    for row in rows:
        if row.level != RegionLevel.COUNTY:
            assert by_parent[row.code] == row.population, row.name


def test_loading_keeps_existing_regions_and_their_schools(world):
    school = world.school_a

    regions_load()

    assert Region.objects.get(code="350102").pk == world.county_a.pk
    assert School.objects.get(pk=school.pk).path == "35/3501/350102/3501020001"
    assert SchoolFactory(county=Region.objects.get(code="350524")).path.startswith("35/3505/350524/")


def test_outsider_scope_still_excludes_the_other_county_after_loading(world):
    from tisheng.accounts.roles import Cap
    from tisheng.orgs.scope import scope_filter

    regions_load()

    visible = set(scope_filter(School.objects.all(), world.outsider, Cap.ORGS_VIEW).values_list("code", flat=True))
    assert visible == {world.school_b.code}


def test_the_load_regions_command_reports_the_count(capsys):
    call_command("load_regions")

    assert "regions loaded: 94" in capsys.readouterr().out
