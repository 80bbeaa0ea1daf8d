"""Voiding, StatementRef filtering and the wall between institutions (Data 2.3.2,
Communication 2.1.3 "Filter Conditions for StatementRefs", 2.1.4)."""

import json
import uuid

from tisheng.xapi import services
from tisheng.xapi.models import Statement
from tisheng.xapi.tests.conftest import message, statement
from tisheng.xapi.validation import VOIDED

AGENT = {"mbox": "mailto:lin@example.com"}
OTHER = {"mbox": "mailto:chen@example.com"}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def voiding(target_id: str, **overrides) -> dict:
    return statement(actor=OTHER, verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target_id},
                     **overrides)


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()["statements"]]


def test_a_voided_statement_is_returned_only_by_voided_statement_id(lrs):
    target = statement(actor=AGENT)
    lrs.post("statements", target)
    void = voiding(target["id"])
    assert lrs.post("statements", void).status_code == 200
    assert lrs.get("statements", {"statementId": target["id"]}).status_code == 404
    assert lrs.get("statements", {"voidedStatementId": target["id"]}).json()["id"] == target["id"]
    assert target["id"] not in ids_of(lrs.get("statements"))


def test_voided_statement_id_of_a_statement_not_voided_is_404(lrs):
    s = statement()
    lrs.post("statements", s)
    assert lrs.get("statements", {"voidedStatementId": s["id"]}).status_code == 404


def test_a_filtered_query_returns_the_voiding_statement_but_not_the_voided_one(lrs):
    target = statement(actor=AGENT)
    lrs.post("statements", target)
    void = voiding(target["id"])
    lrs.post("statements", void)
    assert ids_of(lrs.get("statements", {"agent": json.dumps(AGENT)})) == [void["id"]]


def test_a_voiding_statement_cannot_target_a_voiding_statement(lrs):
    target = statement()
    lrs.post("statements", target)
    first = voiding(target["id"])
    lrs.post("statements", first)
    second = voiding(first["id"])
    response = lrs.post("statements", second)
    assert response.status_code == 400
    assert response.json()["error"] == message(services.VOIDING_A_VOIDING, id=second["id"])
    assert lrs.get("statements", {"statementId": first["id"]}).status_code == 200


def test_a_voiding_statement_in_the_same_batch_as_its_target_voids_it(lrs):
    target = statement()
    lrs.post("statements", [target, voiding(target["id"])])
    assert lrs.get("statements", {"voidedStatementId": target["id"]}).status_code == 200


def test_a_voiding_statement_for_an_unknown_statement_is_stored_and_voids_it_when_it_arrives(lrs):
    target = statement()
    assert lrs.post("statements", voiding(target["id"])).status_code == 200
    lrs.post("statements", target)
    assert lrs.get("statements", {"statementId": target["id"]}).status_code == 404


def test_a_statement_targeting_a_matching_statement_matches_the_filter_too(lrs):
    original = statement(actor=AGENT, verb={"id": COMPLETED})
    confirm = statement(actor=OTHER, verb={"id": "http://example.com/confirmed"},
                        object={"objectType": "StatementRef", "id": original["id"]})
    chained = statement(actor=OTHER, verb={"id": "http://example.com/noted"},
                        object={"objectType": "StatementRef", "id": confirm["id"]})
    unrelated = statement(actor=OTHER)
    lrs.post("statements", [original, confirm, chained, unrelated])
    found = ids_of(lrs.get("statements", {"agent": json.dumps(AGENT)}))
    assert sorted(found) == sorted([original["id"], confirm["id"], chained["id"]])
    found = ids_of(lrs.get("statements", {"verb": COMPLETED}))
    assert sorted(found) == sorted([original["id"], confirm["id"], chained["id"]])


def test_time_filters_apply_to_the_targeting_statement_itself(lrs):
    original = statement(actor=AGENT)
    lrs.post("statements", original)
    stored = lrs.get("statements", {"statementId": original["id"]}).json()["stored"]
    confirm = statement(actor=OTHER, object={"objectType": "StatementRef", "id": original["id"]})
    lrs.post("statements", confirm)
    assert ids_of(lrs.get("statements", {"agent": json.dumps(AGENT), "since": stored})) == [confirm["id"]]


