import pytest
from django.utils import translation

from tisheng.accounts.models import RoleAssignment
from tisheng.api import INVALID_PARAMETERS, NOT_AUTHENTICATED, NOT_FOUND, PERMISSION_DENIED
from tisheng.orgs.tests.factories import RegionFactory, SchoolFactory
from tisheng.people.tests.factories import UserFactory

URL = "/api/v1/regions"


def detail_is(response, message) -> bool:
    with translation.override("zh-hans"):
        return response.json()["detail"] == str(message)


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["items"]]


def test_county_officer_lists_only_their_county(client, world):
    client.force_login(world.county_officer)
    response = client.get(URL)
    assert response.status_code == 200
    assert codes(response) == ["350102"]
    assert response.json()["count"] == 1


def test_province_officer_filters_regions_by_level_and_parent(client, world):
    client.force_login(world.province_officer)
    assert codes(client.get(URL, {"level": "county"})) == ["350102", "350203"]
    assert codes(client.get(URL, {"parent": "3502"})) == ["350203"]
    city = client.get(URL, {"level": "city"}).json()["items"][0]
    assert city == {"code": "3501", "name": "福州市", "level": "city", "parent": "35", "path": "35/3501"}


def test_outsider_never_sees_county_a_in_the_region_list(client, world):
    client.force_login(world.outsider)
    assert codes(client.get(URL)) == ["350203"]
    assert codes(client.get(URL, {"parent": "3501"})) == []


def test_outsider_gets_404_for_county_a_and_its_city(client, world):
    client.force_login(world.outsider)
    for code in ("350102", "3501", "35"):
        response = client.get(f"{URL}/{code}")
        assert response.status_code == 404
        assert detail_is(response, NOT_FOUND)


def test_a_region_outside_scope_answers_like_one_that_does_not_exist(client, world):
    client.force_login(world.outsider)
    outside, missing = client.get(f"{URL}/350102"), client.get(f"{URL}/359999")
    assert (outside.status_code, outside.json()) == (missing.status_code, missing.json())


def test_region_detail_lists_children_with_school_and_teacher_totals(client, world):
    client.force_login(world.province_officer)
    response = client.get(f"{URL}/3501")
    assert response.status_code == 200
    assert response.json()["children"] == [
        {"kind": "county", "code": "350102", "name": "鼓楼区", "school_count": 2, "teacher_count": 4},
    ]


def test_county_detail_lists_its_schools(client, world):
    client.force_login(world.county_officer)
    children = client.get(f"{URL}/350102").json()["children"]
    assert [(c["kind"], c["code"], c["teacher_count"]) for c in children] == [
        ("school", "3501020001", 3), ("school", "3501020002", 1),
    ]


def test_anonymous_gets_401_for_regions(client, world):
    for url in (URL, f"{URL}/350102"):
        response = client.get(url)
        assert response.status_code == 401
        assert detail_is(response, NOT_AUTHENTICATED)


def test_a_role_without_orgs_view_gets_403(client, world):
    auditor = UserFactory()
    RoleAssignment.objects.create(user=auditor, role="audit_admin", region=world.province)
    client.force_login(auditor)
    for url in (URL, f"{URL}/35"):
        response = client.get(url)
        assert response.status_code == 403
        assert detail_is(response, PERMISSION_DENIED)


@pytest.mark.parametrize("params", [{"level": "galaxy"}, {"page": "0"}, {"page_size": "201"}, {"page": "x"}])
def test_a_malformed_parameter_gives_422_with_a_message(client, world, params):
    client.force_login(world.province_officer)
    response = client.get(URL, params)
    assert response.status_code == 422
    with translation.override("zh-hans"):
        assert response.json()["detail"].startswith(str(INVALID_PARAMETERS))
    assert response.json()["errors"]


def test_errors_come_in_english_when_the_browser_asks_for_it(client, world):
    client.force_login(world.outsider)
    response = client.get(f"{URL}/350102", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"detail": "Not found."}


def test_region_list_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    client.force_login(world.province_officer)
    client.get(URL)  # the first request stamps the session's idle timer

    def add_counties(n: int, start: int) -> None:
        for i in range(start, start + n):
            RegionFactory(code=f"3501{i:02d}", parent=world.city_a)

    add_counties(3, 50)
    with django_assert_num_queries(5):
        assert client.get(URL).json()["count"] == 8
    add_counties(6, 60)
    with django_assert_num_queries(5):
        assert client.get(URL).json()["count"] == 14


def test_region_detail_query_count_does_not_grow_with_children(client, world, django_assert_num_queries):
    client.force_login(world.province_officer)
    client.get(f"{URL}/3501")
    for i in range(3):
        SchoolFactory(county=RegionFactory(code=f"35017{i}", parent=world.city_a), code=f"S35017{i}")
    with django_assert_num_queries(6):
        assert len(client.get(f"{URL}/3501").json()["children"]) == 4
    for i in range(3, 9):
        SchoolFactory(county=RegionFactory(code=f"35017{i}", parent=world.city_a), code=f"S35017{i}")
    with django_assert_num_queries(6):
        assert len(client.get(f"{URL}/3501").json()["children"]) == 10
