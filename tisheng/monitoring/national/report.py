"""A province's report to the ministry: the figures the ministry monitors for one program at a
date, built from the monitoring roll-ups only (the province's node and its cities), so nothing
below the level of a city crosses the province boundary: no teacher, no school, no name, no ID.

`national_report(program, on=date)` reads the roll-up rows of the latest refreshed day on or
before the date (two queries: the day, then the province's and its cities' rows). A program that
was never rolled up is computed in memory from the teacher rows (monitoring's `compute`), the
same numbers the refresh would store. At province scale the roll-up path is milliseconds; the
in-memory path is the refresh's few seconds.

The document's shape is published as a JSON Schema (schema/national-report.schema.json, served
at /national/schema.json); `report_validate` is what a national instance runs on what it loads.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from tisheng.diagnostics.models import MicroDimension
from tisheng.monitoring.models import NodeKind, Rollup, RollupRun
from tisheng.orgs.models import Region
from tisheng.programs.models import Program

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "national-report.schema.json"
NUMBER_FIELDS = ("enrolled", "exempt", "selected", "started", "complete", "approved", "certified", "returned",
                 "points_passed", "points_excellent", "online_hours", "practice_hours", "offline_hours",
                 "imported_hours", "schools")


class NoNumbers(ValueError):
    """The program has no roll-up on or before the date and no enrollment to compute one from."""


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _hours(value) -> float:
    return float(Decimal(value or 0).quantize(Decimal("0.01")))


def _rows(program: Program, province: Region, on: dt.date) -> tuple[dt.date, dict, list[dict]]:
    day = (RollupRun.objects.filter(program=program, kind=RollupRun.Kind.REFRESH, finished_at__isnull=False,
                                    day__lte=on).order_by("-day").values_list("day", flat=True).first())
    fields = ("node_path", "name", "detail", *NUMBER_FIELDS)
    if day is not None:
        rows = list(Rollup.objects.filter(program=program, day=day).filter(
            Q(node_path=province.path) | Q(parent_path=province.path, node_kind=NodeKind.CITY)).values(*fields))
        top = next((r for r in rows if r["node_path"] == province.path), None)
        if top is not None:
            return day, top, sorted((r for r in rows if r["node_path"] != province.path), key=lambda r: r["node_path"])
    from tisheng.monitoring.services.rollups import compute, today

    nodes = compute(program)
    if province.path not in nodes:
        raise NoNumbers(program.code)

    def flat(path: str, node: dict) -> dict:
        return {"node_path": path, "name": node["name"], "detail": {
            "dimensions": dict(node["dimensions"]), "rural": node["rural"], "urban": node["urban"]},
            **{f: node[f] for f in NUMBER_FIELDS}}

    cities = [flat(p, n) for p, n in sorted(nodes.items()) if n["kind"] == NodeKind.CITY
              and n["parent_path"] == province.path]
    return today(), flat(province.path, nodes[province.path]), cities


def _block(row: dict) -> dict:
    base = row["enrolled"] - row["exempt"]
    return {
        "teachers_enrolled": row["enrolled"], "teachers_to_train": base, "exempt": row["exempt"],
        "selected": row["selected"], "started": row["started"], "completed": row["complete"],
        "approved": row["approved"], "certified": row["certified"], "returned": row["returned"],
        "participation_rate": _rate(row["started"], base), "completion_rate": _rate(row["complete"], base),
        "certification_rate": _rate(row["certified"], base),
    }


def _side(numbers: dict) -> dict:
    base = numbers.get("enrolled", 0) - numbers.get("exempt", 0)
    return {"schools": numbers.get("schools", 0), "teachers_to_train": base, "exempt": numbers.get("exempt", 0),
            "started": numbers.get("started", 0), "completed": numbers.get("complete", 0),
            "completion_rate": _rate(numbers.get("complete", 0), base),
            "online_hours": _hours(numbers.get("online_hours")), "practice_hours": _hours(numbers.get("practice_hours"))}


def national_report(program: Program, *, on: dt.date | None = None, province: Region | None = None) -> dict:
    """The report document (a dict that validates against the published schema)."""
    from tisheng.monitoring.services.rollups import today

    on = on or today()
    province = province or Region.objects.filter(level="province").order_by("path").first()
    day, top, cities = _rows(program, province, on)
    dimensions = (top["detail"] or {}).get("dimensions", {})
    practice = []
    for dimension in MicroDimension.values:
        passed, excellent, assessed = (list(dimensions.get(dimension, [0, 0, 0])) + [0, 0, 0])[:3]
        practice.append({"dimension": dimension, "assessed": assessed, "passed": passed, "excellent": excellent,
                         "pass_rate": _rate(passed, assessed), "excellent_rate": _rate(excellent, assessed)})
    return {
        "schema_version": SCHEMA_VERSION,
        "province": {"code": province.code, "name": province.name},
        "program": {"code": program.code, "name": program.name, "start_date": program.start_date.isoformat(),
                    "end_date": program.end_date.isoformat()},
        "as_of": day.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "totals": {**_block(top), "schools": top["schools"],
                   "hours": {k: _hours(top[f"{k}_hours"]) for k in ("online", "practice", "offline", "imported")}},
        "practice": {"points_passed": top["points_passed"], "points_excellent": top["points_excellent"],
                     "dimensions": practice},
        "rural_urban": {side: _side((top["detail"] or {}).get(side, {})) for side in ("rural", "urban")},
        "cities": [{"code": c["node_path"].rsplit("/", 1)[-1], "name": c["name"], **_block(c)} for c in cities],
    }


def report_validate(document: dict) -> list[str]:
    """Every way `document` breaks the published schema (empty when it is valid)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(document)'}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))]


