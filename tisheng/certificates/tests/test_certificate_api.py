import pytest

from tisheng.certificates.services import certificate_issue, certificate_revoke


@pytest.fixture
def issued(world, approved_2):
    return [certificate_issue(actor=world.province_officer, enrollment=e, code="completion") for e in approved_2]


def test_a_county_office_lists_its_certificates_with_their_verification_strings(client, world, issued, password):
    client.login(username=world.county_officer.phone, password=password)

    body = client.get("/api/v1/certificates").json()

    assert body["count"] == 4
    first = body["items"][0]
    assert first["number"].startswith("FJ2024-350102-")
    assert first["verification_string"].startswith("http://127.0.0.1:8000/verify/")
    assert "*" in first["id_masked"]


def test_the_list_filters_revoked_certificates(client, world, issued, password):
    certificate_revoke(actor=world.province_officer, certificate=issued[1], reason="重复")
    client.login(username=world.province_officer.phone, password=password)

    body = client.get("/api/v1/certificates?revoked=true").json()

    assert [c["number"] for c in body["items"]] == [issued[1].number]
    assert body["items"][0]["revoked_reason"] == "重复"


def test_a_teacher_gets_only_their_own(client, world, issued, password):
    client.login(username=world.teacher.user.phone, password=password)

    body = client.get("/api/v1/certificates").json()

    assert [c["number"] for c in body["items"]] == [issued[0].number]
    assert client.get(f"/api/v1/certificates/{issued[2].number}").status_code == 404


def test_the_outsider_gets_nothing_and_404(client, world, issued, password):
    client.login(username=world.outsider.phone, password=password)

    assert client.get("/api/v1/certificates").json()["count"] == 0
    assert client.get(f"/api/v1/certificates/{issued[0].number}").status_code == 404


def test_the_list_query_count_does_not_grow_with_rows(client, world, issued, password, django_assert_max_num_queries):
    client.login(username=world.county_officer.phone, password=password)
    client.get("/api/v1/certificates")

    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/certificates").json()
    assert body["count"] == 4
