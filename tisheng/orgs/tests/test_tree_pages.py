import pytest
from django.urls import reverse

from tisheng.accounts.models import RoleAssignment
from tisheng.orgs.tests.factories import RegionFactory, SchoolFactory
from tisheng.people.tests.factories import UserFactory

TREE = reverse("orgs:tree")


def test_province_officer_sees_cities_with_counts(client, world):
    client.force_login(world.province_officer)
    response = client.get(TREE)
    assert response.status_code == 200
    assert response.context["node"] == world.province
    rows = [(e.name, e.school_count, e.teacher_count) for e in response.context["children"]]
    assert rows == [("福州市", 2, 4), ("厦门市", 1, 1)]
    assert "福州市" in response.text
    assert "厦门市" in response.text


def test_county_officer_drills_down_from_county_to_school_and_its_teachers(client, world):
    client.force_login(world.county_officer)
    county = client.get(TREE)
    assert county.context["node"] == world.county_a
    assert [e.name for e in county.context["children"]] == ["福州市鼓楼第一中心小学", "福州市鼓楼实验幼儿园"]
    school = client.get(TREE, {"node": world.school_a.code})
    assert school.status_code == 200
    assert [c.name for c in school.context["crumbs"]] == ["鼓楼区", "福州市鼓楼第一中心小学"]
    assert f"{reverse('people:teacher_list')}?school={world.school_a.pk}" in school.text


def test_county_officer_cannot_climb_above_their_county(client, world):
    client.force_login(world.county_officer)
    assert client.get(TREE, {"node": "35"}).status_code == 404
    assert client.get(TREE, {"node": "3501"}).status_code == 404


def test_outsider_gets_404_for_county_a_and_its_schools(client, world):
    client.force_login(world.outsider)
    assert client.get(TREE, {"node": "350102"}).status_code == 404
    assert client.get(TREE, {"node": world.school_a.code}).status_code == 404
    own = client.get(TREE)
    assert "鼓楼" not in own.text
    assert [e.name for e in own.context["children"]] == ["厦门市思明实验小学"]


def test_unknown_node_is_404_and_anonymous_is_sent_to_login(client, world):
    assert client.get(TREE).status_code == 302
    client.force_login(world.province_officer)
    assert client.get(TREE, {"node": "999999"}).status_code == 404


def test_a_teacher_may_not_browse_the_tree(client, world):
    client.force_login(world.teacher.user)
    assert client.get(TREE).status_code == 403


def test_counts_use_thousands_separators(client, world):
    world.school_b.teacher_count = 12345
    world.school_b.save()
    client.force_login(world.province_officer)
    assert "12,345" in client.get(TREE).text


@pytest.mark.parametrize("schools_per_county", [2, 6])
def test_tree_query_count_does_not_grow_with_schools(client, world, django_assert_num_queries,
                                                     schools_per_county):
    # given: counties under Fuzhou, each with schools
    for i in range(3):
        county = RegionFactory(code=f"35011{i}", parent=world.city_a, name=f"县{i}")
        for _ in range(schools_per_county):
            SchoolFactory(county=county, teacher_count=7)
    client.force_login(world.province_officer)
    client.get(TREE)  # the first request after login stamps the session (idle timeout)
    # session, user, grants, node, breadcrumbs, totals, children, per-child GROUP BY, role labels, the unread badge
    with django_assert_num_queries(9):
        response = client.get(TREE, {"node": "3501"})
    counts = {e.code: (e.school_count, e.teacher_count) for e in response.context["children"]}
    assert counts["350110"] == (schools_per_county, 7 * schools_per_county)


def test_a_principal_tree_is_their_school_with_a_link_to_its_teachers(client, world):
    client.force_login(world.principal)
    response = client.get(TREE)
    assert response.context["node"] == world.school_a
    assert response.context["teacher_total"] == 3
    assert f"?school={world.school_a.pk}" in response.text
    assert client.get(TREE, {"node": world.school_a2.code}).status_code == 404


def test_an_evaluator_of_two_counties_sees_both_as_roots_and_nothing_else(client, world):
    evaluator = UserFactory()
    RoleAssignment.objects.create(user=evaluator, role="evaluator", region=world.county_a)
    RoleAssignment.objects.create(user=evaluator, role="evaluator", school=world.school_b)
    client.force_login(evaluator)
    response = client.get(TREE)
    assert response.context["node"] is None
    assert [(e.name, e.teacher_count) for e in response.context["children"]] == [
        ("鼓楼区", 4), ("厦门市思明实验小学", 1)]
    assert client.get(TREE, {"node": "350203"}).status_code == 404
    assert client.get(TREE, {"node": world.school_b.code}).status_code == 200


def test_the_tree_speaks_english_when_asked(client, world):
    client.force_login(world.province_officer)
    response = client.get(TREE, HTTP_ACCEPT_LANGUAGE="en")
    assert "Active teachers" in response.text
    assert "Org tree" in response.text
