from django.utils import translation

from tisheng.api import NOT_FOUND


def test_the_openapi_document_loads_and_lists_every_path(client, world):
    client.force_login(world.county_officer)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "tisheng API"
    assert {
        "/api/v1/regions", "/api/v1/regions/{code}", "/api/v1/schools", "/api/v1/schools/{code}",
        "/api/v1/teachers", "/api/v1/teachers/{teacher_id}",
    } <= set(doc["paths"])
    teacher = doc["components"]["schemas"]["TeacherOut"]["properties"]
    assert "national_id_masked" in teacher
    assert not {"national_id", "id_encrypted", "id_hash"} & set(teacher)


def test_errors_are_in_chinese_by_default(client, world):
    client.force_login(world.outsider)
    response = client.get("/api/v1/regions/350102")
    assert response.json() == {"detail": "未找到。"}
    with translation.override("en"):
        assert str(NOT_FOUND) == "Not found."
