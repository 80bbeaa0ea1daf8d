"""Storing statements: a whole batch in one transaction, in a fixed number of queries.

Validation happens first for every statement (nothing is stored when one is invalid), then
one query finds the ids already stored, one the voiding targets, one bulk insert writes the
statements and one their relation rows; activity definitions are merged with one read and
one upsert; then the integration hooks see the batch."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.core import jsonsafe, observability_metrics
from tisheng.integration import hooks
from tisheng.integration.auth import XapiClient
from tisheng.xapi import bulk, keys
from tisheng.xapi.models import Attachment, Statement
from tisheng.xapi.validation import (
    SIGNATURE_USAGE,
    VOIDED,
    XapiError,
    fail,
    parse_timestamp,
    validate_statement,
)

DUPLICATE_ID_IN_BATCH = _("The batch has two statements with the id %(id)s.")
CONFLICTING_STATEMENT = _("A different statement with the id %(id)s is already stored.")
ID_MISMATCH = _("The statement's id does not match the statementId parameter.")
VOIDING_A_VOIDING = _("Statement %(id)s voids a voiding statement, which cannot be voided.")
ATTACHMENT_PART_MISSING = _("The attachment with sha2 %(sha2)s has no fileUrl and no part in the request.")
ATTACHMENT_PART_UNKNOWN = _("A part with sha2 %(sha2)s matches no attachment of the statements.")
ATTACHMENT_HASH_MISMATCH = _("The content of the part with sha2 %(sha2)s does not have that hash.")
BAD_SIGNATURE = _("The signature attachment of statement %(id)s is not a valid JWS of the statement.")
EMPTY_BATCH = _("No statements were sent.")

SHA_BY_LENGTH = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


@dataclass
class Part:
    content_type: str
    content: bytes


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _comparable(value, top: bool = False):
    """A statement reduced to what the spec's comparison rules do not ignore: no LRS-assigned
    properties, no optional objectType, UUIDs in one case, timestamps as instants, Group
    members in one order. Extensions are compared as they are: their keys are the client's,
    not the spec's (a "timestamp" in an extension need not be one)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if top and k in ("authority", "stored", "version", "id", "timestamp"):
                continue
            if k == "extensions":
                out[k] = v
                continue
            if k == "objectType" and v in ("Activity", "Agent"):
                continue
            if k in ("registration",) and isinstance(v, str):
                out[k] = v.lower()
            elif k == "timestamp" and isinstance(v, str):
                out[k] = parse_timestamp(v, k).timestamp()
            elif k == "member" and isinstance(v, list):
                out[k] = sorted((_comparable(m) for m in v), key=lambda m: json.dumps(m, sort_keys=True))
            else:
                out[k] = _comparable(v)
        if out.get("objectType") == "StatementRef" and isinstance(out.get("id"), str):
            out["id"] = out["id"].lower()
        return out
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def statements_match(stored: dict, received: dict) -> bool:
    a, b = _comparable(stored, top=True), _comparable(received, top=True)
    if "timestamp" in received and (parse_timestamp(received["timestamp"], "timestamp")
                                    != parse_timestamp(stored["timestamp"], "timestamp")):
        return False
    return a == b


def _attachments_of(s: dict) -> Iterable[dict]:
    yield from s.get("attachments") or ()
    obj = s["object"]
    if obj.get("objectType") == "SubStatement":
        yield from obj.get("attachments") or ()


def _b64url_json(part: str):
    import base64

    return jsonsafe.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _check_signature(s: dict, parts: dict[str, Part]) -> None:
    """A signature attachment must be a JWS (RS256/384/512) whose payload is this statement."""
    for a in s.get("attachments") or ():
        if a["usageType"] != SIGNATURE_USAGE:
            continue
        part = parts.get(a["sha2"])
        if part is None or a["contentType"] != "application/octet-stream":
            raise fail(BAD_SIGNATURE, id=s.get("id", ""))
        try:
            header_b64, payload_b64, signature_b64 = part.content.decode("ascii").strip().split(".")
            header = _b64url_json(header_b64)
            payload = _b64url_json(payload_b64)
        except (ValueError, UnicodeDecodeError):
            raise fail(BAD_SIGNATURE, id=s.get("id", "")) from None
        if (not isinstance(header, dict) or header.get("alg") not in ("RS256", "RS384", "RS512")
                or not isinstance(payload, dict) or not signature_b64):
            raise fail(BAD_SIGNATURE, id=s.get("id", ""))
        unsigned = {k: v for k, v in s.items() if k != "attachments"}
        payload.pop("attachments", None)
        try:
            same = ("timestamp" not in unsigned or "timestamp" in payload) and statements_match(payload, unsigned)
        except XapiError:
            same = False
        if not same:
            raise fail(BAD_SIGNATURE, id=s.get("id", ""))


