"""Statement validation: every malformed statement is refused with 400 and a message, and nothing
of its batch is stored (xAPI 1.0.3 Data 2.4)."""

import pytest

from tisheng.xapi import validation as v
from tisheng.xapi.models import Statement
from tisheng.xapi.tests.conftest import message, statement

ACTIVITY = {"objectType": "Activity", "id": "http://example.com/a"}


def refused(lrs, s) -> str:
    response = lrs.post("statements", s)
    assert response.status_code == 400, response.content
    assert not Statement.objects.filter(institution=lrs.institution).exists()
    return response.json()["error"]


def test_a_valid_statement_is_stored_and_its_id_returned(lrs):
    s = statement()
    response = lrs.post("statements", s)
    assert response.status_code == 200
    assert response.json() == [s["id"]]


def test_a_statement_with_an_unknown_property_is_refused_with_400(lrs):
    assert refused(lrs, statement(colour="blue")) == message(v.UNKNOWN_PROPERTY, where="statement", name="colour")


def test_a_statement_without_an_actor_is_refused_with_400(lrs):
    s = statement()
    del s["actor"]
    assert refused(lrs, s) == message(v.MISSING_PROPERTY, where="statement", name="actor")


@pytest.mark.parametrize("missing", ["verb", "object"])
def test_a_statement_without_a_verb_or_an_object_is_refused_with_400(lrs, missing):
    s = statement()
    del s[missing]
    refused(lrs, s)


def test_a_statement_id_that_is_not_a_uuid_is_refused_with_400(lrs):
    assert refused(lrs, statement(id="not-a-uuid")) == message(v.NOT_A_UUID, where="id")


def test_an_agent_with_two_identifiers_is_refused_with_400(lrs):
    actor = {"mbox": "mailto:a@example.com", "openid": "http://openid.example.com/a"}
    assert refused(lrs, statement(actor=actor)) == message(v.ONE_IFI, where="actor")


def test_an_agent_without_an_identifier_is_refused_with_400(lrs):
    refused(lrs, statement(actor={"objectType": "Agent", "name": "nobody"}))


def test_an_mbox_that_is_not_a_mailto_iri_is_refused_with_400(lrs):
    refused(lrs, statement(actor={"mbox": "lin@example.com"}))


def test_an_mbox_sha1sum_that_is_not_hex_is_refused_with_400(lrs):
    refused(lrs, statement(actor={"mbox_sha1sum": "xyz"}))


def test_an_account_without_a_home_page_is_refused_with_400(lrs):
    refused(lrs, statement(actor={"account": {"name": "t1"}}))


def test_an_account_home_page_that_is_not_an_iri_is_refused_with_400(lrs):
    refused(lrs, statement(actor={"account": {"homePage": "not an iri", "name": "t1"}}))


def test_an_anonymous_group_without_members_is_refused_with_400(lrs):
    refused(lrs, statement(actor={"objectType": "Group", "name": "class 1"}))


def test_a_group_inside_a_group_is_refused_with_400(lrs):
    inner = {"objectType": "Group", "mbox": "mailto:g@example.com"}
    refused(lrs, statement(actor={"objectType": "Group", "member": [inner]}))


def test_an_identified_group_without_members_is_accepted(lrs):
    s = statement(actor={"objectType": "Group", "mbox": "mailto:g@example.com"})
    assert lrs.post("statements", s).status_code == 200


def test_a_verb_id_that_is_not_an_iri_is_refused_with_400(lrs):
    assert refused(lrs, statement(verb={"id": "completed"})) == message(v.NOT_AN_IRI, where="verb.id")


def test_a_verb_display_with_a_bad_language_tag_is_refused_with_400(lrs):
    s = statement(verb={"id": "http://example.com/v", "display": {"not a tag": "x"}})
    assert refused(lrs, s) == message(v.BAD_LANGUAGE_MAP, where="verb.display")


def test_a_language_map_with_a_value_that_is_not_a_string_is_refused_with_400(lrs):
    refused(lrs, statement(verb={"id": "http://example.com/v", "display": {"en-US": 5}}))


def test_an_activity_without_an_id_is_refused_with_400(lrs):
    refused(lrs, statement(object={"objectType": "Activity"}))


def test_an_activity_definition_with_an_unknown_property_is_refused_with_400(lrs):
    refused(lrs, statement(object={**ACTIVITY, "definition": {"colour": "red"}}))


