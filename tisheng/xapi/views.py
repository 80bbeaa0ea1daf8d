"""The statements, activities, agents and about resources (xAPI 1.0.3, Communication part 2)."""

from __future__ import annotations

import json
import re

from django.core import signing
from django.http import HttpResponse
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header

from tisheng.xapi import selectors, services
from tisheng.xapi.http import (
    SUPPORTED_VERSIONS,
    XRequest,
    loads,
    lrs_view,
    multipart_response,
    parse_multipart,
)
from tisheng.xapi.keys import iri_key
from tisheng.xapi.models import Activity, Attachment
from tisheng.xapi.validation import (
    IRI_RE,
    XapiError,
    check_agent,
    check_uuid,
    fail,
    parse_timestamp,
)

STATEMENT_NOT_FOUND = _("No statement with that id.")
BOTH_IDS = _("statementId and voidedStatementId cannot be used together.")
SINGLE_WITH_FILTERS = _("With statementId or voidedStatementId only format and attachments are allowed.")
BAD_BOOLEAN_PARAM = _("The parameter “%(name)s” must be true or false.")
BAD_LIMIT = _("limit must be a non-negative integer.")
BAD_FORMAT = _("format must be ids, exact or canonical.")
BAD_AGENT_PARAM = _("The agent parameter must be a JSON Agent or identified Group: %(why)s")
BAD_IRI_PARAM = _("The parameter “%(name)s” must be an IRI.")
BAD_MORE = _("This more link is not valid (expired, altered or another client's).")
BAD_CONTENT_TYPE = _("Statements must be sent as application/json or multipart/mixed.")
MULTIPART_FIRST_NOT_JSON = _("The first part of a multipart/mixed request must be application/json.")
PART_WITHOUT_HASH = _("Every attachment part needs an X-Experience-API-Hash header.")
PART_WITHOUT_ENCODING = _("Every attachment part needs Content-Transfer-Encoding: binary.")
PUT_NEEDS_ONE = _("PUT takes a single statement.")
PUT_NEEDS_ID = _("PUT needs the statementId parameter.")
ACTIVITY_ID_REQUIRED = _("The activityId parameter is required.")

GET_PARAMS = {"statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
              "related_activities", "related_agents", "since", "until", "limit", "format", "attachments",
              "ascending", "more"}
MORE_SALT = "tisheng.xapi.more"


