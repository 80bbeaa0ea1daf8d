"""On a national instance: the provinces' filed plans (规划方案备案, MOE opinion 三.1), loaded from
the file each province downloads from its filed version (supervision.plan.package writes it; the
format is read here by its keys, no import across the layers):

    {"kind": "tisheng.province-plan-filing", "format": 1, "province": {"code", "name"},
     "version", "title", "filed_on", "document": {"title", "province", "composed_on",
     "sections": [{"key", "title", "text", "tables": [{"caption", "columns", "rows"}]}]},
     "pdf": base64, "pdf_sha256", "docx": base64, "docx_sha256"}

Loading checks the shape, that the PDF and the Word file are what their SHA-256 says (a file
damaged on the way is refused) and that a version already loaded is not replaced by other
content (the same file again is accepted and changes nothing). Reads: the latest version per
province (one query, documents and files left out) and one province's versions."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.services import audit
from tisheng.core.jsonsafe import JSONInputError, loads
from tisheng.monitoring.national.models import ProvincePlanCopy

KIND = "tisheng.province-plan-filing"
MAX_BYTES = 40 * 1024 * 1024  # the PDF and the Word file, base64
NOT_A_PLAN = gettext_noop("%(name)s is not a filed province plan: %(errors)s")
DAMAGED = gettext_noop("%(name)s is damaged: its %(what)s does not match the fingerprint the province recorded.")
VERSION_DIFFERS = gettext_noop("Version %(version)s of %(province)s is already loaded with other content; "
                               "a filed version never changes.")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def is_plan(document: object) -> bool:
    return isinstance(document, dict) and document.get("kind") == KIND


def _errors(p: dict) -> list[str]:
    errors = []
    province = p.get("province")
    if not (isinstance(province, dict) and isinstance(province.get("code"), str) and len(province["code"]) == 2
            and isinstance(province.get("name"), str) and 0 < len(province["name"]) <= 64):
        errors.append("province")
    if not (isinstance(p.get("version"), int) and not isinstance(p["version"], bool) and 0 < p["version"] < 10_000):
        errors.append("version")
    if not (isinstance(p.get("title"), str) and 0 < len(p["title"]) <= 128):
        errors.append("title")
    try:
        dt.date.fromisoformat(p.get("filed_on"))
    except (TypeError, ValueError):
        errors.append("filed_on")
    document = p.get("document")
    if not (isinstance(document, dict) and isinstance(document.get("sections"), list)):
        errors.append("document")
    for key in ("pdf", "docx"):
        if not isinstance(p.get(key), str) or not _SHA.match(str(p.get(f"{key}_sha256", ""))):
            errors.append(key)
    return errors


def _decoded(p: dict, key: str, name: str, what: str) -> bytes:
    try:
        content = base64.b64decode(p[key], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(_(DAMAGED) % {"name": name, "what": what}) from exc
    if hashlib.sha256(content).hexdigest() != p[f"{key}_sha256"]:
        raise ValidationError(_(DAMAGED) % {"name": name, "what": what})
    return content


def plan_load(*, actor, data: bytes | dict, name: str = "plan.json") -> ProvincePlanCopy:
    p = loads(data) if isinstance(data, bytes | str) else data
    errors = _errors(p) if is_plan(p) else ["kind"]
    if errors:
        raise ValidationError(_(NOT_A_PLAN) % {"name": name, "errors": ", ".join(errors)})
    pdf, docx = _decoded(p, "pdf", name, "PDF"), _decoded(p, "docx", name, "Word")
    code, version = p["province"]["code"], p["version"]
    with transaction.atomic():
        existing = ProvincePlanCopy.objects.select_for_update().filter(province_code=code, version=version).first()
        if existing is not None:
            if (existing.pdf_sha256, existing.docx_sha256) != (p["pdf_sha256"], p["docx_sha256"]):
                raise ValidationError(_(VERSION_DIFFERS) % {"version": version, "province": existing.province_name})
            return existing
        copy = ProvincePlanCopy.objects.create(
            province_code=code, province_name=p["province"]["name"], version=version, title=p["title"],
            filed_on=dt.date.fromisoformat(p["filed_on"]), document=p["document"], pdf=pdf,
            pdf_sha256=p["pdf_sha256"], docx=docx, docx_sha256=p["docx_sha256"], loaded_by=actor)
        audit(actor=actor, action="national.plan_load", object_type="provinceplancopy", object_id=str(copy.pk),
              province=code, version=version)
    return copy


def read_upload(data: bytes, name: str):
    """The parsed JSON of an uploaded file (ValidationError when it is not JSON)."""
    from tisheng.monitoring.national.view import NOT_JSON

    try:
        return loads(data)
    except JSONInputError as exc:
        raise ValidationError(_(NOT_JSON) % {"name": name, "reason": str(exc)}) from exc


def latest_plans() -> list[dict]:
    """Each province's latest filed version and how many it filed (one query)."""
    counts = {r["province_code"]: r for r in ProvincePlanCopy.objects.values("province_code")
              .annotate(n=Count("id"), latest=Max("version")).order_by()}
    rows = (ProvincePlanCopy.objects.filter(province_code__in=list(counts))
            .values("province_code", "province_name", "version", "title", "filed_on").order_by("province_code"))
    return [{**r, "versions": counts[r["province_code"]]["n"]} for r in rows
            if r["version"] == counts[r["province_code"]]["latest"]]


def province_plans(province_code: str):
    return ProvincePlanCopy.objects.filter(province_code=province_code).order_by("-version")
