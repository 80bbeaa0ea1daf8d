import base64
import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tisheng.integration import auth, services
from tisheng.integration.hooks import statements_stored
from tisheng.integration.models import ApiCredential, Reason
from tisheng.integration.selectors import platform_id
from tisheng.integration.tests.conftest import statement
from tisheng.people.models import Teacher
from tisheng.programs.models import Enrollment


@pytest.fixture
def creds(world, lrs):
    a, secret_a = services.credential_issue(actor=world.province_officer, institution=lrs.inst_a, name="A")
    b, secret_b = services.credential_issue(actor=world.province_officer, institution=lrs.inst_b, name="B")
    return {"a": (a.key, secret_a), "b": (b.key, secret_b)}


def _h(pair) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode()}


def test_the_roster_lists_the_teachers_enrolled_in_the_contracted_regions(world, lrs, creds, client):
    response = client.get("/api/v1/integration/roster", **_h(creds["a"]))
    assert response.status_code == 200
    items = response.json()["items"]
    assert {i["platform_id"] for i in items} == {platform_id(t) for t in world.teachers_a}
    row = next(i for i in items if i["platform_id"] == platform_id(world.teacher))
    assert row["name"] == world.teacher.name
    assert row["school_code"] == world.school_a.code
    assert row["national_id_masked"] == world.teacher.national_id_masked
    assert "*" in row["national_id_masked"]
    assert row["program"] == lrs.program.code


def test_institution_b_sees_nothing_of_county_a_in_its_roster(world, lrs, creds, client):
    items = client.get("/api/v1/integration/roster", **_h(creds["b"])).json()["items"]
    assert [i["platform_id"] for i in items] == [platform_id(world.teacher_b)]


def test_the_roster_without_credentials_is_401(world, lrs, client):
    assert client.get("/api/v1/integration/roster").status_code == 401


def test_a_signed_in_user_session_is_no_credential_for_the_roster(world, lrs, client):
    client.force_login(world.province_officer)
    assert client.get("/api/v1/integration/roster").status_code == 401


def test_the_roster_pages_by_keyset(world, lrs, creds, client):
    first = client.get("/api/v1/integration/roster?limit=2", **_h(creds["a"])).json()
    assert len(first["items"]) == 2
    second = client.get(f"/api/v1/integration/roster?limit=2&after={first['next_after']}", **_h(creds["a"])).json()
    assert len(second["items"]) == 1
    assert second["next_after"] is None


def test_the_roster_since_lists_only_changed_teachers(world, lrs, creds, client):
    past = timezone.now() - dt.timedelta(days=2)
    Teacher.objects.update(updated_at=past)
    Enrollment.objects.update(updated_at=past)
    Teacher.objects.filter(pk=world.teacher.pk).update(updated_at=timezone.now())
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = client.get("/api/v1/integration/roster", {"since": since}, **_h(creds["a"]))
    assert [i["platform_id"] for i in response.json()["items"]] == [platform_id(world.teacher)]


def test_the_roster_costs_the_same_queries_for_more_teachers(world, lrs, creds, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/api/v1/integration/roster", **_h(creds["a"]))


def test_outcomes_list_the_completions_that_credited_nothing_and_why(world, lrs, creds, client):
    client_a = lrs.client_a
    good = statement(world.teacher, lrs.course.activity_id)
    bad = statement(world.teacher_b, lrs.course.activity_id)
    statements_stored(client_a, [good, bad])
    items = client.get("/api/v1/integration/outcomes", **_h(creds["a"])).json()["items"]
    assert [(i["statement_id"], i["reason"]) for i in items] == [(bad["id"], Reason.NOT_ENROLLED)]
    assert items[0]["message"]
    everything = client.get("/api/v1/integration/outcomes?include_credited=true", **_h(creds["a"])).json()["items"]
    assert {i["statement_id"] for i in everything} == {good["id"], bad["id"]}


def test_institution_b_sees_none_of_institution_as_outcomes(world, lrs, creds, client):
    statements_stored(lrs.client_a, [statement(world.teacher_b, lrs.course.activity_id)])
    assert client.get("/api/v1/integration/outcomes", **_h(creds["b"])).json()["items"] == []


def test_over_the_rate_limit_the_api_answers_429_with_retry_after(world, lrs, creds, client, monkeypatch):
    # The windows are whole minutes: the requests are made 30 s into one, so a slow machine's
    # requests cannot straddle two windows (they did once: [200, 200, 200]).
    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: 29_000_000 * 60 + 30.0))
    ApiCredential.objects.filter(key=creds["a"][0]).update(rate_limit=2)
    codes = [client.get("/api/v1/integration/roster", **_h(creds["a"])).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.get("/api/v1/integration/roster", **_h(creds["a"]))
    assert int(response["Retry-After"]) == 30


def test_a_bearer_token_reads_the_roster(world, lrs, client):
    link, secret = services.application_create(actor=world.province_officer, institution=lrs.inst_a, name="LMS")
    basic = base64.b64encode(f"{link.application.client_id}:{secret}".encode()).decode()
    token = client.post("/o/token/", {"grant_type": "client_credentials"},
                        HTTP_AUTHORIZATION=f"Basic {basic}").json()["access_token"]
    response = client.get("/api/v1/integration/roster", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 3


def test_the_openapi_document_describes_the_integration_api(world, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/integration/roster" in paths
    assert "/api/v1/integration/outcomes" in paths


def test_the_roster_follows_the_deepest_contract_rule(world, lrs, client):
    from tisheng.learning.models import Contract
    from tisheng.learning.tests.factories import contract, institution

    inst_c, _user = institution(world, "INST-C", "省级遴选机构", "13800000103")
    contract(lrs.program, inst_c, world.province)
    c, secret = services.credential_issue(actor=world.province_officer, institution=inst_c, name="C")
    assert client.get("/api/v1/integration/roster", **_h((c.key, secret))).json()["items"] == []
    Contract.objects.filter(institution=lrs.inst_b).delete()
    items = client.get("/api/v1/integration/roster", **_h((c.key, secret))).json()["items"]
    assert [i["platform_id"] for i in items] == [platform_id(world.teacher_b)]
