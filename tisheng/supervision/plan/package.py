"""A filed plan as the province sends it to the ministry (MOE opinion 三.1: 各省规划方案报教育部备案):
one JSON file a national instance loads (tisheng.monitoring.national.plans reads it):

    {"kind": "tisheng.province-plan-filing", "format": 1,
     "province": {"code": "35", "name": "福建省"}, "version": 2, "title": …, "filed_on": "2026-12-01",
     "document": {the composed plan: sections, texts, tables of aggregates},
     "pdf": base64, "pdf_sha256": …, "docx": base64, "docx_sha256": …}

Only what the filing already holds: the document is aggregates and the office's text, and the
filer's name stays in the province (the national side learns which office filed, not who)."""

from __future__ import annotations

import base64
import json

from tisheng.supervision.models import PlanFiling

KIND = "tisheng.province-plan-filing"
FORMAT = 1


def filing_package(filing: PlanFiling) -> bytes:
    package = {
        "kind": KIND, "format": FORMAT,
        "province": {"code": filing.region.code, "name": filing.region.name},
        "version": filing.version, "title": filing.title, "filed_on": filing.filed_on.isoformat(),
        "document": filing.document,
        "pdf": base64.b64encode(bytes(filing.pdf)).decode(), "pdf_sha256": filing.pdf_sha256,
        "docx": base64.b64encode(bytes(filing.docx)).decode(), "docx_sha256": filing.docx_sha256,
    }
    return json.dumps(package, ensure_ascii=False).encode()
