"""The ministry's side: loading the reports provinces send (JSON files, checked against the
published schema) and comparing them.

`report_load` parses with the shared guard (core.jsonsafe: depth, NaN, huge integers, bad UTF-8),
validates against the schema, and keeps one row per province, program and date (a report sent
again for the same date replaces the earlier one). `dashboard` reads only the copied figures:
one query for every province and every date of a program."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.services import audit
from tisheng.core.jsonsafe import JSONInputError, loads
from tisheng.monitoring.national.models import ProvinceReport
from tisheng.monitoring.national.report import report_validate

MAX_BYTES = 2 * 1024 * 1024  # a province's report is a few kilobytes
NOT_JSON = gettext_noop("%(name)s is not a JSON document: %(reason)s")
NOT_A_REPORT = gettext_noop("%(name)s is not a national report: %(errors)s")
TOO_LARGE = gettext_noop("%(name)s is larger than a national report can be.")
TREND_DATES = 6


def _pass_rate(document: dict) -> float | None:
    assessed = sum(d["assessed"] for d in document["practice"]["dimensions"])
    passed = sum(d["passed"] for d in document["practice"]["dimensions"])
    return round(100 * passed / assessed, 1) if assessed else None


def report_load(*, actor, data: bytes, name: str = "report.json") -> ProvinceReport:
    if len(data) > MAX_BYTES:
        raise ValidationError(_(TOO_LARGE) % {"name": name})
    try:
        document = loads(data)
    except JSONInputError as exc:
        raise ValidationError(_(NOT_JSON) % {"name": name, "reason": str(exc)}) from exc
    errors = report_validate(document) if isinstance(document, dict) else ["(document): not an object"]
    if errors:
        raise ValidationError(_(NOT_A_REPORT) % {"name": name, "errors": "; ".join(errors[:3])})
    t = document["totals"]
    values = dict(
        province_name=document["province"]["name"], program_name=document["program"]["name"],
        generated_at=parse_datetime(document["generated_at"]), document=document,
        sha256=hashlib.sha256(data).hexdigest(), teachers_to_train=t["teachers_to_train"], exempt=t["exempt"],
        started=t["started"], completed=t["completed"], certified=t["certified"],
        completion_rate=t["completion_rate"], participation_rate=t["participation_rate"],
        practice_pass_rate=_pass_rate(document),
        rural_completion_rate=document["rural_urban"]["rural"]["completion_rate"],
        urban_completion_rate=document["rural_urban"]["urban"]["completion_rate"], loaded_by=actor)
    with transaction.atomic():
        row, created = ProvinceReport.objects.update_or_create(
            province_code=document["province"]["code"], program_code=document["program"]["code"],
            as_of=dt.date.fromisoformat(document["as_of"]), defaults=values)
        audit(actor=actor, action="national.report_load", object_type="provincereport", object_id=str(row.pk),
              province=row.province_code, program=row.program_code, as_of=document["as_of"], replaced=not created)
    return row


COLUMNS = ("province_code", "province_name", "program_name", "as_of", "teachers_to_train", "exempt", "started",
           "completed", "certified", "completion_rate", "participation_rate", "practice_pass_rate",
           "rural_completion_rate", "urban_completion_rate")


def programs() -> list[tuple[str, str]]:
    return list(ProvinceReport.objects.order_by("program_code").values_list("program_code", "program_name")
                .distinct())


def dashboard(program_code: str) -> dict:
    """Every province's latest report for the program, the national totals, and each province's
    completion rate at the last few report dates (one query)."""
    rows = list(ProvinceReport.objects.filter(program_code=program_code).order_by("province_code", "as_of")
                .values(*COLUMNS))
    by_province: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_province[r["province_code"]].append(r)
    latest = [history[-1] for history in by_province.values()]
    dates = sorted({r["as_of"] for r in rows})[-TREND_DATES:]
    trend = []
    for code, history in sorted(by_province.items()):
        at = {r["as_of"]: r["completion_rate"] for r in history}
        previous = history[-2]["completion_rate"] if len(history) > 1 else None
        change = (round(history[-1]["completion_rate"] - previous, 1)
                  if previous is not None and history[-1]["completion_rate"] is not None else None)
        trend.append({"code": code, "name": history[-1]["province_name"], "rates": [at.get(d) for d in dates],
                      "change": change})
    totals = {k: sum(r[k] for r in latest) for k in ("teachers_to_train", "exempt", "started", "completed",
                                                       "certified")}
    totals["completion_rate"] = (round(100 * totals["completed"] / totals["teachers_to_train"], 1)
                                 if totals["teachers_to_train"] else None)
    latest.sort(key=lambda r: (-(r["completion_rate"] or 0), r["province_code"]))
    return {"program_code": program_code, "program_name": rows[-1]["program_name"] if rows else "",
            "provinces": latest, "totals": totals, "dates": dates, "trend": trend}


def province_history(program_code: str, province_code: str) -> list[ProvinceReport]:
    return list(ProvinceReport.objects.filter(program_code=program_code, province_code=province_code)
                .order_by("-as_of"))
