"""About, activities and agents, and the alternate request syntax (Communication 1.3, 2.5–2.8)."""

import json
from urllib.parse import urlencode

from tisheng.integration.models import ApiCredential
from tisheng.xapi import http
from tisheng.xapi.models import Statement
from tisheng.xapi.tests.conftest import message, statement

ACTIVITY = "http://example.com/activities/course-1"


def test_about_lists_the_versions_without_credentials_or_version_header(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert "1.0.3" in response.json()["version"]
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_activities_returns_the_definition_merged_from_statements(lrs):
    lrs.post("statements", statement())
    lrs.post("statements", statement(object={"id": ACTIVITY, "definition": {
        "description": {"en-US": "An online course"}, "type": "http://adlnet.gov/expapi/activities/course"}}))
    got = lrs.get("activities", {"activityId": ACTIVITY}).json()
    assert got["id"] == ACTIVITY
    assert got["objectType"] == "Activity"
    assert got["definition"]["name"] == {"en-US": "Course 1", "zh-CN": "课程一"}
    assert got["definition"]["description"] == {"en-US": "An online course"}
    assert got["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"


def test_activities_without_an_activity_id_is_refused_with_400(lrs):
    assert lrs.get("activities").status_code == 400


def test_agents_returns_a_person_object(lrs):
    agent = {"objectType": "Agent", "name": "林晓燕", "mbox": "mailto:lin@example.com"}
    got = lrs.get("agents", {"agent": json.dumps(agent)}).json()
    assert got == {"objectType": "Person", "name": ["林晓燕"], "mbox": ["mailto:lin@example.com"]}


def test_agents_without_an_agent_is_refused_with_400(lrs):
    assert lrs.get("agents").status_code == 400


def test_the_alternate_syntax_posts_a_statement_through_a_form(lrs):
    s = statement()
    form = {"Authorization": lrs.auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json",
            "content": json.dumps(s)}
    response = lrs.client.post("/xapi/statements?method=PUT&statementId=" + s["id"], urlencode(form),
                               content_type="application/x-www-form-urlencoded")
    # statementId travels in the form, not the query string: the query string may only carry method.
    assert response.status_code == 400
    assert response.json()["error"] == message(http.ALTERNATE_EXTRA_PARAMS)
    form["statementId"] = s["id"]
    response = lrs.client.post("/xapi/statements?method=PUT", urlencode(form),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204
    assert Statement.objects.filter(statement_id=s["id"]).exists()


def test_the_alternate_syntax_gets_statements_with_form_parameters(lrs):
    s = statement()
    lrs.post("statements", s)
    form = {"Authorization": lrs.auth, "X-Experience-API-Version": "1.0.3", "statementId": s["id"]}
    response = lrs.client.post("/xapi/statements?method=GET", urlencode(form),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.json()["id"] == s["id"]


def test_the_alternate_syntax_needs_the_version_in_the_form(lrs):
    form = {"Authorization": lrs.auth}
    response = lrs.client.post("/xapi/statements?method=GET", urlencode(form),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_the_alternate_syntax_refuses_a_body_that_is_not_a_form(lrs):
    response = lrs.client.post("/xapi/statements?method=GET", "{}", content_type="application/json",
                               **lrs.headers())
    assert response.status_code == 400


def test_a_credential_over_its_rate_limit_gets_429_with_retry_after(lrs):
    ApiCredential.objects.filter(institution=lrs.institution).update(rate_limit=2)
    assert lrs.get("statements").status_code == 200
    assert lrs.get("statements").status_code == 200
    response = lrs.get("statements")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_a_method_the_resource_does_not_have_is_405(lrs):
    assert lrs.delete("statements").status_code == 405


def test_a_body_above_the_lrs_limit_is_refused_with_413(lrs, settings):
    settings.XAPI_MAX_BODY_BYTES = 1000
    response = lrs.post("statements", [statement() for _ in range(10)])
    assert response.status_code == 413
    assert response.json()["error"] == message(http.TOO_LARGE, limit=1000)


def test_a_body_above_djangos_form_limit_is_accepted(lrs, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert lrs.post("statements", [statement() for _ in range(10)]).status_code == 200


def test_head_answers_like_get_without_a_body(lrs):
    lrs.post("statements", statement())
    response = lrs.client.head("/xapi/statements", **lrs.headers())
    assert response.status_code == 200
    assert response.content == b""
    assert "X-Experience-API-Consistent-Through" in response


def test_the_alternate_syntax_get_with_the_headers_sent_as_headers(lrs):
    lrs.post("statements", statement())
    response = lrs.client.post("/xapi/statements?method=GET", "limit=1",
                               content_type="application/x-www-form-urlencoded", **lrs.headers())
    assert response.status_code == 200
    assert len(response.json()["statements"]) == 1
    assert "more" in response.json()


def test_an_error_of_the_statements_resource_carries_consistent_through(lrs):
    response = lrs.client.get("/xapi/statements")
    assert response.status_code == 400
    assert "X-Experience-API-Consistent-Through" in response
