"""Conformance with xAPI 1.0.3 where the ADL LRS conformance suite found the LRS wanting: each
test cites the clause it checks (Data = Part Two, Communication = Part Three)."""

import json
import uuid
from urllib.parse import urlencode

import pytest

from tisheng.xapi import documents
from tisheng.xapi import validation as v
from tisheng.xapi.models import Statement
from tisheng.xapi.tests.conftest import message, statement

ACTIVITY_ID = "http://example.com/activities/q1"
AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:lin@example.com"})
CHOICES = [{"id": "golf", "description": {"en-US": "Golf Example"}},
           {"id": "tetris", "description": {"en-US": "Tetris Example"}}]


def refused(lrs, s) -> str:
    response = lrs.post("statements", s)
    assert response.status_code == 400, response.content
    assert not Statement.objects.filter(institution=lrs.institution).exists()
    return response.json()["error"]


def with_definition(definition) -> dict:
    return statement(object={"objectType": "Activity", "id": ACTIVITY_ID, "definition": definition})


def q(**params) -> str:
    return "?" + urlencode(params)


# interactionType of the wrong JSON type ------------------------------------------------------

@pytest.mark.parametrize("interaction_type", [{"key": "should fail"}, ["choice"], 12345, None, True])
def test_an_interaction_type_that_is_not_a_string_is_refused_with_400(lrs, interaction_type):
    """Data 2.4.4.1.s8 table 1 row 1: interactionType is a String; Data 2.2.s4.b1.b2 (and b1:
    null values) — the LRS MUST reject, never fail with a 500."""
    s = with_definition({"interactionType": interaction_type, "correctResponsesPattern": ["golf"]})
    assert refused(lrs, s) == message(v.BAD_INTERACTION_TYPE, where="object.definition.interactionType")


# context.language ----------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["something", "en_US", "a12345", "", "en-", "de-419-DE", "en-u\u017f",
                                      "i-whatever"])
def test_a_context_language_that_is_not_an_rfc_5646_tag_is_refused_with_400(lrs, language):
    """Data 2.4.6.s3 table 1 row 7: language is a String as defined in RFC 5646."""
    assert refused(lrs, statement(context={"language": language})) == message(v.BAD_LANGUAGE_TAG,
                                                                              where="context.language")


def test_a_substatement_context_language_that_is_not_an_rfc_5646_tag_is_refused_with_400(lrs):
    """Data 2.4.4.3.s8.b2: a SubStatement is validated as a Statement, its context included."""
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@example.com"},
           "verb": {"id": "http://example.com/v"}, "object": {"id": ACTIVITY_ID},
           "context": {"language": "something"}}
    refused(lrs, statement(object=sub))


@pytest.mark.parametrize("language", ["tlh", "zh-CN", "zh-Hans-CN", "en-GB-oed", "i-klingon", "x-private",
                                      "sgn-BE-FR", "art-lojban"])
def test_a_context_language_that_is_an_rfc_5646_tag_is_accepted(lrs, language):
    """Data 2.4.6.s3 table 1 row 7, with RFC 5646 section 2.1's grandfathered and private-use tags."""
    assert lrs.post("statements", statement(context={"language": language})).status_code == 200


def test_a_language_map_key_with_a_trailing_newline_is_refused_with_400(lrs):
    """Data 2.2.s4.b2 and RFC 5646 section 2.1: a tag is the whole key; "en\\n" is not "en"."""
    refused(lrs, statement(verb={"id": "http://example.com/v", "display": {"en\n": "x"}}))


@pytest.mark.parametrize(("where", "value"), [
    ("id", "9e13cefd-53d3-4eac-b5ed-2cf6693903bb\n"),
    ("verb", {"id": "http://example.com/v\n"}),
    ("actor", {"mbox": "mailto:lin@example.com\n"}),
    ("actor", {"mbox_sha1sum": "a" * 40 + "\n"}),
    ("version", "1.0.3\n"),
])
def test_a_formatted_string_with_a_trailing_newline_is_refused_with_400(lrs, where, value):
    """Data 2.2.s4.b1.b4: any non-format-following value where a UUID, IRI, mailto IRI, SHA-1 or
    version is required — a newline after it is outside the format."""
    refused(lrs, statement(**{where: value}))