def test_a_context_statement_ref_does_not_affect_filtering(lrs):
    original = statement(actor=AGENT)
    follow = statement(actor=OTHER, context={"statement": {"objectType": "StatementRef", "id": original["id"]}})
    lrs.post("statements", [original, follow])
    assert ids_of(lrs.get("statements", {"agent": json.dumps(AGENT)})) == [original["id"]]


def test_a_stored_statement_is_never_changed_by_a_later_post(lrs):
    s = statement()
    lrs.post("statements", s)
    before = Statement.objects.get(statement_id=s["id"]).payload
    lrs.post("statements", {**s, "result": {"success": True}})
    assert Statement.objects.get(statement_id=s["id"]).payload == before


# Institutions ---------------------------------------------------------------------------------

def test_another_institution_cannot_read_a_statement(lrs, lrs_b):
    s = statement(actor=AGENT)
    lrs.post("statements", s)
    assert lrs_b.get("statements", {"statementId": s["id"]}).status_code == 404
    assert ids_of(lrs_b.get("statements")) == []
    assert ids_of(lrs_b.get("statements", {"agent": json.dumps(AGENT)})) == []


def test_another_institution_cannot_void_a_statement(lrs, lrs_b):
    s = statement()
    lrs.post("statements", s)
    assert lrs_b.post("statements", voiding(s["id"])).status_code == 200
    assert lrs.get("statements", {"statementId": s["id"]}).status_code == 200
    assert lrs_b.get("statements", {"voidedStatementId": s["id"]}).status_code == 404


def test_the_same_statement_id_in_two_institutions_does_not_conflict(lrs, lrs_b):
    s = statement()
    assert lrs.post("statements", s).status_code == 200
    assert lrs_b.post("statements", {**s, "verb": {"id": COMPLETED}}).status_code == 200
    assert lrs.get("statements", {"statementId": s["id"]}).json()["verb"]["id"] != COMPLETED


def test_another_institution_cannot_see_activity_definitions(lrs, lrs_b):
    lrs.post("statements", statement())
    got = lrs_b.get("activities", {"activityId": "http://example.com/activities/course-1"}).json()
    assert "definition" not in got


def test_the_hooks_see_the_stored_statements_and_the_voided_ids(lrs, monkeypatch):
    seen = {}
    monkeypatch.setattr(services.hooks, "statements_stored", lambda c, st: seen.setdefault("stored", st))
    monkeypatch.setattr(services.hooks, "statements_voided", lambda c, ids: seen.setdefault("voided", ids))
    target = statement()
    lrs.post("statements", target)
    stored = seen.pop("stored")
    assert [s["id"] for s in stored] == [target["id"]]
    assert {"stored", "authority", "timestamp", "version"} <= stored[0].keys()
    void = voiding(target["id"])
    lrs.post("statements", void)
    assert seen["voided"] == [target["id"]]


def test_voiding_a_statement_twice_reports_it_voided_once(lrs, monkeypatch):
    calls = []
    monkeypatch.setattr(services.hooks, "statements_voided", lambda c, ids: calls.append(ids))
    target = statement()
    lrs.post("statements", target)
    lrs.post("statements", voiding(target["id"]))
    lrs.post("statements", voiding(target["id"]))
    assert calls == [[target["id"]]]


def test_voiding_message_is_the_constant(lrs):
    target = statement()
    lrs.post("statements", target)
    first = voiding(target["id"])
    lrs.post("statements", first)
    second = voiding(first["id"])
    assert lrs.post("statements", second).json()["error"] == message(services.VOIDING_A_VOIDING, id=second["id"])


def test_statement_ids_are_compared_without_case(lrs):
    s = statement()
    lrs.post("statements", s)
    assert lrs.get("statements", {"statementId": s["id"].upper()}).status_code == 200
    assert uuid.UUID(s["id"])
