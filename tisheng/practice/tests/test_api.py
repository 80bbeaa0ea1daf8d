import pytest

from tisheng.practice.tests.conftest import submit_point

pytestmark = pytest.mark.django_db


def test_the_api_lists_the_catalogue_at_its_current_versions(client, world, catalogue):
    client.force_login(world.county_officer)
    points = client.get("/api/v1/practice/points").json()
    assert len(points) == 30
    a5 = next(p for p in points if p["code"] == "A5")
    assert [t["title"] for t in a5["tasks"]] == ["教学设计", "课堂实录片段", "教学反思"]


def test_a_teacher_reads_their_points_and_evidence(client, world, program_2, chosen):
    submit_point(world, program_2, "A1")
    client.force_login(world.teacher.user)
    mine = client.get(f"/api/v1/practice/my?program={program_2.code}").json()
    a1 = next(p for p in mine if p["code"] == "A1")
    assert all(e["submission_id"] for e in a1["evidence"])
    assert a1["result"] is None


def test_the_queue_and_plan_answer_404_outside_the_county(client, world, program_2, chosen):
    submit_point(world, program_2, "A1")
    school = world.school_a.pk
    client.force_login(world.county_officer)
    rows = client.get(f"/api/v1/practice/schools/{school}/queue?program={program_2.code}").json()
    assert {r["point"] for r in rows} == {"A1", "A5", "A10"}
    assert client.get(f"/api/v1/practice/schools/{school}/plan?program={program_2.code}").json()["status"] == "approved"
    client.force_login(world.outsider)
    assert client.get(f"/api/v1/practice/schools/{school}/queue?program={program_2.code}").status_code == 404
    assert client.get(f"/api/v1/practice/schools/{school}/plan?program={program_2.code}").status_code == 404
