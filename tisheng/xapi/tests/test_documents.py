"""The state, activity profile and agent profile resources (Communication 2.2–2.7)."""

import json
import time
import uuid

import pytest

from tisheng.xapi import documents
from tisheng.xapi.tests.conftest import message

ACTIVITY = "http://example.com/activities/course-1"
AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:lin@example.com"})


def q(**params) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode(params)


STATE = dict(activityId=ACTIVITY, agent=AGENT)


def test_state_put_then_get_returns_the_document_its_type_and_etag(lrs):
    assert lrs.put("activities/state", b"\x00binary", q(**STATE, stateId="s1"),
                   content_type="application/octet-stream").status_code == 204
    response = lrs.get("activities/state", {**STATE, "stateId": "s1"})
    assert response.status_code == 200
    assert response.content == b"\x00binary"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")


def test_state_without_the_agent_parameter_is_refused_with_400(lrs):
    response = lrs.put("activities/state", {"a": 1}, q(activityId=ACTIVITY, stateId="s1"))
    assert response.status_code == 400


def test_state_with_a_bad_activity_id_is_refused_with_400(lrs):
    assert lrs.get("activities/state", {"activityId": "not an iri", "agent": AGENT}).status_code == 400


def test_state_with_a_bad_registration_is_refused_with_400(lrs):
    assert lrs.get("activities/state", {**STATE, "registration": "nope"}).status_code == 400


def test_an_unknown_state_is_404(lrs):
    assert lrs.get("activities/state", {**STATE, "stateId": "missing"}).status_code == 404


def test_state_post_merges_json_objects(lrs):
    lrs.put("activities/state", {"a": 1, "b": 1}, q(**STATE, stateId="s1"))
    assert lrs.post("activities/state", {"b": 2, "c": 3}, q(**STATE, stateId="s1")).status_code == 204
    assert lrs.get("activities/state", {**STATE, "stateId": "s1"}).json() == {"a": 1, "b": 2, "c": 3}


def test_state_post_onto_a_document_that_is_not_json_is_refused_with_400(lrs):
    lrs.put("activities/state", b"plain", q(**STATE, stateId="s1"), content_type="text/plain")
    response = lrs.post("activities/state", {"b": 2}, q(**STATE, stateId="s1"))
    assert response.status_code == 400
    assert response.json()["error"] == message(documents.MERGE_NEEDS_JSON)


def test_state_post_of_something_that_is_not_json_onto_json_is_refused_with_400(lrs):
    lrs.put("activities/state", {"a": 1}, q(**STATE, stateId="s1"))
    assert lrs.post("activities/state", b"plain", q(**STATE, stateId="s1"),
                    content_type="text/plain").status_code == 400


def test_state_ids_are_listed_and_filtered_by_since(lrs):
    lrs.put("activities/state", {"a": 1}, q(**STATE, stateId="s1"))
    first = lrs.get("activities/state", {**STATE, "stateId": "s1"})
    time.sleep(1.1)
    lrs.put("activities/state", {"a": 1}, q(**STATE, stateId="s2"))
    assert lrs.get("activities/state", STATE).json() == ["s1", "s2"]
    from django.utils.http import parse_http_date

    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(parse_http_date(first["Last-Modified"]) + 1))
    assert lrs.get("activities/state", {**STATE, "since": since}).json() == ["s2"]


def test_state_is_kept_apart_by_registration(lrs):
    registration = str(uuid.uuid4())
    lrs.put("activities/state", {"r": 1}, q(**STATE, registration=registration, stateId="s1"))
    assert lrs.get("activities/state", {**STATE, "stateId": "s1"}).status_code == 404
    assert lrs.get("activities/state", {**STATE, "registration": registration, "stateId": "s1"}).json() == {"r": 1}


def test_state_delete_of_one_document_and_of_all_documents(lrs):
    for sid in ("s1", "s2", "s3"):
        lrs.put("activities/state", {"x": sid}, q(**STATE, stateId=sid))
    assert lrs.delete("activities/state", q(**STATE, stateId="s1")).status_code == 204
    assert lrs.get("activities/state", STATE).json() == ["s2", "s3"]
    assert lrs.delete("activities/state", q(**STATE)).status_code == 204
    assert lrs.get("activities/state", STATE).json() == []


def test_state_of_another_agent_is_separate(lrs):
    lrs.put("activities/state", {"a": 1}, q(**STATE, stateId="s1"))
    other = json.dumps({"mbox": "mailto:chen@example.com"})
    assert lrs.get("activities/state", {"activityId": ACTIVITY, "agent": other, "stateId": "s1"}).status_code == 404


# Concurrency ----------------------------------------------------------------------------------

PROFILE = dict(activityId=ACTIVITY)