def _check_attachment_parts(statements: list[dict], parts: dict[str, Part]) -> None:
    referenced = set()
    for s in statements:
        for a in _attachments_of(s):
            referenced.add(a["sha2"])
            if "fileUrl" not in a and a["sha2"] not in parts:
                raise fail(ATTACHMENT_PART_MISSING, sha2=a["sha2"])
    for sha2, part in parts.items():
        if sha2 not in referenced:
            raise fail(ATTACHMENT_PART_UNKNOWN, sha2=sha2)
        algorithm = SHA_BY_LENGTH.get(len(sha2))
        if algorithm is None or algorithm(part.content).hexdigest() != sha2.lower():
            raise fail(ATTACHMENT_HASH_MISMATCH, sha2=sha2)
    for s in statements:
        _check_signature(s, parts)


def _merge_definition(old: dict, new: dict) -> dict:
    merged = dict(old)
    for k, v in new.items():
        if k in ("name", "description", "extensions") and isinstance(merged.get(k), dict):
            merged[k] = {**merged[k], **v}
        else:
            merged[k] = v
    return merged


def _activity_definitions(statements: list[dict]) -> dict[str, dict]:
    found: dict[str, dict] = {}

    def add(activity: dict) -> None:
        # Only definitions are kept: an activity known by its id alone needs no row.
        definition = activity.get("definition")
        if definition:
            found[activity["id"]] = _merge_definition(found.get(activity["id"], {}), definition)

    for s in statements:
        for body in (s, s["object"] if s["object"].get("objectType") == "SubStatement" else None):
            if body is None:
                continue
            obj = body["object"]
            if obj.get("objectType", "Activity") == "Activity":
                add(obj)
            for listed in ((body.get("context") or {}).get("contextActivities") or {}).values():
                for activity in listed:
                    add(activity)
    return found


# The definitions this process last stored, per (institution, activity key): a batch that
# repeats known definitions (the usual case) then costs no query. Filled after commit only.
_KNOWN_DEFINITIONS: OrderedDict[tuple[int, uuid.UUID], dict] = OrderedDict()
_KNOWN_MAX = 20_000


def _remember(items: list[tuple[tuple[int, uuid.UUID], dict]]) -> None:
    for key, definition in items:
        _KNOWN_DEFINITIONS[key] = definition
        _KNOWN_DEFINITIONS.move_to_end(key)
    while len(_KNOWN_DEFINITIONS) > _KNOWN_MAX:
        _KNOWN_DEFINITIONS.popitem(last=False)


def _store_activities(institution_id: int, definitions: dict[str, dict]) -> None:
    """Merge the batch's activity definitions into the canonical ones: one read, one upsert of
    those that changed."""
    by_key = {}
    for activity_id, definition in definitions.items():
        key = keys.iri_key(activity_id)
        known = _KNOWN_DEFINITIONS.get((institution_id, key))
        if known is None or _merge_definition(known, definition) != known:
            by_key[key] = (activity_id, definition)
    if not by_key:
        return
    existing = bulk.activity_definitions(institution_id, list(by_key))
    changed, seen = [], []
    for key, (activity_id, definition) in by_key.items():
        if key in existing:
            merged = _merge_definition(existing[key], definition)
            seen.append(((institution_id, key), merged))
            if merged == existing[key]:
                continue
            definition = merged
        else:
            seen.append(((institution_id, key), definition))
        changed.append((key, activity_id, definition))
    if changed:
        bulk.activities_upsert(institution_id, changed)
    transaction.on_commit(lambda: _remember(seen))


