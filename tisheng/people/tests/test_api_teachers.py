import pytest
from django.utils import translation

from tisheng.accounts.models import RoleAssignment
from tisheng.api import NOT_AUTHENTICATED, NOT_FOUND, PERMISSION_DENIED
from tisheng.people.tests.factories import TeacherFactory, UserFactory

URL = "/api/v1/teachers"


def names(response) -> set[str]:
    return {item["name"] for item in response.json()["items"]}


def test_county_officer_lists_the_teachers_of_their_county(client, world):
    client.force_login(world.county_officer)
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == {"林晓燕", "陈志强", "黄丽华", "张美玲"}
    assert response.json()["count"] == 4


def test_a_teacher_carries_the_masked_national_id_and_never_the_full_one(client, world):
    client.force_login(world.province_officer)
    response = client.get(URL, {"q": "王建国"})
    (item,) = response.json()["items"]
    assert item["national_id_masked"] == "350203********1235"
    assert "350203198001011235" not in response.content.decode()
    detail = client.get(f"{URL}/{world.teacher_b.pk}")
    assert "350203198001011235" not in detail.content.decode()
    assert detail.json()["national_id_masked"] == "350203********1235"


def test_teacher_detail_shows_school_county_and_profile(client, world):
    client.force_login(world.county_officer)
    data = client.get(f"{URL}/{world.teacher.pk}").json()
    assert data["name"] == "林晓燕"
    assert data["school"] == {"code": "3501020001", "name": "福州市鼓楼第一中心小学"}
    assert data["county"] == {"code": "350102", "name": "鼓楼区"}
    assert data["birth_year"] == world.teacher.birth_date.year
    assert data["sex"] in ("M", "F")
    assert (data["stage"], data["subject"], data["status"], data["title"]) == ("primary", "语文", "active", "未定级")
    assert data["started_work"] == "2008-09-01"


def test_outsider_never_sees_county_a_teachers_in_the_list(client, world):
    client.force_login(world.outsider)
    assert names(client.get(URL)) == {"王建国"}
    assert names(client.get(URL, {"region": "350102"})) == set()
    assert names(client.get(URL, {"school": "3501020001"})) == set()
    assert names(client.get(URL, {"q": "林晓燕"})) == set()


def test_outsider_gets_404_for_a_county_a_teacher(client, world):
    client.force_login(world.outsider)
    response = client.get(f"{URL}/{world.teacher.pk}")
    assert response.status_code == 404
    with translation.override("zh-hans"):
        assert response.json() == {"detail": str(NOT_FOUND)}


def test_a_teacher_sees_only_their_own_record(client, world):
    client.force_login(world.teacher.user)
    assert names(client.get(URL)) == {"林晓燕"}
    assert client.get(f"{URL}/{world.teacher.pk}").status_code == 200
    assert client.get(f"{URL}/{world.teachers_a[2].pk}").status_code == 404


def test_teacher_list_filters_by_school_stage_subject_and_status(client, world):
    client.force_login(world.province_officer)
    assert names(client.get(URL, {"school": "3501020002"})) == {"张美玲"}
    assert names(client.get(URL, {"stage": "kindergarten"})) == {"张美玲"}
    assert names(client.get(URL, {"subject": "学前教育"})) == {"张美玲"}
    assert names(client.get(URL, {"region": "3502"})) == {"王建国"}
    assert client.get(URL, {"status": "retired"}).json()["count"] == 0
    assert client.get(URL, {"status": "active"}).json()["count"] == 5


def test_teacher_list_finds_a_teacher_by_the_last_four_of_the_id(client, world):
    client.force_login(world.province_officer)
    assert names(client.get(URL, {"q": "1235"})) == {"王建国"}


def test_teacher_list_pages_with_an_exact_count(client, world):
    client.force_login(world.county_officer)
    pages = [client.get(URL, {"page": p, "page_size": 3}).json() for p in (1, 2)]
    assert [p["count"] for p in pages] == [4, 4]
    assert [len(p["items"]) for p in pages] == [3, 1]
    assert {i["name"] for p in pages for i in p["items"]} == {"林晓燕", "陈志强", "黄丽华", "张美玲"}


@pytest.mark.parametrize("params", [{"status": "fired"}, {"page_size": "500"}, {"stage": "college"}])
def test_a_malformed_teacher_filter_gives_422(client, world, params):
    client.force_login(world.county_officer)
    response = client.get(URL, params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_a_role_without_teachers_view_gets_403(client, world):
    institution_user = UserFactory()
    RoleAssignment.objects.create(user=institution_user, role="security_admin", region=world.province)
    client.force_login(institution_user)
    for url in (URL, f"{URL}/{world.teacher.pk}"):
        response = client.get(url)
        assert response.status_code == 403
        with translation.override("zh-hans"):
            assert response.json() == {"detail": str(PERMISSION_DENIED)}


@pytest.mark.parametrize("path", ["", "/1"])
def test_anonymous_gets_401_for_teachers(client, world, path):
    response = client.get(URL + path)
    assert response.status_code == 401
    with translation.override("zh-hans"):
        assert response.json() == {"detail": str(NOT_AUTHENTICATED)}


def test_teacher_list_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    client.force_login(world.county_officer)
    client.get(URL)  # the first request stamps the session's idle timer
    TeacherFactory.create_batch(4, school=world.school_a2)
    with django_assert_num_queries(5):
        assert len(client.get(URL).json()["items"]) == 8
    TeacherFactory.create_batch(12, school=world.school_a2)
    with django_assert_num_queries(5):
        assert len(client.get(URL).json()["items"]) == 20


def test_a_teacher_id_that_is_not_a_number_gives_422_in_json(client, world):
    client.force_login(world.county_officer)
    response = client.get(f"{URL}/abc")
    assert response.status_code == 422
    assert "teacher_id" in response.json()["detail"]


def test_a_teacher_id_that_does_not_exist_gives_the_same_404_as_one_outside_scope(client, world):
    client.force_login(world.outsider)
    missing, outside = client.get(f"{URL}/999999"), client.get(f"{URL}/{world.teacher.pk}")
    assert missing.status_code == outside.status_code == 404
    assert missing.json() == outside.json()


def test_a_full_national_id_is_refused_in_the_url_and_found_through_the_search_body(client, world):
    client.force_login(world.province_officer)
    refused = client.get(URL, {"q": "350203198001011235"})
    assert refused.status_code == 400
    assert "POST" in refused.json()["detail"]
    found = client.post(f"{URL}/search", {"q": "350203198001011235"}, content_type="application/json")
    assert found.status_code == 200
    assert names(found) == {"王建国"}


def test_the_search_body_is_scoped_like_the_list(client, world):
    client.force_login(world.outsider)
    found = client.post(f"{URL}/search", {"q": world.teacher.name}, content_type="application/json")
    assert names(found) == set()
