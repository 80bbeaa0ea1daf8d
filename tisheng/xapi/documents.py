"""The three document resources: state, activity profile and agent profile.

A document hangs off a scope (the activity and/or agent, and for state a registration) and is
found by one unique index (institution, scope digest, id). Writes take a row lock so the
If-Match / If-None-Match rules hold under concurrent writers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _

from tisheng.core import jsonsafe
from tisheng.xapi import keys
from tisheng.xapi.http import XRequest, lrs_view
from tisheng.xapi.models import Document, DocumentKind
from tisheng.xapi.validation import IRI_RE, XapiError, check_uuid, fail, parse_timestamp
from tisheng.xapi.views import BAD_IRI_PARAM, agent_param

DOCUMENT_NOT_FOUND = _("No document with that id.")
PRECONDITION_FAILED = _("The document does not match the If-Match / If-None-Match condition.")
CONCURRENCY_HEADERS_REQUIRED = _("This document exists: send If-Match (its ETag) or If-None-Match to change it.")
PROFILE_PUT_NEEDS_PRECONDITION = _("A profile PUT must send If-Match (the document's ETag) to replace a document, "
                                   "or If-None-Match: * to create one.")
MERGE_NEEDS_JSON = _("POST merges JSON objects: the document sent and the stored one must both be "
                     "application/json objects.")


@dataclass
class Scope:
    kind: str
    key: object
    noreg_key: object
    id_param: str


def _scope(xreq: XRequest, kind: str) -> Scope:
    p = xreq.params
    activity = agent = registration = ""
    if kind in (DocumentKind.STATE, DocumentKind.ACTIVITY_PROFILE):
        activity = xreq.required("activityId")
        if not IRI_RE.match(activity):
            raise fail(BAD_IRI_PARAM, name="activityId")
    if kind in (DocumentKind.STATE, DocumentKind.AGENT_PROFILE):
        agent = keys.ifi(agent_param(xreq.required("agent")))
    if kind == DocumentKind.STATE and "registration" in p:
        registration = check_uuid(p["registration"], "registration").lower()
    base = f"{kind}\n{activity}\n{agent}"
    return Scope(kind=kind, key=keys.digest(f"{base}\n{registration}"), noreg_key=keys.digest(base),
                 id_param="stateId" if kind == DocumentKind.STATE else "profileId")


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha1(content, usedforsecurity=False).hexdigest() + '"'


def _tags(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def _check_preconditions(xreq: XRequest, doc: Document | None, *, require_for_existing: bool) -> None:
    if_match = xreq.header("if-match")
    if_none_match = xreq.header("if-none-match")
    if if_match is not None:
        tags = _tags(if_match)
        if doc is None or ("*" not in tags and doc.etag not in tags and doc.etag.strip('"') not in tags):
            raise XapiError(str(PRECONDITION_FAILED), status=412)
    if if_none_match is not None:
        tags = _tags(if_none_match)
        if doc is not None and ("*" in tags or doc.etag in tags or doc.etag.strip('"') in tags):
            raise XapiError(str(PRECONDITION_FAILED), status=412)
    if require_for_existing and if_match is None and if_none_match is None:
        if doc is not None:
            # Communication 3.1.s4.b13: a PUT without either header to an existing document is 409.
            raise XapiError(str(CONCURRENCY_HEADERS_REQUIRED), status=409)
        # The spec lets a PUT create a profile document without a precondition, but the
        # conformance suite (XAPI-00273, 00287, 00293) expects an error: a client that sends
        # neither header cannot know whether it overwrites another writer's document.
        raise fail(PROFILE_PUT_NEEDS_PRECONDITION)


def _json_object(content: bytes, content_type: str) -> dict | None:
    if content_type.split(";")[0].strip().lower() != "application/json":
        return None
    try:
        value = jsonsafe.loads(content)  # JSONInputError is a ValueError
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _documents(xreq: XRequest, scope: Scope):
    return Document.objects.filter(institution_id=xreq.client.institution_id, scope_key=scope.key)


def _allowed(kind: str, *extra: str) -> set[str]:
    base = {"activityId": {"activityId"}, "state": {"activityId", "agent", "registration"},
            "agent": {"agent"}}
    names = base["state"] if kind == DocumentKind.STATE else base[
        "activityId" if kind == DocumentKind.ACTIVITY_PROFILE else "agent"]
    return names | set(extra)


def _get(kind: str):
    def handler(xreq: XRequest) -> HttpResponse:
        scope_id = "stateId" if kind == DocumentKind.STATE else "profileId"
        xreq.only(_allowed(kind, scope_id, "since"))
        scope = _scope(xreq, kind)
        docs = _documents(xreq, scope)
        if scope_id in xreq.params:
            doc = docs.filter(doc_id=xreq.params[scope_id]).first()
            if doc is None:
                raise XapiError(str(DOCUMENT_NOT_FOUND), status=404)
            response = HttpResponse(bytes(doc.content), content_type=doc.content_type)
            response["ETag"] = doc.etag
            response["Last-Modified"] = http_date(doc.updated.timestamp())
            return response
        if "since" in xreq.params:
            docs = docs.filter(updated__gt=parse_timestamp(xreq.params["since"], "since"))
        ids = list(docs.order_by("doc_id").values_list("doc_id", flat=True))
        latest = docs.order_by("-updated").values_list("updated", flat=True).first()
        response = HttpResponse(json.dumps(ids, ensure_ascii=False).encode(), content_type="application/json")
        if latest is not None:
            response["Last-Modified"] = http_date(latest.timestamp())
        return response

    return handler


def _write(kind: str, *, merge: bool):
    def handler(xreq: XRequest) -> HttpResponse:
        scope_id = "stateId" if kind == DocumentKind.STATE else "profileId"
        xreq.only(_allowed(kind, scope_id))
        scope = _scope(xreq, kind)
        doc_id = xreq.required(scope_id)
        content_type = (xreq.header("content-type") or "application/octet-stream").strip()
        content = xreq.body
        try:
            _save(xreq, scope, doc_id, content, content_type, merge=merge, kind=kind)
        except IntegrityError:
            # Another writer created the document between our lookup and our insert.
            _save(xreq, scope, doc_id, content, content_type, merge=merge, kind=kind)
        return HttpResponse(status=204)

    return handler


@transaction.atomic
def _save(xreq: XRequest, scope: Scope, doc_id: str, content: bytes, content_type: str, *, merge: bool,
          kind: str) -> None:
    doc = _documents(xreq, scope).select_for_update().filter(doc_id=doc_id).first()
    _check_preconditions(xreq, doc, require_for_existing=not merge and kind != DocumentKind.STATE)
    if merge:
        incoming = _json_object(content, content_type)
        if doc is not None:
            existing = _json_object(bytes(doc.content), doc.content_type)
            if incoming is None or existing is None:
                raise fail(MERGE_NEEDS_JSON)
            content = json.dumps({**existing, **incoming}, ensure_ascii=False).encode()
            content_type = "application/json"
        elif incoming is None and content_type.split(";")[0].strip().lower() == "application/json":
            raise fail(MERGE_NEEDS_JSON)
    now = timezone.now()
    if doc is None:
        Document.objects.create(institution_id=xreq.client.institution_id, kind=kind, scope_key=scope.key,
                                scope_noreg_key=scope.noreg_key, doc_id=doc_id, content=content,
                                content_type=content_type, etag=_etag(content), updated=now)
    else:
        doc.content, doc.content_type, doc.etag, doc.updated = content, content_type, _etag(content), now
        doc.save(update_fields=["content", "content_type", "etag", "updated"])


def _delete(kind: str):
    def handler(xreq: XRequest) -> HttpResponse:
        scope_id = "stateId" if kind == DocumentKind.STATE else "profileId"
        xreq.only(_allowed(kind, scope_id))
        scope = _scope(xreq, kind)
        if scope_id in xreq.params:
            with transaction.atomic():
                doc = _documents(xreq, scope).select_for_update().filter(doc_id=xreq.params[scope_id]).first()
                _check_preconditions(xreq, doc, require_for_existing=False)
                if doc is not None:
                    doc.delete()
        elif kind == DocumentKind.STATE:
            docs = Document.objects.filter(institution_id=xreq.client.institution_id)
            if "registration" in xreq.params:
                docs = docs.filter(scope_key=scope.key)
            else:
                docs = docs.filter(scope_noreg_key=scope.noreg_key)
            docs.delete()
        else:
            xreq.required(scope_id)
        return HttpResponse(status=204)

    return handler


def _resource(kind: str):
    return lrs_view({"GET": _get(kind), "PUT": _write(kind, merge=False), "POST": _write(kind, merge=True),
                     "DELETE": _delete(kind)})


state = _resource(DocumentKind.STATE)
activity_profile = _resource(DocumentKind.ACTIVITY_PROFILE)
agent_profile = _resource(DocumentKind.AGENT_PROFILE)
