"""The validator against arbitrary JSON in every position of a statement.

Data 2.2.s4.b1: the LRS MUST reject a statement with a value of the wrong type (strings where
numbers are required, nulls, objects where strings are…) — so whatever JSON a client puts
anywhere, `validate_statement` either returns or raises XapiError (a 400), and never anything
else (a 500). Statements it accepts must also go through what storing does to them next (index
keys, activity definitions, the comparison used for a resend) without raising.

Hypothesis takes a statement that uses every property the spec defines, picks one position in
it (any key of any object, any item of any array, the SubStatement's too) and puts arbitrary
JSON there, or adds an arbitrary property to any object."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tisheng.xapi import keys, services
from tisheng.xapi.validation import XapiError, validate_statement

AGENT = {"objectType": "Agent", "name": "林晓燕", "mbox": "mailto:lin@example.com"}
ACCOUNT_AGENT = {"account": {"homePage": "http://example.com", "name": "t1"}}
GROUP = {"objectType": "Group", "name": "class", "member": [AGENT, ACCOUNT_AGENT,
                                                            {"mbox_sha1sum": "a" * 40},
                                                            {"openid": "http://openid.example.com/x"}]}
DEFINITION = {
    "name": {"en-US": "Q1", "zh-CN": "第一题"}, "description": {"en-US": "Which?"},
    "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "moreInfo": "http://example.com/more",
    "extensions": {"http://example.com/ext": {"any": [1, None]}}, "interactionType": "choice",
    "correctResponsesPattern": ["a[,]b"],
    "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b"}],
    "scale": [{"id": "s"}], "source": [{"id": "x"}], "target": [{"id": "y"}], "steps": [{"id": "z"}],
}
ACTIVITY = {"objectType": "Activity", "id": "http://example.com/a", "definition": DEFINITION}
CONTEXT = {
    "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7", "instructor": AGENT,
    "team": {"objectType": "Group", "mbox": "mailto:team@example.com"},
    "contextActivities": {"parent": [ACTIVITY], "grouping": {"id": "http://example.com/g"},
                          "category": [{"id": "http://example.com/c"}], "other": []},
    "revision": "r1", "platform": "web", "language": "zh-CN",
    "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    "extensions": {"http://example.com/ctx": 1},
}
RESULT = {"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": True, "completion": False,
          "response": "a", "duration": "PT1H2M3.5S", "extensions": {"http://example.com/r": None}}
ATTACHMENT = {"usageType": "http://example.com/u", "display": {"en-US": "x"}, "description": {"en-US": "y"},
              "contentType": "text/plain", "length": 1, "sha2": "a" * 64, "fileUrl": "http://example.com/x.txt"}
SUBSTATEMENT = {"objectType": "SubStatement", "actor": GROUP, "verb": {"id": "http://example.com/v"},
                "object": ACTIVITY, "result": RESULT, "context": CONTEXT, "timestamp": "2024-01-01T00:00:00Z",
                "attachments": [ATTACHMENT]}
FULL = {
    "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb", "actor": GROUP,
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
    "object": ACTIVITY, "result": RESULT, "context": CONTEXT, "timestamp": "2024-01-01T08:00:00+08:00",
    "stored": "2024-01-01T00:00:01Z", "authority": {"objectType": "Group", "member": [AGENT, ACCOUNT_AGENT]},
    "version": "1.0.3", "attachments": [ATTACHMENT],
}
WITH_SUBSTATEMENT = {**FULL, "object": SUBSTATEMENT, "context": {k: v for k, v in CONTEXT.items()
                                                                 if k not in ("revision", "platform")}}
WITH_AGENT_OBJECT = {**FULL, "object": {"objectType": "Agent", "mbox": "mailto:b@example.com"},
                     "context": {"language": "en"}}
BASES = [FULL, WITH_SUBSTATEMENT, WITH_AGENT_OBJECT]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


PATHS = [(b, p) for b, base in enumerate(BASES) for p in _paths(base) if p]

# Any JSON the shared reader (tisheng.core.jsonsafe) lets through: no NaN or Infinity, 64-bit ints.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
    | st.sampled_from(["", "Activity", "Agent", "Group", "SubStatement", "StatementRef", "choice", "en-US",
                       "mailto:a@example.com", "http://example.com/x", "9e13cefd-53d3-4eac-b5ed-2cf6693903bb"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=10) | st.sampled_from(["objectType", "id", "en-US", "mbox", "member", "definition", "timestamp",
                                         "registration", "extensions"]),
        children, max_size=4),
    max_leaves=12,
)


def _set(statement: dict, path: tuple, value) -> None:
    target = statement
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _must_return_or_refuse(statement: dict) -> None:
    try:
        validated = validate_statement(statement)
    except XapiError as error:
        refusal = error
    else:
        refusal = None
    if refusal is not None:
        assert isinstance(refusal.message, str)
        assert refusal.status == 400
        return
    # What storing does next with an accepted statement.
    keys.index_fields(validated)
    services._activity_definitions([validated])
    assert services.statements_match(json.loads(json.dumps(validated)), validated)


FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_full_statements_are_valid():
    for base in BASES:
        validate_statement(copy.deepcopy(base))


@FUZZ
@given(where=st.sampled_from(PATHS), value=json_values)
def test_any_json_in_any_position_is_accepted_or_refused_with_400(where, value):
    base, path = where
    statement = copy.deepcopy(BASES[base])
    _set(statement, path, value)
    _must_return_or_refuse(statement)


@FUZZ
@given(where=st.sampled_from([(b, p) for b, p in [(b, ()) for b in range(len(BASES))] + PATHS]),
       name=st.text(max_size=12) | st.sampled_from(["objectType", "id", "member", "interactionType"]),
       value=json_values)
def test_any_extra_property_in_any_object_is_accepted_or_refused_with_400(where, name, value):
    base, path = where
    statement = copy.deepcopy(BASES[base])
    target = statement
    for step in path:
        target = target[step]
    if isinstance(target, dict):
        target[name] = value
    _must_return_or_refuse(statement)


@FUZZ
@given(value=json_values)
def test_any_json_as_the_whole_statement_is_accepted_or_refused_with_400(value):
    _must_return_or_refuse(value)