def _bool(xreq: XRequest, name: str) -> bool:
    value = xreq.params.get(name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise fail(BAD_BOOLEAN_PARAM, name=name)
    return value == "true"


def _iri_param(xreq: XRequest, name: str) -> str | None:
    value = xreq.params.get(name)
    if value is not None and not IRI_RE.match(value):
        raise fail(BAD_IRI_PARAM, name=name)
    return value


def agent_param(value: str, name: str = "agent") -> dict:
    agent = loads(value, BAD_AGENT_PARAM)
    try:
        check_agent(agent, name)
    except XapiError as error:
        raise fail(BAD_AGENT_PARAM, why=error.message) from None
    return agent


# Statement rendering ---------------------------------------------------------------------------

def _ids_agent(agent: dict) -> dict:
    out = {k: agent[k] for k in ("objectType", "mbox", "mbox_sha1sum", "openid", "account") if k in agent}
    if agent.get("objectType") == "Group" and not any(k in agent for k in ("mbox", "mbox_sha1sum", "openid",
                                                                          "account")):
        out["member"] = [_ids_agent(m) for m in agent.get("member", ())]
    return out


def _ids_body(s: dict) -> None:
    s["actor"] = _ids_agent(s["actor"])
    s["verb"] = {"id": s["verb"]["id"]}
    obj = s["object"]
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        s["object"] = {k: obj[k] for k in ("objectType", "id") if k in obj}
    elif object_type in ("Agent", "Group"):
        s["object"] = _ids_agent(obj)
    elif object_type == "SubStatement":
        _ids_body(obj)
    if "authority" in s:
        s["authority"] = _ids_agent(s["authority"])
    context = s.get("context")
    if context:
        for name in ("instructor", "team"):
            if name in context:
                context[name] = _ids_agent(context[name])
        for listed in (context.get("contextActivities") or {}).values():
            listed[:] = [{k: a[k] for k in ("objectType", "id") if k in a} for a in listed]


def _language_ranges(header: str | None) -> list[str]:
    """The language ranges of Accept-Language, best first, read by Django's own parser: a
    malformed header (`q=abc`, `q=1e999`, `q=-1`) counts as no header, as it does for the
    language LocaleMiddleware picks for the same request, rather than failing the request."""
    return [tag for tag, weight in parse_accept_lang_header(header or "") if weight > 0]


def _pick_language(lang_map: dict, ranges: list[str]) -> dict:
    if not lang_map:
        return lang_map
    lowered = {k.lower(): k for k in lang_map}
    for wanted in ranges:
        if wanted == "*":
            break
        if wanted in lowered:
            key = lowered[wanted]
            return {key: lang_map[key]}
        for low, key in lowered.items():
            if low.startswith(wanted + "-") or wanted.startswith(low + "-"):
                return {key: lang_map[key]}
    for fallback in ("zh-cn", "zh-hans", "zh", "en-us", "en"):
        if fallback in lowered:
            return {lowered[fallback]: lang_map[lowered[fallback]]}
    key = next(iter(lang_map))
    return {key: lang_map[key]}


def _canonical_definition(definition: dict, ranges: list[str]) -> dict:
    out = dict(definition)
    for name in ("name", "description"):
        if isinstance(out.get(name), dict):
            out[name] = _pick_language(out[name], ranges)
    for name in ("choices", "scale", "source", "target", "steps"):
        if isinstance(out.get(name), list):
            out[name] = [{**c, "description": _pick_language(c["description"], ranges)} if "description" in c else c
                         for c in out[name]]
    return out


def _canonical(statements: list[dict], institution_id: int, accept_language: str | None) -> None:
    ranges = _language_ranges(accept_language)
    activities: list[dict] = []

    def collect(body: dict) -> None:
        obj = body["object"]
        if obj.get("objectType", "Activity") == "Activity":
            activities.append(obj)
        elif obj.get("objectType") == "SubStatement":
            collect(obj)
        for listed in ((body.get("context") or {}).get("contextActivities") or {}).values():
            activities.extend(listed)
        if "display" in body["verb"]:
            body["verb"]["display"] = _pick_language(body["verb"]["display"], ranges)

    for s in statements:
        collect(s)
    known = dict(Activity.objects.filter(institution_id=institution_id,
                                         key__in={iri_key(a["id"]) for a in activities})
                 .values_list("key", "definition"))
    for activity in activities:
        definition = known.get(iri_key(activity["id"])) or activity.get("definition")
        if definition:
            activity["definition"] = _canonical_definition(definition, ranges)


def _render(xreq: XRequest, payloads: list[str], fmt: str) -> list[str]:
    if fmt == "exact":
        return payloads
    statements = [json.loads(p) for p in payloads]
    if fmt == "ids":
        for s in statements:
            _ids_body(s)
    else:
        _canonical(statements, xreq.client.institution_id, xreq.header("accept-language"))
    return [json.dumps(s, ensure_ascii=False, separators=(",", ":")) for s in statements]


def _with_attachments(xreq: XRequest, body: str, payloads: list[str]) -> HttpResponse:
    wanted = set()
    for p in payloads:
        s = json.loads(p)
        for a in services._attachments_of(s):
            if "sha2" in a:
                wanted.add(a["sha2"])
    rows = (Attachment.objects.filter(institution_id=xreq.client.institution_id, sha2__in=wanted)
            .values_list("sha2", "content_type", "content")) if wanted else []
    return multipart_response(body, [(sha2, ct, bytes(content)) for sha2, ct, content in rows])


def _json_response(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body.encode(), status=status, content_type="application/json")


# Statements resource ---------------------------------------------------------------------------

def _query_from_params(xreq: XRequest) -> selectors.StatementQuery:
    p = xreq.params
    q = selectors.StatementQuery()
    if "agent" in p:
        q.agent = agent_param(p["agent"])
    q.verb = _iri_param(xreq, "verb")
    q.activity = _iri_param(xreq, "activity")
    if "registration" in p:
        q.registration = check_uuid(p["registration"], "registration")
    q.related_activities = _bool(xreq, "related_activities")
    q.related_agents = _bool(xreq, "related_agents")
    if "since" in p:
        q.since = parse_timestamp(p["since"], "since")
    if "until" in p:
        q.until = parse_timestamp(p["until"], "until")
    if "limit" in p:
        # ASCII digits only ("²" is a digit to str.isdigit, not to int()); a limit above what the
        # LRS serves at once means the same as that maximum, so long numbers are cut, not parsed.
        if not re.fullmatch(r"[0-9]+", p["limit"]):
            raise fail(BAD_LIMIT)
        digits = p["limit"].lstrip("0")
        q.limit = int(digits or "0") if len(digits) <= 9 else selectors.MAX_LIMIT
    q.ascending = _bool(xreq, "ascending")
    return q


def statements_get(xreq: XRequest) -> HttpResponse:
    xreq.only(GET_PARAMS)
    p = dict(xreq.params)
    institution_id = xreq.client.institution_id
    after = None
    if "more" in p:
        try:
            token = signing.loads(p["more"], salt=MORE_SALT)
        except signing.BadSignature:
            raise fail(BAD_MORE) from None
        if token.get("i") != institution_id:
            raise fail(BAD_MORE)
        p = token["p"]
        after = (parse_timestamp(token["a"][0], "more"), token["a"][1])
        xreq = XRequest(method="GET", params=p, headers=xreq.headers, body=b"", content_type="",
                        client=xreq.client, django=xreq.django)
    fmt = p.get("format", "exact")
    if fmt not in ("ids", "exact", "canonical"):
        raise fail(BAD_FORMAT)
    attachments = _bool(xreq, "attachments")
    single = {"statementId", "voidedStatementId"} & p.keys()
    if single:
        if len(single) == 2:
            raise fail(BOTH_IDS)
        if p.keys() - {"statementId", "voidedStatementId", "format", "attachments"}:
            raise fail(SINGLE_WITH_FILTERS)
        name = single.pop()
        statement_id = check_uuid(p[name], name)
        row = selectors.statement_get(institution_id=institution_id, statement_id=statement_id,
                                      voided=name == "voidedStatementId")
        if row is None:
            return services_error(STATEMENT_NOT_FOUND, 404)
        body = _render(xreq, [row.payload], fmt)[0]
        response = _with_attachments(xreq, body, [row.payload]) if attachments else _json_response(body)
        response["Last-Modified"] = http_date(row.stored.timestamp())
        return response

    q = _query_from_params(xreq)
    q.after = after
    rows, more = selectors.statement_list(institution_id=institution_id, q=q)
    more_url = ""
    if more:
        last = rows[-1]
        token = signing.dumps({"i": institution_id, "p": {k: v for k, v in p.items() if k != "more"},
                               "a": [services.iso(last.stored), last.seq]}, salt=MORE_SALT, compress=True)
        more_url = f"{xreq.django.path}?more={token}"
    payloads = [r.payload for r in rows]
    rendered = _render(xreq, payloads, fmt)
    body = '{"statements":[' + ",".join(rendered) + '],"more":' + json.dumps(more_url) + "}"
    response = _with_attachments(xreq, body, payloads) if attachments else _json_response(body)
    if rows:
        response["Last-Modified"] = http_date(max(r.stored for r in rows).timestamp())
    return response


def services_error(message, status: int) -> HttpResponse:
    return _json_response(json.dumps({"error": str(message)}, ensure_ascii=False), status=status)


def _statements_from_body(xreq: XRequest) -> tuple[object, dict[str, services.Part]]:
    content_type = xreq.content_type
    if content_type == "multipart/mixed":
        parts = parse_multipart(xreq)
        first_headers, first = parts[0]
        if first_headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise fail(MULTIPART_FIRST_NOT_JSON)
        attachments = {}
        for headers, content in parts[1:]:
            sha2 = headers.get("x-experience-api-hash")
            if not sha2:
                raise fail(PART_WITHOUT_HASH)
            if headers.get("content-transfer-encoding", "").lower() != "binary":
                raise fail(PART_WITHOUT_ENCODING)
            attachments[sha2] = services.Part(content_type=headers.get("content-type", "application/octet-stream"),
                                              content=content)
        return loads(first), attachments
    if content_type != "application/json":
        raise fail(BAD_CONTENT_TYPE)
    return xreq.json(), {}


def statements_post(xreq: XRequest) -> HttpResponse:
    xreq.only(set())
    body, parts = _statements_from_body(xreq)
    statements = body if isinstance(body, list) else [body]
    ids = services.statements_store(client=xreq.client, statements=statements, parts=parts)
    return _json_response(json.dumps(ids))


def statements_put(xreq: XRequest) -> HttpResponse:
    xreq.only({"statementId"})
    if "statementId" not in xreq.params:
        raise fail(PUT_NEEDS_ID)
    statement_id = check_uuid(xreq.params["statementId"], "statementId")
    body, parts = _statements_from_body(xreq)
    if not isinstance(body, dict):
        raise fail(PUT_NEEDS_ONE)
    services.statements_store(client=xreq.client, statements=[body], parts=parts, statement_id=statement_id)
    return HttpResponse(status=204)


statements = lrs_view({"GET": statements_get, "POST": statements_post, "PUT": statements_put},
                      consistent_through=True)


# Activities, agents, about ---------------------------------------------------------------------

def activities_get(xreq: XRequest) -> HttpResponse:
    xreq.only({"activityId"})
    activity_id = xreq.params.get("activityId")
    if not activity_id:
        raise fail(ACTIVITY_ID_REQUIRED)
    if not IRI_RE.match(activity_id):
        raise fail(BAD_IRI_PARAM, name="activityId")
    row = (Activity.objects.filter(institution_id=xreq.client.institution_id, key=iri_key(activity_id))
           .values_list("definition", flat=True).first())
    activity = {"objectType": "Activity", "id": activity_id}
    if row:
        activity["definition"] = row
    return _json_response(json.dumps(activity, ensure_ascii=False))


def agents_get(xreq: XRequest) -> HttpResponse:
    """The Person object of an agent: what this LRS knows of it is the identifier it was given."""
    xreq.only({"agent"})
    agent = agent_param(xreq.required("agent"))
    person: dict = {"objectType": "Person"}
    if "name" in agent:
        person["name"] = [agent["name"]]
    for k in ("mbox", "mbox_sha1sum", "openid", "account"):
        if k in agent:
            person[k] = [agent[k]]
    return _json_response(json.dumps(person, ensure_ascii=False))


def about_get(xreq: XRequest) -> HttpResponse:
    return _json_response(json.dumps({"version": SUPPORTED_VERSIONS, "extensions": {}}))


activities = lrs_view({"GET": activities_get})
agents = lrs_view({"GET": agents_get})
about = lrs_view({"GET": about_get}, versioned=False, authenticated=False)
