import pytest

from tisheng.programs.services.enrollment import batch_create, batch_enroll


@pytest.fixture
def enrolled(world, program_2):
    batch_enroll(actor=world.province_officer, batch=batch_create(
        actor=world.province_officer, program=program_2, year=2024, name="全员",
        counties=[world.county_a, world.county_b]))
    return program_2


def test_an_office_reads_programs_with_their_rule_set(client, world, program_1, password):
    client.login(username=world.county_officer.phone, password=password)

    programs = client.get("/api/v1/programs").json()
    detail = client.get(f"/api/v1/programs/{program_1.pk}").json()

    assert [p["code"] for p in programs] == ["fujian-2015"]
    assert detail["rules"]["min_hours"] == {"online": "50", "practice": "30"}
    assert detail["rules"]["exempt_years_before_retirement"] == 5


def test_the_enrollment_list_is_scoped_and_the_outsider_sees_only_their_county(client, world, enrolled, password):
    client.login(username=world.outsider.phone, password=password)

    body = client.get(f"/api/v1/programs/{enrolled.pk}/enrollments").json()

    assert [e["teacher_name"] for e in body["items"]] == ["王建国"]
    assert body["items"][0]["school_code"] == "3502030001"


def test_a_teacher_gets_403_on_the_programs_api(client, world, program_2, password):
    client.login(username=world.teacher.user.phone, password=password)

    assert client.get("/api/v1/programs").status_code == 403
    assert client.get("/api/v1/programs/999999").status_code == 403


def test_an_unknown_program_is_404(client, world, password):
    client.login(username=world.province_officer.phone, password=password)

    assert client.get("/api/v1/programs/999999").status_code == 404
