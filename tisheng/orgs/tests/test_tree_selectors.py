import pytest
from django.http import Http404

from tisheng.orgs.selectors import breadcrumbs, node_for_user, school_list, tree_children, tree_roots


def test_province_officer_sees_cities_with_school_and_teacher_counts(world):
    entries = tree_children(world.province_officer, world.province)
    assert [(e.name, e.school_count, e.teacher_count) for e in entries] == [("福州市", 2, 4), ("厦门市", 1, 1)]


def test_county_officer_tree_starts_at_their_county_and_lists_its_schools(world):
    assert tree_roots(world.county_officer) == [world.county_a]
    entries = tree_children(world.county_officer, world.county_a)
    assert [(e.name, e.teacher_count) for e in entries] == [("福州市鼓楼第一中心小学", 3), ("福州市鼓楼实验幼儿园", 1)]


def test_outsider_cannot_open_a_node_of_county_a(world):
    with pytest.raises(Http404):
        node_for_user(world.outsider, "350102")
    with pytest.raises(Http404):
        node_for_user(world.outsider, world.school_a.code)
    with pytest.raises(Http404):
        node_for_user(world.county_officer, "35")


def test_breadcrumbs_start_at_the_actors_root(world):
    assert breadcrumbs(world.county_officer, world.school_a) == [world.county_a, world.school_a]
    assert breadcrumbs(world.province_officer, world.county_a) == [world.province, world.city_a, world.county_a]


def test_school_list_is_scoped_and_filtered(world):
    assert list(school_list(world.outsider)) == [world.school_b]
    assert list(school_list(world.province_officer, {"region": "350102", "stage": "kindergarten"})) == [
        world.school_a2]
    assert list(school_list(world.outsider, {"region": "350102"})) == []


def test_sibling_codes_that_share_a_prefix_do_not_share_counts(world):
    from tisheng.orgs.tests.factories import RegionFactory, SchoolFactory

    short = RegionFactory(code="359", name="甲市", parent=world.province)
    longer = RegionFactory(code="3590", name="乙市", parent=world.province)
    SchoolFactory(county=RegionFactory(code="35901", parent=short), teacher_count=7)
    SchoolFactory(county=RegionFactory(code="359001", parent=longer), teacher_count=11)
    counts = {e.name: (e.school_count, e.teacher_count) for e in tree_children(world.province_officer, world.province)}
    assert counts["甲市"] == (1, 7)
    assert counts["乙市"] == (1, 11)
