import pytest
from django.utils import translation

from tisheng.api import NOT_AUTHENTICATED, NOT_FOUND
from tisheng.orgs.tests.factories import SchoolFactory

URL = "/api/v1/schools"


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["items"]]


def test_county_officer_lists_the_schools_of_their_county(client, world):
    client.force_login(world.county_officer)
    response = client.get(URL)
    assert response.status_code == 200
    assert codes(response) == ["3501020001", "3501020002"]
    first = response.json()["items"][0]
    assert first["county"] == {"code": "350102", "name": "鼓楼区"}
    assert first["name"] == "福州市鼓楼第一中心小学"
    assert first["teacher_count"] == 3


def test_outsider_never_sees_county_a_schools_even_when_filtering_for_them(client, world):
    client.force_login(world.outsider)
    assert codes(client.get(URL)) == ["3502030001"]
    assert codes(client.get(URL, {"region": "350102"})) == []
    assert codes(client.get(URL, {"q": "3501020001"})) == []
    assert codes(client.get(URL, {"q": "鼓楼"})) == []


def test_outsider_gets_404_for_a_county_a_school(client, world):
    client.force_login(world.outsider)
    response = client.get(f"{URL}/3501020001")
    assert response.status_code == 404
    with translation.override("zh-hans"):
        assert response.json() == {"detail": str(NOT_FOUND)}


def test_principal_sees_their_own_school(client, world):
    client.force_login(world.principal)
    assert codes(client.get(URL)) == ["3501020001"]
    assert client.get(f"{URL}/3501020001").json()["code"] == "3501020001"
    assert client.get(f"{URL}/3501020002").status_code == 404


def test_province_officer_filters_schools_by_region_stage_and_name(client, world):
    client.force_login(world.province_officer)
    assert codes(client.get(URL, {"region": "3502"})) == ["3502030001"]
    assert codes(client.get(URL, {"stage": "kindergarten"})) == ["3501020002"]
    assert codes(client.get(URL, {"q": "思明"})) == ["3502030001"]
    assert client.get(URL, {"stage": "university"}).status_code == 422


def test_school_list_pages_with_an_exact_count(client, world):
    client.force_login(world.province_officer)
    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(URL, {"page_size": 2, "page": 2}).json()
    assert (first["count"], second["count"]) == (3, 3)
    assert [s["code"] for s in first["items"] + second["items"]] == ["3501020001", "3501020002", "3502030001"]
    assert client.get(URL, {"page_size": 2, "page": 3}).json()["items"] == []


def test_teacher_without_orgs_view_gets_403_for_schools(client, world):
    client.force_login(world.teacher.user)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}/3501020001").status_code == 403


@pytest.mark.parametrize("url", [URL, f"{URL}/3501020001"])
def test_anonymous_gets_401_for_schools(client, world, url):
    response = client.get(url)
    assert response.status_code == 401
    with translation.override("zh-hans"):
        assert response.json() == {"detail": str(NOT_AUTHENTICATED)}


def test_school_list_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    client.force_login(world.county_officer)
    client.get(URL)  # the first request stamps the session's idle timer
    SchoolFactory.create_batch(4, county=world.county_a)
    with django_assert_num_queries(5):
        assert len(client.get(URL).json()["items"]) == 6
    SchoolFactory.create_batch(12, county=world.county_a)
    with django_assert_num_queries(5):
        assert len(client.get(URL).json()["items"]) == 18