def test_an_unknown_interaction_type_is_refused_with_400(lrs):
    refused(lrs, statement(object={**ACTIVITY, "definition": {"interactionType": "essay"}}))


def test_an_extension_key_that_is_not_an_iri_is_refused_with_400(lrs):
    refused(lrs, statement(object={**ACTIVITY, "definition": {"extensions": {"key": 1}}}))


def test_an_unknown_object_type_is_refused_with_400(lrs):
    refused(lrs, statement(object={"objectType": "Thing", "id": "http://example.com/a"}))


def test_a_statement_ref_with_a_bad_uuid_is_refused_with_400(lrs):
    refused(lrs, statement(object={"objectType": "StatementRef", "id": "12345"}))


def test_a_substatement_inside_a_substatement_is_refused_with_400(lrs):
    inner = {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@example.com"},
             "verb": {"id": "http://example.com/v"}, "object": ACTIVITY}
    outer = {**inner, "object": inner}
    refused(lrs, statement(object=outer))


@pytest.mark.parametrize("forbidden", ["id", "stored", "version", "authority"])
def test_a_substatement_with_an_id_stored_version_or_authority_is_refused_with_400(lrs, forbidden):
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@example.com"},
           "verb": {"id": "http://example.com/v"}, "object": ACTIVITY,
           forbidden: {"id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb", "stored": "2024-01-01T00:00:00Z",
                       "version": "1.0.0", "authority": {"mbox": "mailto:x@example.com"}}[forbidden]}
    refused(lrs, statement(object=sub))


def test_a_scaled_score_above_one_is_refused_with_400(lrs):
    assert refused(lrs, statement(result={"score": {"scaled": 1.5}})) == message(v.BAD_SCORE, where="result.score")


def test_a_raw_score_outside_min_and_max_is_refused_with_400(lrs):
    refused(lrs, statement(result={"score": {"raw": 120, "min": 0, "max": 100}}))


def test_a_min_score_above_the_max_is_refused_with_400(lrs):
    refused(lrs, statement(result={"score": {"min": 10, "max": 5}}))


def test_a_success_that_is_not_a_boolean_is_refused_with_400(lrs):
    refused(lrs, statement(result={"success": "yes"}))


@pytest.mark.parametrize("duration", ["1 hour", "P", "PT", "PT1H30", "P1DT"])
def test_a_bad_duration_is_refused_with_400(lrs, duration):
    refused(lrs, statement(result={"duration": duration}))


@pytest.mark.parametrize("duration", ["PT1H30M", "P1D", "PT0.5S", "P2W", "P1Y2M3DT4H5M6.7S"])
def test_iso_8601_durations_are_accepted(lrs, duration):
    assert lrs.post("statements", statement(result={"duration": duration})).status_code == 200


@pytest.mark.parametrize("timestamp", ["yesterday", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00-00:00",
                                       "2024-01-01"])
def test_a_bad_timestamp_is_refused_with_400(lrs, timestamp):
    refused(lrs, statement(timestamp=timestamp))


def test_a_registration_that_is_not_a_uuid_is_refused_with_400(lrs):
    refused(lrs, statement(context={"registration": "abc"}))


def test_revision_is_refused_when_the_object_is_an_agent(lrs):
    s = statement(object={"objectType": "Agent", "mbox": "mailto:b@example.com"}, context={"revision": "1"})
    refused(lrs, s)


def test_platform_is_refused_when_the_object_is_a_group(lrs):
    s = statement(object={"objectType": "Group", "mbox": "mailto:g@example.com"}, context={"platform": "x"})
    refused(lrs, s)


def test_a_context_language_that_is_not_a_string_is_refused_with_400(lrs):
    refused(lrs, statement(context={"language": 5}))


@pytest.mark.parametrize("where", ["result", "context"])
def test_an_empty_object_is_refused_with_400(lrs, where):
    # An empty definition is accepted: see test_conformance.test_an_empty_activity_definition_is_accepted.
    s = statement(**{where: {}})
    assert refused(lrs, s).endswith(message(v.EMPTY_OBJECT, where=where))


def test_empty_extensions_and_null_extension_values_are_accepted(lrs):
    s = statement(result={"extensions": {"http://example.com/null": None}}, context={"extensions": {}})
    assert lrs.post("statements", s).status_code == 200


