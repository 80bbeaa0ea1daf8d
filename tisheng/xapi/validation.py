"""Statement validation, hand-written for speed (xAPI 1.0.3, Data part 2.4).

`validate_statement(s)` raises XapiError (the LRS answers 400 with its message) or returns the
statement as received, with only the normalization the spec asks of the LRS (context activities
as arrays, Data 2.4.6.2.s4.b3): no defaults are written into it, so `format=exact` returns what
the client sent (Data 2.3.1). Checks are plain dict and set operations, so a batch of 1,000
statements validates in milliseconds.

Every check first tests the JSON type of the value it looks at (`type(v) is str`, …) before
comparing it or using it as a key: whatever JSON a client puts in any position, the validator
returns or raises XapiError, never a TypeError that would become a 500 (Data 2.2.s4.b1;
tests/test_validation_fuzz.py holds it to that)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext_lazy as _


class XapiError(Exception):
    """A request the LRS refuses; `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# Anchored with \Z, not $: "$" also matches before a final newline, so "…\n" would pass. ASCII
# digits only (re.ASCII): "\d" alone also matches fullwidth and other Unicode digits.
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+\Z")
MBOX_RE = re.compile(r"^mailto:[^@\s]+@[^@\s]+\Z")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}\Z")
SHA2_RE = re.compile(r"^[0-9a-fA-F]{56}\Z|^[0-9a-fA-F]{64}\Z|^[0-9a-fA-F]{96}\Z|^[0-9a-fA-F]{128}\Z")
# RFC 5646 section 2.1, the ABNF of Language-Tag, written out as a regular expression:
#   langtag    = language ["-" script] ["-" region] *("-" variant) *("-" extension) ["-" privateuse]
#   language   = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA;   extlang = 3ALPHA *2("-" 3ALPHA)
#   script     = 4ALPHA;   region = 2ALPHA / 3DIGIT;   variant = 5*8alphanum / (DIGIT 3alphanum)
#   extension  = singleton 1*("-" (2*8alphanum));   singleton = any alphanum but x
#   privateuse = "x" 1*("-" (1*8alphanum));   grandfathered = the 26 tags listed in the RFC
# (the regular grandfathered tags also match langtag; the irregular ones do not, so they are
# listed). No maintained Python library checks well-formedness alone: `langcodes` and
# `language-tags` check validity against a copy of the IANA registry, which refuses well-formed
# tags registered after the copy was made, and the spec asks for the grammar (Data 2.2.s4.b2).
_LANGTAG = (r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
            r"(?:-[A-Za-z]{4})?"
            r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
            r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
            r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
            r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?")
_PRIVATEUSE = r"[xX](?:-[A-Za-z0-9]{1,8})+"
_IRREGULAR = ("en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
              "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE")
LANG_RE = re.compile(rf"(?:{_LANGTAG}|{_PRIVATEUSE}|{'|'.join(re.escape(t) for t in _IRREGULAR)})",
                     re.IGNORECASE | re.ASCII)  # ASCII: ignoring case, "[a-z]" would match "ſ" and "K" too
TIMESTAMP_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?\Z", re.ASCII)
DURATION_RE = re.compile(r"^P(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?"
                         r"(?:T(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?\Z|^P\d+(?:\.\d+)?W\Z", re.ASCII)
MEDIA_TYPE_RE = re.compile(r"^[\w.+\-!#$&^]+/[\w.+\-!#$&^]+(?:\s*;.*)?\Z", re.ASCII)
VERSION_RE = re.compile(r"^1\.0(?:\.\d+)?\Z", re.ASCII)

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

STATEMENT_KEYS = frozenset({"id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
                            "authority", "version", "attachments"})
SUBSTATEMENT_KEYS = frozenset({"objectType", "actor", "verb", "object", "result", "context", "timestamp",
                               "attachments"})
AGENT_KEYS = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
GROUP_KEYS = AGENT_KEYS | {"member"}
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
VERB_KEYS = frozenset({"id", "display"})
ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
DEFINITION_KEYS = frozenset({"name", "description", "type", "moreInfo", "extensions", "interactionType",
                             "correctResponsesPattern", "choices", "scale", "source", "target", "steps"})
INTERACTION_TYPES = frozenset({"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
                               "sequencing", "likert", "numeric", "other"})
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
INTERACTION_PROPERTIES = ("correctResponsesPattern", *COMPONENT_LISTS)
COMPONENT_KEYS = frozenset({"id", "description"})
RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
CONTEXT_KEYS = frozenset({"registration", "instructor", "team", "contextActivities", "revision", "platform",
                          "language", "statement", "extensions"})
CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})
STATEMENT_REF_KEYS = frozenset({"objectType", "id"})
ATTACHMENT_KEYS = frozenset({"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"})
ACCOUNT_KEYS = frozenset({"homePage", "name"})

NOT_AN_OBJECT = _("%(where)s must be a JSON object.")
EMPTY_OBJECT = _("%(where)s must not be an empty object.")
UNKNOWN_PROPERTY = _("%(where)s has an unknown property “%(name)s”.")
MISSING_PROPERTY = _("%(where)s is missing the required property “%(name)s”.")
NOT_A_STRING = _("%(where)s must be a string.")
NOT_AN_IRI = _("%(where)s must be an absolute IRI.")
NOT_A_UUID = _("%(where)s must be a UUID.")
NOT_A_TIMESTAMP = _("%(where)s must be an ISO 8601 timestamp.")
NOT_A_DURATION = _("%(where)s must be an ISO 8601 duration.")
NOT_A_BOOLEAN = _("%(where)s must be true or false.")
NOT_A_NUMBER = _("%(where)s must be a number.")
NOT_AN_ARRAY = _("%(where)s must be an array.")
BAD_LANGUAGE_MAP = _("%(where)s must be a language map: RFC 5646 language tags mapped to strings.")
BAD_LANGUAGE_TAG = _("%(where)s must be an RFC 5646 language tag.")
ONE_IFI = _("%(where)s must have exactly one inverse functional identifier "
            "(mbox, mbox_sha1sum, openid or account).")
BAD_MBOX = _("%(where)s must be a mailto: IRI.")
BAD_SHA1 = _("%(where)s must be a 40-character hexadecimal SHA-1.")
BAD_OBJECT_TYPE = _("%(where)s has an objectType this LRS does not accept here.")
ANONYMOUS_GROUP_MEMBERS = _("%(where)s is an anonymous Group and must list its members.")
GROUP_IN_GROUP = _("%(where)s: a Group's members must be Agents.")
BAD_SCORE = _("%(where)s: scaled must be between -1 and 1, raw between min and max, min below max.")
NESTED_SUBSTATEMENT = _("%(where)s: a SubStatement cannot contain another SubStatement.")
CONTEXT_NOT_FOR_AGENTS = _("%(where)s: revision and platform are only allowed when the object is an Activity.")
BAD_AUTHORITY_GROUP = _("A Group authority must be an anonymous Group of exactly two Agents.")
VOIDING_NEEDS_REF = _("A voiding statement's object must be a StatementRef.")
BAD_VERSION = _("%(where)s must be a 1.0.x version.")
BAD_INTERACTION_TYPE = _("%(where)s is not an xAPI interaction type.")
BAD_MEDIA_TYPE = _("%(where)s must be an Internet media type.")
BAD_SHA2 = _("%(where)s must be a hexadecimal SHA-2 hash.")
BAD_LENGTH = _("%(where)s must be a non-negative integer.")
INTERACTION_TYPE_REQUIRED = _("%(where)s uses interaction properties (correctResponsesPattern, choices, scale, "
                              "source, target or steps) and so must have an interactionType.")
DUPLICATE_COMPONENT_ID = _("%(where)s has the id “%(id)s” twice; interaction component ids must be distinct.")


def fail(message: Any, **params: Any) -> XapiError:
    return XapiError(str(message) % params if params else str(message))


def is_language_tag(tag: Any) -> bool:
    """RFC 5646 well-formed (section 2.2.9): the grammar, plus no extension singleton used twice."""
    if type(tag) is not str or not LANG_RE.fullmatch(tag):
        return False
    if "-" in tag and len(tag) > 8:
        singletons = [p.lower() for p in tag.split("-")[1:] if len(p) == 1]
        if "x" in singletons:
            singletons = singletons[:singletons.index("x")]
        return len(singletons) == len(set(singletons))
    return True


def _obj(value: Any, where: str, allowed: frozenset, *, allow_empty: bool = False) -> dict:
    if type(value) is not dict:
        raise fail(NOT_AN_OBJECT, where=where)
    if not value and not allow_empty:
        # Data 2.2.s2.b1: objects SHOULD NOT be empty; an empty result, context or score says
        # nothing, and the conformance suite expects 400 for an empty contextActivities.
        raise fail(EMPTY_OBJECT, where=where)
    extra = value.keys() - allowed
    if extra:
        raise fail(UNKNOWN_PROPERTY, where=where, name=sorted(extra)[0])
    return value


def _string(value: Any, where: str) -> str:
    if type(value) is not str:
        raise fail(NOT_A_STRING, where=where)
    return value


def _iri(value: Any, where: str) -> str:
    if type(value) is not str or not IRI_RE.match(value):
        raise fail(NOT_AN_IRI, where=where)
    return value


def check_uuid(value: Any, where: str) -> str:
    if type(value) is not str or not UUID_RE.match(value):
        raise fail(NOT_A_UUID, where=where)
    return value


def parse_timestamp(value: Any, where: str) -> dt.datetime:
    """An ISO 8601 timestamp as an aware datetime (no zone: UTC). "-00:00" is refused."""
    m = TIMESTAMP_RE.match(value) if type(value) is str else None
    if not m or m.group(8) in ("-00", "-00:00", "-0000"):
        raise fail(NOT_A_TIMESTAMP, where=where)
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        if zone is None or zone == "Z":
            tz = dt.UTC
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))
        return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                           int((fraction or "0")[:6].ljust(6, "0")), tzinfo=tz)
    except ValueError:
        raise fail(NOT_A_TIMESTAMP, where=where) from None


def _lang_map(value: Any, where: str) -> None:
    if type(value) is not dict or not value:
        raise fail(BAD_LANGUAGE_MAP, where=where)
    for tag, text in value.items():
        if type(text) is not str or not is_language_tag(tag):
            raise fail(BAD_LANGUAGE_MAP, where=where)


def _extensions(value: Any, where: str) -> None:
    if type(value) is not dict:
        raise fail(NOT_AN_OBJECT, where=where)
    for key in value:
        _iri(key, f"{where} key")


def _number(value: Any, where: str) -> float:
    if type(value) not in (int, float):
        raise fail(NOT_A_NUMBER, where=where)
    return value


def _agent_ifi(value: dict, where: str, *, required: bool) -> None:
    present = [k for k in IFI_KEYS if k in value]
    if len(present) > 1 or (required and not present):
        raise fail(ONE_IFI, where=where)
    if not present:
        return
    k = present[0]
    v = value[k]
    if k == "mbox":
        if type(v) is not str or not MBOX_RE.match(v):
            raise fail(BAD_MBOX, where=f"{where}.mbox")
    elif k == "mbox_sha1sum":
        if type(v) is not str or not SHA1_RE.match(v):
            raise fail(BAD_SHA1, where=f"{where}.mbox_sha1sum")
    elif k == "openid":
        _iri(v, f"{where}.openid")
    else:
        account = _obj(v, f"{where}.account", ACCOUNT_KEYS)
        for name in ("homePage", "name"):
            if name not in account:
                raise fail(MISSING_PROPERTY, where=f"{where}.account", name=name)
        _iri(account["homePage"], f"{where}.account.homePage")
        _string(account["name"], f"{where}.account.name")


def check_agent(value: Any, where: str, *, allow_group: bool = True) -> dict:
    """An Agent or a Group (members must be Agents)."""
    if type(value) is not dict:
        raise fail(NOT_AN_OBJECT, where=where)
    object_type = value.get("objectType", "Agent")
    if object_type == "Agent":
        _obj(value, where, AGENT_KEYS)
        _agent_ifi(value, where, required=True)
    elif object_type == "Group" and allow_group:
        _obj(value, where, GROUP_KEYS)
        _agent_ifi(value, where, required=False)
        identified = any(k in value for k in IFI_KEYS)
        if "member" in value:
            members = value["member"]
            if type(members) is not list:
                raise fail(NOT_AN_ARRAY, where=f"{where}.member")
            if not identified and not members:
                raise fail(ANONYMOUS_GROUP_MEMBERS, where=where)
            for i, member in enumerate(members):
                if type(member) is dict and member.get("objectType") == "Group":
                    raise fail(GROUP_IN_GROUP, where=where)
                check_agent(member, f"{where}.member[{i}]", allow_group=False)
        elif not identified:
            raise fail(ANONYMOUS_GROUP_MEMBERS, where=where)
    else:
        raise fail(BAD_OBJECT_TYPE, where=where)
    if "name" in value:
        _string(value["name"], f"{where}.name")
    return value


def _verb(value: Any) -> dict:
    _obj(value, "verb", VERB_KEYS)
    if "id" not in value:
        raise fail(MISSING_PROPERTY, where="verb", name="id")
    _iri(value["id"], "verb.id")
    if "display" in value:
        _lang_map(value["display"], "verb.display")
    return value


def check_activity(value: Any, where: str) -> dict:
    _obj(value, where, ACTIVITY_KEYS)
    if value.get("objectType", "Activity") != "Activity":
        raise fail(BAD_OBJECT_TYPE, where=where)
    if "id" not in value:
        raise fail(MISSING_PROPERTY, where=where, name="id")
    _iri(value["id"], f"{where}.id")
    if "definition" in value:
        check_definition(value["definition"], f"{where}.definition")
    return value


def check_definition(d: Any, where: str) -> None:
    # An empty definition is accepted: "SHOULD NOT include empty objects" (Data 2.2.s2.b1) is
    # asked of the sender; the conformance suite sends one and expects 200.
    _obj(d, where, DEFINITION_KEYS, allow_empty=True)
    for name in ("name", "description"):
        if name in d:
            _lang_map(d[name], f"{where}.{name}")
    if "type" in d:
        _iri(d["type"], f"{where}.type")
    if "moreInfo" in d:
        _iri(d["moreInfo"], f"{where}.moreInfo")
    if "extensions" in d:
        _extensions(d["extensions"], f"{where}.extensions")
    if "interactionType" in d:
        # A type test first: an object or a list is no more an interaction type than "essay".
        interaction_type = d["interactionType"]
        if type(interaction_type) is not str or interaction_type not in INTERACTION_TYPES:
            raise fail(BAD_INTERACTION_TYPE, where=f"{where}.interactionType")
    elif any(name in d for name in INTERACTION_PROPERTIES):
        # Data 2.4.4.1.s13.b1: an Interaction Activity MUST have a valid interactionType.
        raise fail(INTERACTION_TYPE_REQUIRED, where=where)
    if "correctResponsesPattern" in d:
        patterns = d["correctResponsesPattern"]
        if type(patterns) is not list:
            raise fail(NOT_AN_ARRAY, where=f"{where}.correctResponsesPattern")
        for p in patterns:
            _string(p, f"{where}.correctResponsesPattern")
    for name in COMPONENT_LISTS:
        if name in d:
            components = d[name]
            if type(components) is not list:
                raise fail(NOT_AN_ARRAY, where=f"{where}.{name}")
            ids: set[str] = set()
            for i, component in enumerate(components):
                _obj(component, f"{where}.{name}[{i}]", COMPONENT_KEYS)
                if "id" not in component:
                    raise fail(MISSING_PROPERTY, where=f"{where}.{name}[{i}]", name="id")
                component_id = _string(component["id"], f"{where}.{name}[{i}].id")
                # Data 2.4.4.1.s16.b1: within an array of components, all ids MUST be distinct.
                if component_id in ids:
                    raise fail(DUPLICATE_COMPONENT_ID, where=f"{where}.{name}", id=component_id)
                ids.add(component_id)
                if "description" in component:
                    _lang_map(component["description"], f"{where}.{name}[{i}].description")


def _statement_ref(value: dict, where: str) -> None:
    _obj(value, where, STATEMENT_REF_KEYS)
    if "id" not in value:
        raise fail(MISSING_PROPERTY, where=where, name="id")
    check_uuid(value["id"], f"{where}.id")


def _object(value: Any, where: str, *, in_sub: bool) -> str:
    if type(value) is not dict:
        raise fail(NOT_AN_OBJECT, where=where)
    object_type = value.get("objectType", "Activity")
    if object_type == "Activity":
        # Stored as sent: the default objectType is not written in (Data 2.3.1, 2.2.s2.b5).
        check_activity(value, where)
    elif object_type in ("Agent", "Group"):
        if "objectType" not in value:
            raise fail(BAD_OBJECT_TYPE, where=where)
        check_agent(value, where)
    elif object_type == "StatementRef":
        _statement_ref(value, where)
    elif object_type == "SubStatement":
        if in_sub:
            raise fail(NESTED_SUBSTATEMENT, where=where)
        _body(value, where, SUBSTATEMENT_KEYS, in_sub=True)
    else:
        raise fail(BAD_OBJECT_TYPE, where=where)
    return object_type


def _result(value: Any) -> None:
    _obj(value, "result", RESULT_KEYS)
    if "score" in value:
        score = _obj(value["score"], "result.score", SCORE_KEYS)
        for name in SCORE_KEYS:
            if name in score:
                _number(score[name], f"result.score.{name}")
        scaled, raw, low, high = (score.get(n) for n in ("scaled", "raw", "min", "max"))
        if ((scaled is not None and not -1 <= scaled <= 1) or (low is not None and high is not None and low >= high)
                or (raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)))):
            raise fail(BAD_SCORE, where="result.score")
    for name in ("success", "completion"):
        if name in value and type(value[name]) is not bool:
            raise fail(NOT_A_BOOLEAN, where=f"result.{name}")
    if "response" in value:
        _string(value["response"], "result.response")
    if "duration" in value:
        duration = value["duration"]
        if type(duration) is not str or not DURATION_RE.match(duration) or duration in ("P", "PT") \
                or duration.endswith("T"):
            raise fail(NOT_A_DURATION, where="result.duration")
    if "extensions" in value:
        _extensions(value["extensions"], "result.extensions")


def _context(value: Any, where: str, object_type: str) -> None:
    _obj(value, where, CONTEXT_KEYS)
    if "registration" in value:
        check_uuid(value["registration"], f"{where}.registration")
    if "instructor" in value:
        check_agent(value["instructor"], f"{where}.instructor")
    if "team" in value:
        team = value["team"]
        if type(team) is not dict or team.get("objectType") != "Group":
            raise fail(BAD_OBJECT_TYPE, where=f"{where}.team")
        check_agent(team, f"{where}.team")
    if "contextActivities" in value:
        ca = _obj(value["contextActivities"], f"{where}.contextActivities", CONTEXT_ACTIVITY_KEYS)
        for name, activities in list(ca.items()):
            if type(activities) is dict:
                activities = ca[name] = [activities]
            elif type(activities) is not list:
                raise fail(NOT_AN_ARRAY, where=f"{where}.contextActivities.{name}")
            for i, activity in enumerate(activities):
                check_activity(activity, f"{where}.contextActivities.{name}[{i}]")
    for name in ("revision", "platform"):
        if name in value:
            _string(value[name], f"{where}.{name}")
            if object_type != "Activity":
                raise fail(CONTEXT_NOT_FOR_AGENTS, where=where)
    # Data 2.4.6.s3 table 1 row 7: a String as defined in RFC 5646.
    if "language" in value and not is_language_tag(value["language"]):
        raise fail(BAD_LANGUAGE_TAG, where=f"{where}.language")
    if "statement" in value:
        ref = value["statement"]
        if type(ref) is not dict or ref.get("objectType") != "StatementRef":
            raise fail(BAD_OBJECT_TYPE, where=f"{where}.statement")
        _statement_ref(ref, f"{where}.statement")
    if "extensions" in value:
        _extensions(value["extensions"], f"{where}.extensions")


def check_attachments(value: Any, where: str) -> None:
    if type(value) is not list:
        raise fail(NOT_AN_ARRAY, where=where)
    for i, a in enumerate(value):
        here = f"{where}[{i}]"
        _obj(a, here, ATTACHMENT_KEYS)
        for name in ("usageType", "display", "contentType", "length", "sha2"):
            if name not in a:
                raise fail(MISSING_PROPERTY, where=here, name=name)
        _iri(a["usageType"], f"{here}.usageType")
        _lang_map(a["display"], f"{here}.display")
        if "description" in a:
            _lang_map(a["description"], f"{here}.description")
        if type(a["contentType"]) is not str or not MEDIA_TYPE_RE.match(a["contentType"]):
            raise fail(BAD_MEDIA_TYPE, where=f"{here}.contentType")
        if type(a["length"]) is not int or a["length"] < 0:
            raise fail(BAD_LENGTH, where=f"{here}.length")
        if type(a["sha2"]) is not str or not SHA2_RE.match(a["sha2"]):
            raise fail(BAD_SHA2, where=f"{here}.sha2")
        if "fileUrl" in a:
            _iri(a["fileUrl"], f"{here}.fileUrl")


def _body(s: dict, where: str, allowed: frozenset, *, in_sub: bool) -> None:
    _obj(s, where, allowed)
    for name in ("actor", "verb", "object"):
        if name not in s:
            raise fail(MISSING_PROPERTY, where=where, name=name)
    check_agent(s["actor"], f"{where}.actor" if in_sub else "actor")
    verb = _verb(s["verb"])
    object_type = _object(s["object"], f"{where}.object" if in_sub else "object", in_sub=in_sub)
    if verb["id"] == VOIDED and object_type != "StatementRef":
        raise fail(VOIDING_NEEDS_REF)
    if "result" in s:
        _result(s["result"])
    if "context" in s:
        _context(s["context"], f"{where}.context" if in_sub else "context", object_type)
    if "timestamp" in s:
        parse_timestamp(s["timestamp"], f"{where}.timestamp" if in_sub else "timestamp")
    if "attachments" in s:
        check_attachments(s["attachments"], f"{where}.attachments" if in_sub else "attachments")


def validate_statement(s: Any) -> dict:
    """Raise XapiError unless `s` is a valid statement; returns it (context activities as arrays)."""
    if type(s) is not dict:
        raise fail(NOT_AN_OBJECT, where="A statement")
    _body(s, "statement", STATEMENT_KEYS, in_sub=False)
    if "id" in s:
        check_uuid(s["id"], "id")
    if "stored" in s:
        parse_timestamp(s["stored"], "stored")
    if "authority" in s:
        authority = check_agent(s["authority"], "authority")
        # A Group authority is an OAuth pair: anonymous, exactly two agents (Data 2.4.9).
        if authority.get("objectType") == "Group" and (
                any(k in authority for k in IFI_KEYS) or len(authority.get("member", ())) != 2):
            raise fail(BAD_AUTHORITY_GROUP)
    if "version" in s and (type(s["version"]) is not str or not VERSION_RE.match(s["version"])):
        raise fail(BAD_VERSION, where="version")
    return s
