"""The statements resource: PUT, POST, GET and its filters, voiding, StatementRef, paging,
headers (xAPI 1.0.3 Communication 2.1)."""

import datetime as dt
import json
import time
import uuid

import pytest

from tisheng.xapi import http, services, views
from tisheng.xapi.models import Statement
from tisheng.xapi.tests.conftest import message, statement
from tisheng.xapi.validation import VOIDED

AGENT = {"mbox": "mailto:lin@example.com"}
OTHER = {"mbox": "mailto:chen@example.com"}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
COURSE = "http://example.com/activities/course-1"


def voiding(target_id: str, **overrides) -> dict:
    return statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target_id}, **overrides)


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()["statements"]]


# PUT and POST ---------------------------------------------------------------------------------

def test_put_stores_a_statement_under_the_statement_id_parameter_and_answers_204(lrs):
    s = statement()
    del s["id"]
    sid = str(uuid.uuid4())
    response = lrs.put("statements", s, f"?statementId={sid}")
    assert response.status_code == 204
    assert lrs.get("statements", {"statementId": sid}).json()["id"] == sid


def test_put_without_a_statement_id_parameter_is_refused_with_400(lrs):
    assert lrs.put("statements", statement()).status_code == 400


def test_put_whose_statement_id_differs_from_the_parameter_is_refused_with_400(lrs):
    response = lrs.put("statements", statement(), f"?statementId={uuid.uuid4()}")
    assert response.status_code == 400
    assert response.json()["error"] == message(services.ID_MISMATCH)


def test_post_of_an_array_returns_the_ids_in_order_and_assigns_missing_ones(lrs):
    first, second = statement(), statement()
    del second["id"]
    ids = lrs.post("statements", [first, second]).json()
    assert ids[0] == first["id"]
    assert uuid.UUID(ids[1])
    assert Statement.objects.filter(institution=lrs.institution).count() == 2


def test_a_batch_with_two_statements_of_the_same_id_is_refused_with_400(lrs):
    s = statement()
    response = lrs.post("statements", [s, dict(s)])
    assert response.status_code == 400
    assert response.json()["error"] == message(services.DUPLICATE_ID_IN_BATCH, id=s["id"])
    assert not Statement.objects.exists()


def test_an_existing_id_with_different_content_is_refused_with_409(lrs):
    s = statement()
    lrs.post("statements", s)
    changed = {**s, "verb": {"id": COMPLETED}}
    response = lrs.post("statements", changed)
    assert response.status_code == 409
    assert response.json()["error"] == message(services.CONFLICTING_STATEMENT, id=s["id"])
    assert lrs.put("statements", changed, f"?statementId={s['id']}").status_code == 409


def test_an_existing_id_with_the_same_content_is_accepted_and_changes_nothing(lrs):
    s = statement(timestamp="2026-11-25T08:00:00+08:00")
    lrs.post("statements", s)
    before = Statement.objects.get().payload
    # Same statement, another serialization: key order, timestamp zone, UUID case, objectType.
    again = {"object": {"id": COURSE, "definition": s["object"]["definition"]}, "verb": s["verb"],
             "actor": {"name": "林晓燕", "mbox": "mailto:lin@example.com"}, "id": s["id"].upper(),
             "timestamp": "2026-11-25T00:00:00Z"}
    assert lrs.put("statements", again, f"?statementId={s['id']}").status_code == 204
    assert lrs.post("statements", [again]).json() == [again["id"]]
    assert Statement.objects.get().payload == before


def test_stored_and_authority_are_set_by_the_lrs(lrs):
    s = statement(stored="2001-01-01T00:00:00Z", authority={"mbox": "mailto:fake@example.com"})
    lrs.post("statements", s)
    stored = lrs.get("statements", {"statementId": s["id"]}).json()
    assert stored["stored"] != "2001-01-01T00:00:00Z"
    assert stored["authority"]["account"]["homePage"].endswith("/clients")
    assert stored["authority"]["name"] == lrs.institution.name


def test_version_defaults_to_1_0_0_and_timestamp_to_stored(lrs):
    s = statement()
    lrs.post("statements", s)
    stored = lrs.get("statements", {"statementId": s["id"]}).json()
    assert stored["version"] == "1.0.0"
    assert stored["timestamp"] == stored["stored"]


def test_post_with_an_unsupported_content_type_is_refused_with_400(lrs):
    assert lrs.post("statements", json.dumps(statement()), content_type="text/plain").status_code == 400


def test_post_with_query_parameters_is_refused_with_400(lrs):
    assert lrs.post("statements", statement(), "?colour=red").status_code == 400


# GET ------------------------------------------------------------------------------------------

def test_get_of_an_unknown_statement_id_is_404(lrs):
    assert lrs.get("statements", {"statementId": str(uuid.uuid4())}).status_code == 404


def test_get_with_statement_id_and_voided_statement_id_is_refused_with_400(lrs):
    response = lrs.get("statements", {"statementId": str(uuid.uuid4()), "voidedStatementId": str(uuid.uuid4())})
    assert response.status_code == 400
    assert response.json()["error"] == message(views.BOTH_IDS)