@pytest.mark.parametrize("timestamp", ["２０２４-01-01T00:00:00Z", "2024-01-01T00:00:00.５Z"])
def test_a_timestamp_in_non_ascii_digits_is_refused_with_400(lrs, timestamp):
    """Data 4.5: timestamps are ISO 8601, whose digits are ASCII (a fullwidth ２ is not one)."""
    assert refused(lrs, statement(timestamp=timestamp)) == message(v.NOT_A_TIMESTAMP, where="timestamp")


def test_a_duration_in_non_ascii_digits_is_refused_with_400(lrs):
    """Data 4.6: durations are ISO 8601 durations, in ASCII digits."""
    refused(lrs, statement(result={"duration": "PT１H"}))


@pytest.mark.parametrize("where", ["name", "description"])
def test_a_definition_language_map_key_that_is_not_an_rfc_5646_tag_is_refused_with_400(lrs, where):
    """Data 2.2.s4.b2 and Data 4.2: language map keys are RFC 5646 tags."""
    refused(lrs, with_definition({where: {"something": "x"}}))


def test_an_interaction_component_description_with_a_bad_language_tag_is_refused_with_400(lrs):
    """Data 2.4.4.1.s15 table 1: a component's description is a Language Map (Data 4.2)."""
    definition = {"interactionType": "choice", "choices": [{"id": "a", "description": {"a12345": "x"}}]}
    refused(lrs, with_definition(definition))


# Interaction properties need an interactionType ----------------------------------------------

@pytest.mark.parametrize("name", ["correctResponsesPattern", "choices", "scale", "source", "target", "steps"])
def test_interaction_properties_without_an_interaction_type_are_refused_with_400(lrs, name):
    """Data 2.4.4.1.s13.b1: Interaction Activities MUST have a valid interactionType."""
    value = ["golf"] if name == "correctResponsesPattern" else CHOICES
    assert refused(lrs, with_definition({name: value})) == message(v.INTERACTION_TYPE_REQUIRED,
                                                                   where="object.definition")


def test_a_choice_interaction_as_in_appendix_c_is_accepted(lrs):
    """Data Appendix C, "choice": the spec's own example definition."""
    definition = {"description": {"en-US": "Which of these prototypes are available at the beta site?"},
                  "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": "choice",
                  "correctResponsesPattern": ["golf[,]tetris"], "choices": CHOICES}
    assert lrs.post("statements", with_definition(definition)).status_code == 200


def test_interaction_component_ids_must_be_distinct(lrs):
    """Data 2.4.4.1.s16.b1: within an array of interaction components, all id values MUST be distinct."""
    definition = {"interactionType": "choice", "choices": [{"id": "golf"}, {"id": "golf"}]}
    assert refused(lrs, with_definition(definition)) == message(v.DUPLICATE_COMPONENT_ID,
                                                                where="object.definition.choices", id="golf")


# Empty objects -------------------------------------------------------------------------------

def test_an_empty_activity_definition_is_accepted(lrs):
    """Data 2.2.s2.b1: Statements SHOULD NOT include empty objects — a sender's SHOULD, not a
    ground for the LRS to reject."""
    s = with_definition({})
    assert lrs.post("statements", s).status_code == 200


# Statements returned as they were sent -------------------------------------------------------

def test_format_exact_returns_an_object_without_object_type_as_it_was_sent(lrs):
    """Data 2.2.s2.b5 and 2.3.1: the LRS MUST NOT return a different serialisation of any property
    except id, authority, stored, timestamp and version; objectType is not among them."""
    s = statement(object={"id": ACTIVITY_ID})
    lrs.post("statements", s)
    got = lrs.get("statements", {"statementId": s["id"], "format": "exact"}).json()
    assert got["object"] == {"id": ACTIVITY_ID}
    assert {"id", "stored", "timestamp", "authority", "version"} <= got.keys()