def report_xlsx(document: dict) -> bytes:
    """The same figures as a workbook: a summary sheet, practice by dimension, rural/urban, cities
    (through the shared writer: names from the org tree are written as text, never formulas)."""
    from openpyxl.styles import Font

    from tisheng.core.tabular import XlsxBook

    bold = Font(bold=True)
    book = XlsxBook(title="汇总", widths=[18, 28])
    t = document["totals"]
    rows = [("省份", document["province"]["name"]), ("省份代码", document["province"]["code"]),
            ("项目", document["program"]["name"]), ("数据日期", document["as_of"]), ("生成时间", document["generated_at"]),
            ("参训学校数", t["schools"]), ("应训教师数", t["teachers_to_train"]), ("免训人数", t["exempt"]),
            ("已开始学习", t["started"]), ("已达标", t["completed"]), ("审核通过", t["approved"]),
            ("已发证", t["certified"]), ("参训率（%）", t["participation_rate"]), ("达标率（%）", t["completion_rate"]),
            ("发证率（%）", t["certification_rate"]), ("网络研修学时", t["hours"]["online"]),
            ("实践应用学时", t["hours"]["practice"]), ("线下培训学时", t["hours"]["offline"]),
            ("认定学时", t["hours"]["imported"])]
    for row in rows:
        book.append(row)

    def sheet(title: str, header: list[str], data: list[list]) -> None:
        book.add_sheet(title=title)
        book.append(header, font=bold)
        for row in data:
            book.append(row)

    sheet("实践测评", ["维度", "已测评", "合格及以上", "优秀", "合格率（%）", "优秀率（%）"],
          [[d["dimension"], d["assessed"], d["passed"], d["excellent"], d["pass_rate"], d["excellent_rate"]]
           for d in document["practice"]["dimensions"]])
    sheet("城乡", ["类别", "学校数", "应训", "免训", "已开始", "已达标", "达标率（%）"],
          [[label, s["schools"], s["teachers_to_train"], s["exempt"], s["started"], s["completed"], s["completion_rate"]]
           for label, s in (("城镇", document["rural_urban"]["urban"]), ("乡村", document["rural_urban"]["rural"]))])
    sheet("各市", ["代码", "名称", "应训", "免训", "已开始", "已达标", "已发证", "达标率（%）"],
          [[c["code"], c["name"], c["teachers_to_train"], c["exempt"], c["started"], c["completed"], c["certified"],
            c["completion_rate"]] for c in document["cities"]])
    return book.to_bytes()