def statements_store(*, client: XapiClient, statements: list, parts: dict[str, Part] | None = None,
                     statement_id: str | None = None) -> list[str]:
    """Validate and store a batch; returns the ids of all statements in it (already stored ones
    included). Raises XapiError: 400 invalid, 409 conflicting with what is stored."""
    parts = parts or {}
    if not statements:
        raise fail(EMPTY_BATCH)
    for s in statements:
        validate_statement(s)
    if statement_id is not None:
        given = statements[0].get("id")
        if given is not None and given.lower() != statement_id.lower():
            raise fail(ID_MISMATCH)
        statements[0]["id"] = given or statement_id
    ids: list[str] = []
    seen: set[str] = set()
    for s in statements:
        if "id" not in s:
            s["id"] = str(uuid.uuid4())
        sid = s["id"].lower()
        if sid in seen:
            raise fail(DUPLICATE_ID_IN_BATCH, id=s["id"])
        seen.add(sid)
        ids.append(s["id"])
    _check_attachment_parts(statements, parts)
    try:
        return _store(client, statements, parts, ids)
    except (IntegrityError, psycopg.IntegrityError):
        # A concurrent request stored one of these ids first: compare against it now.
        return _store(client, statements, parts, ids)


@transaction.atomic
def _store(client: XapiClient, statements: list[dict], parts: dict[str, Part], ids: list[str]) -> list[str]:
    institution_id = client.institution_id
    existing, voided_late_keys = bulk.lookup(institution_id, [uuid.UUID(i) for i in ids])
    new = []
    for s in statements:
        stored_payload = existing.get(uuid.UUID(s["id"]))
        if stored_payload is None:
            new.append(s)
        elif not statements_match(json.loads(stored_payload), s):
            raise XapiError(str(CONFLICTING_STATEMENT) % {"id": s["id"]}, status=409)
    if not new:
        return ids

    # Voiding: targets in this batch or already stored; a voiding statement cannot be voided.
    batch_by_id = {s["id"].lower(): s for s in new}
    targets = {s["object"]["id"].lower(): s for s in new if s["verb"]["id"] == VOIDED}
    if targets:
        stored_targets = dict(Statement.objects.filter(institution_id=institution_id, statement_id__in=list(targets))
                              .values_list("statement_id", "voiding"))
        for target, voiding_statement in targets.items():
            in_batch = batch_by_id.get(target)
            if (in_batch is not None and in_batch["verb"]["id"] == VOIDED) or stored_targets.get(uuid.UUID(target)):
                raise fail(VOIDING_A_VOIDING, id=voiding_statement["id"])
    # Voiding statements stored before the statements they target arrived.
    voided_late = {str(t) for t in voided_late_keys} & batch_by_id.keys()

    now = timezone.now()
    stored = iso(now)
    rows, relations, stored_statements = [], [], []
    authority_key = keys.agent_key(client.authority)
    for received in new:
        # A copy: the received statement stays as sent, for a retry to compare against.
        s = {**received, "stored": stored, "authority": client.authority}
        s.setdefault("version", "1.0.0")
        s.setdefault("timestamp", stored)
        stored_statements.append(s)
        fields, rels = keys.index_fields(s)
        sid = s["id"].lower()
        voiding = s["verb"]["id"] == VOIDED
        rows.append(Statement(
            institution_id=institution_id, statement_id=sid, stored=now,
            authority_key=authority_key, voiding=voiding,
            voided=(sid in targets and not voiding) or sid in voided_late,
            payload=json.dumps(s, ensure_ascii=False, separators=(",", ":")), **fields))
        relations.append(rels)
    bulk.insert(rows, relations)
    newly_voided = []
    if targets:
        stored_target_ids = [t for t in targets if t not in batch_by_id]
        if stored_target_ids:
            newly_voided = [str(t) for t in Statement.objects.filter(
                institution_id=institution_id, statement_id__in=stored_target_ids, voided=False,
            ).values_list("statement_id", flat=True)]
            Statement.objects.filter(institution_id=institution_id, statement_id__in=newly_voided).update(voided=True)
        newly_voided += [t for t in targets if t in batch_by_id]
    newly_voided += sorted(voided_late)
    if parts:
        Attachment.objects.bulk_create(
            [Attachment(institution_id=institution_id, sha2=sha2, content_type=p.content_type, content=p.content)
             for sha2, p in parts.items()], ignore_conflicts=True)
    _store_activities(institution_id, _activity_definitions(new))
    # The hooks read the statements as stored (their payload is already serialized).
    hooks.statements_stored(client, stored_statements)
    transaction.on_commit(functools.partial(observability_metrics.lrs_statements_stored, len(new)))
    if newly_voided:
        hooks.statements_voided(client, newly_voided)
    return ids
