"""The inspection report of one unit and the summary of a round, as data for the HTML page and
as PDF (reportlab with the certificates' CJK font, like monitoring's bulletins).

A round's summary reads the round's inspections, their findings and their items in three
queries, whatever the number of units."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict

from tisheng.supervision.models import Finding, Grade, Inspection, Rectification, Round
from tisheng.supervision.rubric import METRICS, meets_target


def _figure(value) -> str:
    return "—" if value is None else f"{value}%"


def inspection_rows(inspection: Inspection, findings: list[Finding]) -> list[dict]:
    """One row per indicator: the platform figure, the target, the finding."""
    by_code = {f.indicator: f for f in findings}
    rows = []
    for indicator in inspection.round.indicators:
        value = inspection.figures.get(indicator["metric"]) if indicator["metric"] else None
        finding = by_code.get(indicator["code"])
        rows.append({"indicator": indicator, "metric_label": METRICS.get(indicator["metric"], ""),
                     "value": value, "meets": meets_target(indicator, value), "finding": finding})
    return rows


def round_summary(round_: Round, *, on: dt.date) -> dict:
    inspections = list(round_.inspections.prefetch_related("inspectors").order_by("unit_path"))
    grades: dict[int, dict[str, str]] = defaultdict(dict)
    for inspection_id, indicator, grade in Finding.objects.filter(inspection__round=round_).values_list(
            "inspection_id", "indicator", "grade"):
        grades[inspection_id][indicator] = grade
    items: dict[int, Counter] = defaultdict(Counter)
    for inspection_id, status, deadline in Rectification.objects.filter(inspection__round=round_).values_list(
            "inspection_id", "status", "deadline"):
        counts = items[inspection_id]
        counts["total"] += 1
        counts[status] += 1
        if status in (Rectification.Status.OPEN, Rectification.Status.REOPENED) and deadline < on:
            counts["overdue"] += 1
    units = []
    for i in inspections:
        counts = items[i.pk]
        units.append({"inspection": i, "inspectors": [u.name for u in i.inspectors.all()],
                      "grades": [grades[i.pk].get(ind["code"], "") for ind in round_.indicators],
                      "items": counts["total"], "accepted": counts[Rectification.Status.ACCEPTED],
                      "answered": counts[Rectification.Status.ANSWERED], "overdue": counts["overdue"]})
    grade_counts = Counter(i.grade for i in inspections if i.grade)
    return {
        "round": round_, "units": units, "total": len(inspections),
        "graded": sum(1 for i in inspections if i.status == Inspection.Status.GRADED),
        "grades": [(g, Grade(g).label, grade_counts.get(g, 0)) for g in Grade.values],
        "items": sum(u["items"] for u in units), "accepted": sum(u["accepted"] for u in units),
        "overdue": sum(u["overdue"] for u in units),
    }


def _styles():
    from reportlab.lib.styles import ParagraphStyle

    from tisheng.certificates.pdf import font_name

    font = font_name()
    return font, {
        "h1": ParagraphStyle("h1", fontName=font, fontSize=15, leading=21, alignment=1, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK"),
    }


def _table(rows: list[list], widths: list[float], font: str):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _document(title: str):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author="tisheng")
    return out, doc


def inspection_pdf(inspection: Inspection, findings: list[Finding], items: list[Rectification]) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    round_ = inspection.round
    title = f"{round_.title} · {inspection.unit_name}督导报告"
    font, s = _styles()
    out, doc = _document(title)
    grade = Grade(inspection.grade).label if inspection.grade else "未评定"
    story = [Paragraph(title, s["h1"]), Paragraph(
        f"督导期 {round_.starts_on} 至 {round_.ends_on}；平台数据截至 {round_.figures_day or '—'}；"
        f"综合评定：{grade}。", s["body"])]
    if inspection.summary:
        story += [Paragraph("督导意见", s["h2"]), Paragraph(inspection.summary, s["body"])]
    rows = [["指标", "平台数据", "目标", "评定", "意见"]]
    for row in inspection_rows(inspection, findings):
        f = row["finding"]
        rows.append([Paragraph(row["indicator"]["name"], s["body"]), _figure(row["value"]),
                     "—" if row["indicator"]["target"] is None else f"{row['indicator']['target']:g}%",
                     Grade(f.grade).label if f else "—", Paragraph(f.comment if f else "", s["body"])])
    story += [Paragraph("指标评定", s["h2"]), _table(rows, [48 * mm, 20 * mm, 16 * mm, 16 * mm, 78 * mm], font)]
    if items:
        rows = [["整改事项", "责任人", "期限", "状态"]] + [
            [Paragraph(i.description, s["body"]), i.owner.name, str(i.deadline), str(i.get_status_display())]
            for i in items]
        story += [Paragraph("整改事项", s["h2"]), _table(rows, [100 * mm, 28 * mm, 25 * mm, 25 * mm], font)]
    doc.build(story)
    return out.getvalue()


def round_pdf(summary: dict) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    round_ = summary["round"]
    title = f"{round_.title}督导情况汇总"
    font, s = _styles()
    out, doc = _document(title)
    grades = "，".join(f"{label} {n} 个" for _g, label, n in summary["grades"])
    story = [Paragraph(title, s["h1"]), Paragraph(
        f"共督导 {summary['total']} 个单位，已评定 {summary['graded']} 个（{grades}）；整改事项 {summary['items']} 项，"
        f"已验收 {summary['accepted']} 项，逾期未整改 {summary['overdue']} 项。", s["body"])]
    rows = [["单位", "督导人员", "综合评定", "整改", "已验收", "逾期"]]
    for u in summary["units"]:
        i = u["inspection"]
        rows.append([Paragraph(i.unit_name, s["body"]), Paragraph("、".join(u["inspectors"]) or "—", s["body"]),
                     Grade(i.grade).label if i.grade else "未评定", str(u["items"]), str(u["accepted"]),
                     str(u["overdue"])])
    story += [Paragraph("各单位情况", s["h2"]),
              _table(rows, [50 * mm, 45 * mm, 22 * mm, 18 * mm, 18 * mm, 18 * mm], font)]
    doc.build(story)
    return out.getvalue()