def test_a_substatement_activity_without_object_type_is_returned_as_it_was_sent(lrs):
    """Data 2.3.1: immutability holds inside a SubStatement too."""
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@example.com"},
           "verb": {"id": "http://example.com/v"}, "object": {"id": ACTIVITY_ID}}
    s = statement(object=sub)
    lrs.post("statements", s)
    got = lrs.get("statements", {"statementId": s["id"]}).json()
    assert got["object"]["object"] == {"id": ACTIVITY_ID}


def test_a_statement_sent_again_without_object_type_is_the_same_statement(lrs):
    """Data 2.3.1.s9 (Statement comparison): differences the LRS itself could have caused are
    ignored, so sending the same statement again is not a conflict."""
    s = statement(object={"id": ACTIVITY_ID})
    assert lrs.post("statements", s).status_code == 200
    again = statement(id=s["id"], object={"id": ACTIVITY_ID})
    assert lrs.post("statements", again).status_code == 200


def test_format_ids_gives_a_substatement_activity_only_what_identifies_it(lrs):
    """Communication 2.1.3.s1 table 1 row 12: with format=ids only the minimum information needed
    to identify an Activity is included — inside a SubStatement too, and no objectType the client
    did not send (Data 2.3.1)."""
    sub = {"objectType": "SubStatement", "actor": {"objectType": "Agent", "name": "A", "mbox": "mailto:a@example.com"},
           "verb": {"id": "http://example.com/v", "display": {"en-US": "v"}},
           "object": {"id": ACTIVITY_ID, "definition": {"name": {"en-US": "Q1"}}}}
    s = statement(object=sub)
    lrs.post("statements", s)
    got = lrs.get("statements", {"statementId": s["id"], "format": "ids"}).json()
    assert got["object"]["object"] == {"id": ACTIVITY_ID}
    assert got["object"]["actor"] == {"objectType": "Agent", "mbox": "mailto:a@example.com"}
    assert got["object"]["verb"] == {"id": "http://example.com/v"}


# Profiles: PUT to a new document without a precondition -------------------------------------

@pytest.mark.parametrize(("resource", "params"), [
    ("agents/profile", {"agent": AGENT}),
    ("activities/profile", {"activityId": ACTIVITY_ID}),
])
def test_a_profile_put_without_if_match_or_if_none_match_is_refused_with_400(lrs, resource, params):
    """Communication 3.1 (the suite's XAPI-00273, 00287, 00293; the spec itself only requires 409 for an
    existing document, 3.1.s4.b13): a profile PUT must
    carry If-Match or If-None-Match; without either the LRS answers 400 and stores nothing."""
    response = lrs.put(resource, {"v": 1}, q(**params, profileId=str(uuid.uuid4())))
    assert response.status_code == 400
    assert response.json()["error"] == message(documents.PROFILE_PUT_NEEDS_PRECONDITION)
    assert lrs.get(resource, params).json() == []


@pytest.mark.parametrize(("resource", "params"), [
    ("agents/profile", {"agent": AGENT}),
    ("activities/profile", {"activityId": ACTIVITY_ID}),
])
def test_a_profile_put_with_if_none_match_star_creates_the_document(lrs, resource, params):
    """Communication 3.1.s4 (If-None-Match: *): creates a document only where none exists."""
    assert lrs.put(resource, {"v": 1}, q(**params, profileId="p1"), if_none_match="*").status_code == 204
    assert lrs.get(resource, {**params, "profileId": "p1"}).json() == {"v": 1}


def test_a_state_put_without_a_precondition_is_still_accepted(lrs):
    """Communication 2.3: the State Resource has no concurrency requirement."""
    params = {"activityId": ACTIVITY_ID, "agent": AGENT, "stateId": "s1"}
    assert lrs.put("activities/state", {"a": 1}, q(**params)).status_code == 204


def test_a_profile_post_without_a_precondition_is_still_accepted(lrs):
    """Communication 2.2.s7 (XAPI-00280): a POST to a new document is stored as a PUT would be."""
    params = {"agent": AGENT, "profileId": "p1"}
    assert lrs.post("agents/profile", {"v": 1}, q(**params)).status_code == 204