def test_get_with_statement_id_and_a_filter_is_refused_with_400(lrs):
    response = lrs.get("statements", {"statementId": str(uuid.uuid4()), "verb": COMPLETED})
    assert response.status_code == 400


def test_get_with_statement_id_allows_format_and_attachments(lrs):
    s = statement()
    lrs.post("statements", s)
    response = lrs.get("statements", {"statementId": s["id"], "format": "ids", "attachments": "false"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_get_with_an_unknown_parameter_is_refused_with_400(lrs):
    assert lrs.get("statements", {"colour": "red"}).status_code == 400


def test_a_query_matching_nothing_returns_200_and_an_empty_result(lrs):
    response = lrs.get("statements", {"verb": COMPLETED})
    assert response.status_code == 200
    assert response.json() == {"statements": [], "more": ""}


def test_statements_come_newest_stored_first_or_ascending_on_request(lrs):
    a, b = statement(), statement()
    lrs.post("statements", a)
    lrs.post("statements", b)
    assert ids_of(lrs.get("statements")) == [b["id"], a["id"]]
    assert ids_of(lrs.get("statements", {"ascending": "true"})) == [a["id"], b["id"]]


def test_the_agent_filter_matches_actor_object_and_group_members(lrs):
    as_actor = statement(actor=AGENT)
    as_object = statement(actor=OTHER, object={"objectType": "Agent", **AGENT})
    as_member = statement(actor={"objectType": "Group", "member": [{"objectType": "Agent", **AGENT}]})
    other = statement(actor=OTHER)
    lrs.post("statements", [as_actor, as_object, as_member, other])
    found = ids_of(lrs.get("statements", {"agent": json.dumps(AGENT)}))
    assert sorted(found) == sorted([as_actor["id"], as_object["id"], as_member["id"]])


def test_the_agent_filter_ignores_instructors_unless_related_agents_is_true(lrs):
    taught = statement(actor=OTHER, context={"instructor": AGENT})
    lrs.post("statements", taught)
    assert ids_of(lrs.get("statements", {"agent": json.dumps(AGENT)})) == []
    assert ids_of(lrs.get("statements", {"agent": json.dumps(AGENT), "related_agents": "true"})) == [taught["id"]]


def test_related_agents_includes_the_authority(lrs):
    s = statement()
    lrs.post("statements", s)
    authority = lrs.get("statements", {"statementId": s["id"]}).json()["authority"]
    assert ids_of(lrs.get("statements", {"agent": json.dumps(authority), "related_agents": "true"})) == [s["id"]]


def test_the_verb_filter_returns_only_that_verb(lrs):
    done, seen = statement(verb={"id": COMPLETED}), statement()
    lrs.post("statements", [done, seen])
    assert ids_of(lrs.get("statements", {"verb": COMPLETED})) == [done["id"]]


def test_the_activity_filter_matches_the_object_and_related_activities_the_context(lrs):
    direct = statement()
    in_context = statement(object={"id": "http://example.com/lesson-1"},
                           context={"contextActivities": {"parent": [{"id": COURSE}]}})
    lrs.post("statements", [direct, in_context])
    assert ids_of(lrs.get("statements", {"activity": COURSE})) == [direct["id"]]
    found = ids_of(lrs.get("statements", {"activity": COURSE, "related_activities": "true"}))
    assert sorted(found) == sorted([direct["id"], in_context["id"]])


def test_related_activities_looks_inside_a_substatement(lrs):
    sub = statement(object={"objectType": "SubStatement", "actor": OTHER, "verb": {"id": COMPLETED},
                            "object": {"id": COURSE}})
    lrs.post("statements", sub)
    assert ids_of(lrs.get("statements", {"activity": COURSE})) == []
    assert ids_of(lrs.get("statements", {"activity": COURSE, "related_activities": "true"})) == [sub["id"]]


def test_the_registration_filter_returns_only_that_registration(lrs):
    registration = str(uuid.uuid4())
    mine, other = statement(context={"registration": registration}), statement()
    lrs.post("statements", [mine, other])
    assert ids_of(lrs.get("statements", {"registration": registration})) == [mine["id"]]


def test_since_is_exclusive_and_until_inclusive(lrs):
    a = statement()
    lrs.post("statements", a)
    stored_a = lrs.get("statements", {"statementId": a["id"]}).json()["stored"]
    time.sleep(0.01)
    b = statement()
    lrs.post("statements", b)
    assert ids_of(lrs.get("statements", {"since": stored_a})) == [b["id"]]
    assert ids_of(lrs.get("statements", {"until": stored_a})) == [a["id"]]


def test_a_bad_since_is_refused_with_400(lrs):
    assert lrs.get("statements", {"since": "last week"}).status_code == 400


def test_a_bad_agent_parameter_is_refused_with_400(lrs):
    assert lrs.get("statements", {"agent": '{"name": "no identifier"}'}).status_code == 400
    assert lrs.get("statements", {"agent": "not json"}).status_code == 400


@pytest.mark.parametrize(("name", "value"), [("limit", "-1"), ("format", "full"), ("ascending", "yes"),
                                             ("verb", "not an iri"), ("registration", "nope")])
def test_bad_query_parameter_values_are_refused_with_400(lrs, name, value):
    assert lrs.get("statements", {name: value}).status_code == 400


def test_limit_and_the_more_link_page_through_everything_once(lrs):
    posted = [statement() for _ in range(5)]
    for s in posted:
        lrs.post("statements", s)
    seen, response = [], lrs.get("statements", {"limit": "2"})
    while True:
        body = response.json()
        seen += [s["id"] for s in body["statements"]]
        if not body["more"]:
            break
        assert body["more"].startswith("/xapi/statements?more=")
        lrs.post("statements", statement())  # arrives while paging: not in this listing
        path, _sep, query = body["more"].partition("?")
        response = lrs.client.get(path + "?" + query, **lrs.headers())
    assert seen == [s["id"] for s in reversed(posted)]


def test_another_institution_cannot_use_a_more_link(lrs, lrs_b):
    for _ in range(3):
        lrs.post("statements", statement())
    more = lrs.get("statements", {"limit": "1"}).json()["more"]
    response = lrs_b.client.get(more, **lrs_b.headers())
    assert response.status_code == 400
    assert response.json()["error"] == message(views.BAD_MORE)


def test_format_ids_keeps_only_identifiers(lrs):
    s = statement()
    lrs.post("statements", s)
    got = lrs.get("statements", {"statementId": s["id"], "format": "ids"}).json()
    assert got["actor"] == {"objectType": "Agent", "mbox": "mailto:lin@example.com"}
    assert got["verb"] == {"id": s["verb"]["id"]}
    assert got["object"] == {"objectType": "Activity", "id": COURSE}


def test_format_canonical_returns_one_language_per_map_chosen_by_accept_language(lrs):
    s = statement()
    lrs.post("statements", s)
    got = lrs.get("statements", {"statementId": s["id"], "format": "canonical"}, accept_language="zh-CN").json()
    assert got["object"]["definition"]["name"] == {"zh-CN": "课程一"}


def test_format_canonical_uses_the_latest_definition_of_the_activity(lrs):
    first = statement()
    lrs.post("statements", first)
    lrs.post("statements", statement(object={"id": COURSE, "definition": {"name": {"en-US": "Course One"}}}))
    got = lrs.get("statements", {"statementId": first["id"], "format": "canonical"}, accept_language="en-US").json()
    assert got["object"]["definition"]["name"] == {"en-US": "Course One"}


# Headers --------------------------------------------------------------------------------------

def test_get_answers_with_consistent_through_and_last_modified(lrs):
    s = statement()
    lrs.post("statements", s)
    response = lrs.get("statements", {"statementId": s["id"]})
    through = dt.datetime.fromisoformat(response["X-Experience-API-Consistent-Through"].replace("Z", "+00:00"))
    assert through.tzinfo is not None
    assert response["Last-Modified"].endswith("GMT")
    assert "X-Experience-API-Consistent-Through" in lrs.get("statements")


def test_a_request_without_the_version_header_is_refused_with_400(lrs):
    response = lrs.client.get("/xapi/statements", **lrs.headers(version=None))
    assert response.status_code == 400
    assert response.json()["error"] == message(http.VERSION_MISSING)
    assert response["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("version", ["0.95", "2.0.0", "1.1.0", "banana"])
def test_a_request_with_an_unsupported_version_is_refused_with_400(lrs, version):
    assert lrs.client.get("/xapi/statements", **lrs.headers(version=version)).status_code == 400


@pytest.mark.parametrize("version", ["1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3"])
def test_requests_of_any_1_0_version_are_served(lrs, version):
    assert lrs.client.get("/xapi/statements", **lrs.headers(version=version)).status_code == 200


def test_every_response_carries_the_version_header(lrs):
    assert lrs.get("statements")["X-Experience-API-Version"] == "1.0.3"
    assert lrs.post("statements", statement())["X-Experience-API-Version"] == "1.0.3"
    assert lrs.client.get("/xapi/about")["X-Experience-API-Version"] == "1.0.3"


def test_a_request_without_credentials_is_refused_with_401(lrs):
    response = lrs.client.get("/xapi/statements", HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert response.status_code == 401
    assert response.json()["error"] == message(http.NOT_AUTHENTICATED)


def test_a_request_with_a_wrong_secret_is_refused_with_401(lrs):
    lrs.auth = lrs.auth[:-4] + "AAAA"
    assert lrs.get("statements").status_code == 401


def test_options_answers_cors_preflight_without_credentials(lrs):
    response = lrs.client.options("/xapi/statements", HTTP_ORIGIN="https://course.example.com",
                                  HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "X-Experience-API-Version" in response["Access-Control-Allow-Headers"]
    assert "Authorization" in response["Access-Control-Allow-Headers"]


def test_the_trailing_slash_is_optional(lrs):
    assert lrs.client.get("/xapi/statements/", **lrs.headers()).status_code == 200