def test_activity_profile_put_to_an_existing_document_without_if_match_or_if_none_match_is_409(lrs):
    assert lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p1"), if_none_match="*").status_code == 204
    response = lrs.put("activities/profile", {"v": 2}, q(**PROFILE, profileId="p1"))
    assert response.status_code == 409
    assert response.json()["error"] == message(documents.CONCURRENCY_HEADERS_REQUIRED)


def test_activity_profile_put_with_the_current_etag_replaces_the_document(lrs):
    lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p1"), if_none_match="*")
    etag = lrs.get("activities/profile", {**PROFILE, "profileId": "p1"})["ETag"]
    assert lrs.put("activities/profile", {"v": 2}, q(**PROFILE, profileId="p1"), if_match=etag).status_code == 204
    assert lrs.get("activities/profile", {**PROFILE, "profileId": "p1"}).json() == {"v": 2}


def test_activity_profile_put_with_a_stale_etag_is_412(lrs):
    lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p1"), if_none_match="*")
    response = lrs.put("activities/profile", {"v": 2}, q(**PROFILE, profileId="p1"), if_match='"stale"')
    assert response.status_code == 412
    assert response.json()["error"] == message(documents.PRECONDITION_FAILED)


def test_if_none_match_star_refuses_to_overwrite_with_412(lrs):
    lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p1"), if_none_match="*")
    response = lrs.put("activities/profile", {"v": 2}, q(**PROFILE, profileId="p1"), if_none_match="*")
    assert response.status_code == 412


def test_if_none_match_star_creates_a_new_document(lrs):
    assert lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p1"),
                   if_none_match="*").status_code == 204


def test_if_match_on_a_missing_document_is_412(lrs):
    assert lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p1"), if_match='"x"').status_code == 412


def test_delete_with_a_stale_if_match_is_412(lrs):
    lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p1"), if_none_match="*")
    assert lrs.delete("activities/profile", q(**PROFILE, profileId="p1"), if_match='"stale"').status_code == 412
    assert lrs.get("activities/profile", {**PROFILE, "profileId": "p1"}).status_code == 200


def test_activity_profile_ids_are_listed(lrs):
    lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p1"), if_none_match="*")
    lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p2"), if_none_match="*")
    assert lrs.get("activities/profile", PROFILE).json() == ["p1", "p2"]


def test_agent_profile_put_get_post_merge_and_delete(lrs):
    params = {"agent": AGENT, "profileId": "prefs"}
    assert lrs.put("agents/profile", {"lang": "zh"}, q(**params), if_none_match="*").status_code == 204
    assert lrs.post("agents/profile", {"speed": 1.5}, q(**params)).status_code == 204
    assert lrs.get("agents/profile", params).json() == {"lang": "zh", "speed": 1.5}
    assert lrs.get("agents/profile", {"agent": AGENT}).json() == ["prefs"]
    assert lrs.delete("agents/profile", q(**params)).status_code == 204
    assert lrs.get("agents/profile", params).status_code == 404


def test_agent_profile_with_a_bad_agent_is_refused_with_400(lrs):
    assert lrs.get("agents/profile", {"agent": '{"name": "x"}'}).status_code == 400


@pytest.mark.parametrize("resource", ["activities/state", "activities/profile", "agents/profile"])
def test_a_document_resource_refuses_unknown_parameters_with_400(lrs, resource):
    assert lrs.get(resource, {**STATE, "colour": "red"}).status_code == 400


# Institutions ---------------------------------------------------------------------------------

def test_another_institution_cannot_read_or_delete_documents(lrs, lrs_b):
    lrs.put("activities/state", {"a": 1}, q(**STATE, stateId="s1"))
    lrs.put("activities/profile", {"v": 1}, q(**PROFILE, profileId="p1"), if_none_match="*")
    lrs.put("agents/profile", {"v": 1}, q(agent=AGENT, profileId="p1"), if_none_match="*")
    assert lrs_b.get("activities/state", {**STATE, "stateId": "s1"}).status_code == 404
    assert lrs_b.get("activities/state", STATE).json() == []
    assert lrs_b.get("activities/profile", {**PROFILE, "profileId": "p1"}).status_code == 404
    assert lrs_b.get("agents/profile", {"agent": AGENT, "profileId": "p1"}).status_code == 404
    lrs_b.delete("activities/state", q(**STATE))
    assert lrs.get("activities/state", {**STATE, "stateId": "s1"}).json() == {"a": 1}
    # B writing the same ids makes B's own documents, not a conflict with A's.
    assert lrs_b.put("activities/profile", {"v": 9}, q(**PROFILE, profileId="p1"),
                     if_none_match="*").status_code == 204
    assert lrs.get("activities/profile", {**PROFILE, "profileId": "p1"}).json() == {"v": 1}