@pytest.mark.parametrize("tag", ["de-419-DE", "a-DE", "ar-a-aaa-b-bbb-a-ccc", ""])
def test_a_malformed_language_tag_in_a_language_map_is_refused_with_400(lrs, tag):
    refused(lrs, statement(verb={"id": "http://example.com/v", "display": {tag: "x"}}))


@pytest.mark.parametrize("tag", ["de", "ine", "zh-Hant", "zh-cmn-Hans-CN", "sr-Latn-RS", "sl-rozaj-biske",
                                 "de-CH-1901", "hy-Latn-IT-arevela", "az-Arab-x-AZE-derbend", "x-whatever",
                                 "i-enochian", "zh-CN"])
def test_well_formed_language_tags_are_accepted(lrs, tag):
    s = statement(verb={"id": "http://example.com/v", "display": {tag: "x"}})
    assert lrs.post("statements", s).status_code == 200


def test_an_unknown_context_activities_key_is_refused_with_400(lrs):
    refused(lrs, statement(context={"contextActivities": {"sibling": [ACTIVITY]}}))


def test_a_team_that_is_not_a_group_is_refused_with_400(lrs):
    refused(lrs, statement(context={"team": {"mbox": "mailto:a@example.com"}}))


def test_a_version_that_is_not_1_0_is_refused_with_400(lrs):
    assert refused(lrs, statement(version="2.0.0")) == message(v.BAD_VERSION, where="version")


def test_a_voiding_statement_whose_object_is_not_a_statement_ref_is_refused_with_400(lrs):
    s = statement(verb={"id": v.VOIDED})
    assert refused(lrs, s) == message(v.VOIDING_NEEDS_REF)


def test_an_attachment_without_a_sha2_is_refused_with_400(lrs):
    attachment = {"usageType": "http://example.com/u", "display": {"en-US": "x"}, "contentType": "text/plain",
                  "length": 1, "fileUrl": "http://example.com/x.txt"}
    refused(lrs, statement(attachments=[attachment]))


def test_a_null_where_an_object_belongs_is_refused_with_400(lrs):
    refused(lrs, statement(result=None))


def test_one_invalid_statement_refuses_the_whole_batch(lrs):
    response = lrs.post("statements", [statement(), statement(verb={"id": "nope"})])
    assert response.status_code == 400
    assert not Statement.objects.filter(institution=lrs.institution).exists()


def test_a_body_that_is_not_json_is_refused_with_400(lrs):
    assert lrs.post("statements", "{not json").status_code == 400


def test_a_statement_with_a_boolean_score_is_refused_with_400(lrs):
    refused(lrs, statement(result={"score": {"raw": True}}))


def test_context_activities_given_as_one_object_are_stored_as_an_array(lrs):
    s = statement(context={"contextActivities": {"parent": ACTIVITY}})
    lrs.post("statements", s)
    stored = lrs.get("statements", {"statementId": s["id"]}).json()
    assert stored["context"]["contextActivities"]["parent"] == [ACTIVITY]


def test_an_authority_group_of_two_agents_is_accepted(lrs):
    pair = {"objectType": "Group", "member": [{"mbox": "mailto:app@example.com"},
                                              {"account": {"homePage": "http://example.com", "name": "u1"}}]}
    assert lrs.post("statements", statement(authority=pair)).status_code == 200


@pytest.mark.parametrize("members", [1, 3])
def test_an_authority_group_of_other_than_two_agents_is_refused_with_400(lrs, members):
    group = {"objectType": "Group", "member": [{"mbox": f"mailto:a{i}@example.com"} for i in range(members)]}
    assert refused(lrs, statement(authority=group)) == message(v.BAD_AUTHORITY_GROUP)


def test_an_identified_group_authority_is_refused_with_400(lrs):
    group = {"objectType": "Group", "mbox": "mailto:g@example.com",
             "member": [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]}
    refused(lrs, statement(authority=group))


def test_an_object_without_object_type_is_stored_as_an_activity_and_returned_as_sent(lrs):
    s = statement(object={"id": "http://example.com/a"})
    lrs.post("statements", s)
    assert lrs.get("statements", {"statementId": s["id"]}).json()["object"] == {"id": "http://example.com/a"}
    assert lrs.get("statements", {"activity": "http://example.com/a"}).json()["statements"][0]["id"] == s["id"]
