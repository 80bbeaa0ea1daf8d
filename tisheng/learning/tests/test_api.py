import pytest

from tisheng.learning.tests.factories import contract, course, enroll, institution


@pytest.fixture
def offer(world, program_2):
    org, _ = institution(world, "INST-A", "甲机构", "13600000001")
    contract(program_2, org, world.city_a)
    enroll(program_2, world.teacher, world.teacher_b, world.teachers_a[1])
    return {"c1": course(program_2, org, "C1", topics=(), micro_abilities=("A1",), hours="30"),
            "c2": course(program_2, org, "C2", topics=(), micro_abilities=("B2",))}


def test_the_api_lists_the_teachers_catalogue_with_filters(client, world, program_2, offer, password):
    client.login(username=world.teacher.user.phone, password=password)

    body = client.get("/api/v1/learning/catalogue", {"program": program_2.pk, "topic": "B2"}).json()

    assert [c["code"] for c in body["items"]] == ["C2"]


def test_a_teacher_outside_the_contracted_city_gets_an_empty_catalogue(client, world, program_2, offer, password):
    client.login(username=world.teacher_b.user.phone, password=password)

    body = client.get("/api/v1/learning/catalogue", {"program": program_2.pk}).json()

    assert body["items"] == []


def test_the_api_tells_a_teacher_how_far_their_selection_is(client, world, program_2, offer, password):
    from tisheng.learning import services

    services.selection_add(actor=world.teacher.user, teacher=world.teacher, program=program_2, course=offer["c1"])
    client.login(username=world.teacher.user.phone, password=password)

    body = client.get("/api/v1/learning/selection", {"program": program_2.pk}).json()

    assert body["complete"] is True
    assert body["selections"][0]["course_id"] == offer["c1"].pk


def test_the_outsider_county_sees_only_its_school_in_the_selection_status(client, world, program_2, offer, password):
    client.login(username=world.outsider.phone, password=password)

    body = client.get("/api/v1/learning/selection-status", {"program": program_2.pk}).json()

    assert [s["school_code"] for s in body] == [world.school_b.code]


def test_an_officer_gets_403_on_the_teachers_catalogue(client, world, program_2, offer, password):
    client.login(username=world.county_officer.phone, password=password)

    assert client.get("/api/v1/learning/catalogue", {"program": program_2.pk}).status_code == 403
