"""Bulletins (通报): each level's periodic report, built from the same roll-up rows the dashboard
shows (so their numbers match), archived with its HTML and PDF.

`bulletin_issue` builds one on demand; `bulletins_issue_due` is the schedule (run by
run-periodic): every week, on BULLETIN_WEEKDAY, one per program for the province, each city and
each county that has numbers, at most once per ISO week."""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ExpressionWrapper, F, FloatField
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tisheng.accounts.models import AuditAction
from tisheng.accounts.services import audit
from tisheng.core import storage_files
from tisheng.monitoring.models import Bulletin, NodeKind, Rollup
from tisheng.monitoring.sections import bulletin_sections
from tisheng.monitoring.selectors import latest_refresh, plan_points
from tisheng.monitoring.services.rollups import SHANGHAI
from tisheng.programs.models import Program

LAGGING_COUNT = 5
TOP_SCHOOLS = 10
MIN_SCHOOL_BASE = 10  # a school with fewer teachers to train (or none complete) is not ranked among the top
NO_NUMBERS = "No numbers for this unit yet: refresh the roll-ups first."


class BulletinError(Exception):
    pass


def _rate(complete: int, base: int) -> float:
    return round(100 * complete / base, 1) if base else 0.0


def bulletin_numbers(program: Program, node_path: str) -> dict:
    """Everything a bulletin says, from the latest roll-up rows (JSON-able)."""
    run = latest_refresh(program)
    node = Rollup.objects.filter(program=program, day=run.day, node_path=node_path).first() if run else None
    if node is None:
        raise BulletinError(NO_NUMBERS)
    previous = (Bulletin.objects.filter(program=program, node_path=node_path).order_by("-created_at")
                .values_list("numbers", flat=True).first())
    before = {c["path"]: c["rate"] for c in (previous or {}).get("children", [])}
    children = []
    for child in Rollup.objects.filter(program=program, day=run.day, parent_path=node_path):
        rate = _rate(child.complete, child.base)
        children.append({"path": child.node_path, "name": child.name, "kind": child.node_kind, "base": child.base,
                         "started": child.started, "complete": child.complete, "approved": child.approved,
                         "rate": rate, "online_hours": float(child.online_hours),
                         "practice_hours": float(child.practice_hours),
                         "change": round(rate - before[child.node_path], 1) if child.node_path in before else None})
    children.sort(key=lambda c: (-c["rate"], c["path"]))
    for rank, child in enumerate(children, start=1):
        child["rank"] = rank
    average = _rate(node.complete, node.base)
    lagging = [c for c in sorted(children, key=lambda c: (c["rate"], c["path"])) if c["rate"] < average]
    schools = (Rollup.objects.filter(program=program, day=run.day, node_kind=NodeKind.SCHOOL,
                                     node_path__startswith=node_path + "/")
               .annotate(base_count=F("enrolled") - F("exempt"))
               .filter(base_count__gte=MIN_SCHOOL_BASE, complete__gt=0)
               .annotate(rate=ExpressionWrapper(F("complete") * 1.0 / F("base_count"), output_field=FloatField()))
               .order_by("-rate", "-complete", "node_path")[:TOP_SCHOOLS])
    today = timezone.now().astimezone(SHANGHAI).date().isoformat()
    plan = [p for p in plan_points(program) if p["day"] >= today[:4]]
    return {
        "program": program.name, "node": {"path": node.node_path, "name": node.name, "kind": node.node_kind},
        "day": run.day.isoformat(), "refreshed_at": run.finished_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "totals": {"base": node.base, "enrolled": node.enrolled, "exempt": node.exempt, "selected": node.selected,
                   "started": node.started, "complete": node.complete, "approved": node.approved,
                   "certified": node.certified, "returned": node.returned, "rate": average,
                   "online_hours": float(node.online_hours), "practice_hours": float(node.practice_hours),
                   "points_passed": node.points_passed, "points_excellent": node.points_excellent},
        "plan_share": round(100 * plan[0]["share"], 1) if plan else None,
        "children": children,
        "lagging": lagging[:LAGGING_COUNT],
        "top_schools": [{"name": s.name, "path": s.node_path, "base": s.base_count, "complete": s.complete,
                         "rate": round(100 * s.rate, 1)} for s in schools],
        # Other apps' tables (tisheng.monitoring.sections), e.g. the institutions' ranking.
        "sections": bulletin_sections(program, node_path),
    }


def _title(numbers: dict, day: dt.date) -> str:
    return f"{numbers['node']['name']}{numbers['program']}培训进展通报（{day:%Y年%-m月%-d日}）"


def bulletin_pdf(numbers: dict, title: str) -> bytes:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from tisheng.certificates.pdf import font_name

    font = font_name()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=15, leading=21, alignment=1, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    t = numbers["totals"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author="tisheng")
    story = [Paragraph(title, h1), Paragraph(_summary(numbers), body)]
    children = numbers["children"]
    if children:
        shown = children[:25]
        drawing = Drawing(178 * mm, max(40, 7 * len(shown)) * mm / 1.6)
        chart = HorizontalBarChart()
        chart.x, chart.y = 45 * mm, 5 * mm
        chart.width, chart.height = 125 * mm, drawing.height - 10 * mm
        chart.data = [[c["rate"] for c in reversed(shown)]]
        chart.categoryAxis.categoryNames = [c["name"][:14] for c in reversed(shown)]
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
        chart.valueAxis.labels.fontSize = 7
        chart.bars[0].fillColor = colors.HexColor("#1f5f9f")
        drawing.add(chart)
        story += [Paragraph("各单位达标率（%）", h2), drawing, Paragraph("各单位进展", h2)]
        rows = [["排名", "单位", "应训", "已开始", "已达标", "达标率", "较上期"]] + [
            [str(c["rank"]), Paragraph(c["name"], body), f"{c['base']:,}", f"{c['started']:,}", f"{c['complete']:,}",
             f"{c['rate']}%", "—" if c["change"] is None else f"{c['change']:+}"] for c in children]
        table = Table(rows, colWidths=[12 * mm, 62 * mm, 20 * mm, 20 * mm, 20 * mm, 18 * mm, 18 * mm], repeatRows=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
            ("ALIGN", (2, 1), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(table)
    if numbers["lagging"]:
        story += [Paragraph("进度滞后单位", h2), Paragraph(
            "以下单位达标率低于本级平均（" + f"{t['rate']}%）：" + "；".join(
                f"{c['name']}（{c['rate']}%，应训 {c['base']:,} 人，已达标 {c['complete']:,} 人）"
                for c in numbers["lagging"]) + "。请督促加快进度。", body)]
    if numbers["top_schools"]:
        story += [Paragraph("达标率领先的学校", h2), Paragraph("；".join(
            f"{i}. {s['name']}（{s['rate']}%）" for i, s in enumerate(numbers["top_schools"], start=1)) + "。", body)]
    for section in numbers.get("sections", []):
        story += [Paragraph(section["title"], h2)]
        if section["intro"]:
            story.append(Paragraph(section["intro"], body))
        rows = [section["columns"]] + [[Paragraph(str(c), body) for c in row] for row in section["rows"]]
        widths = [w * mm for w in section["widths"]] or None
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(table)
        if section["note"]:
            story.append(Paragraph(section["note"], body))
    story += [Spacer(1, 6 * mm), Paragraph(
        f"数据来源：提升工程管理平台监测数据，截至 {numbers['refreshed_at']}。", body)]
    doc.build(story)
    return out.getvalue()


def _summary(numbers: dict) -> str:
    t = numbers["totals"]
    text = (f"截至 {numbers['refreshed_at']}，{numbers['node']['name']}应训教师 {t['base']:,} 人"
            f"（另免训 {t['exempt']:,} 人），已开始学习 {t['started']:,} 人，已达标 {t['complete']:,} 人，"
            f"达标率 {t['rate']}%；已审核通过 {t['approved']:,} 人，已发证 {t['certified']:,} 人。"
            f"累计网络研修 {t['online_hours']:,.0f} 学时，实践应用 {t['practice_hours']:,.0f} 学时。")
    if numbers["plan_share"] is not None:
        text += f"按年度计划，本年度末累计应达标 {numbers['plan_share']}%。"
    return text


def bulletin_issue(*, program: Program, node_path: str, actor=None, period: str = "") -> Bulletin:
    """Build, render and archive one bulletin (actor None: the schedule)."""
    numbers = bulletin_numbers(program, node_path)
    day = dt.date.fromisoformat(numbers["day"])
    title = _title(numbers, day)
    with translation.override(settings.LANGUAGE_CODE):
        chart_rows = numbers["children"][:40]
        html = render_to_string("monitoring/_bulletin_body.html", {
            "numbers": numbers, "title": title, "summary": _summary(numbers), "chart_rows": chart_rows,
            "chart_height": 10 * (len(chart_rows) + 1)})
    pdf = bulletin_pdf(numbers, title)
    stamp = timezone.now().astimezone(SHANGHAI)
    relative = f"bulletins/{program.pk}/{node_path.replace('/', '-')}-{stamp:%Y%m%d%H%M%S%f}.pdf"
    # In the private file store (core/storage_files.py), saved before the row that points at it.
    relative = storage_files.save(relative, pdf, actor=actor, scope_path=node_path)
    with storage_files.discarded_on_error(relative), transaction.atomic():
        bulletin = Bulletin.objects.create(program=program, node_path=node_path, node_kind=numbers["node"]["kind"],
                                           name=numbers["node"]["name"], title=title, day=day, period=period,
                                           numbers=numbers, html=html, pdf_file=relative, created_by=actor)
        audit(actor=actor, action=AuditAction.EXPORTED, object_type="bulletin", object_id=str(bulletin.pk),
              scope_path=node_path, program=program.code, period=period)
    return bulletin


def bulletins_issue_due(*, now: dt.datetime | None = None) -> list[Bulletin]:
    """The weekly schedule: on BULLETIN_WEEKDAY (0 = Monday), one bulletin per program for the
    province, each city and each county with numbers, unless this ISO week's is already out."""
    now = (now or timezone.now()).astimezone(SHANGHAI)
    if now.weekday() != settings.BULLETIN_WEEKDAY:
        return []
    year, week, _day = now.isocalendar()
    period = f"{year}-W{week:02d}"
    issued = []
    for program in Program.objects.order_by("pk"):
        run = latest_refresh(program)
        if run is None:
            continue
        done = set(Bulletin.objects.filter(program=program, period=period).values_list("node_path", flat=True))
        nodes = (Rollup.objects.filter(program=program, day=run.day).exclude(node_kind=NodeKind.SCHOOL)
                 .exclude(node_path__in=done).values_list("node_path", flat=True))
        for node_path in nodes:
            try:
                issued.append(bulletin_issue(program=program, node_path=node_path, period=period))
            except IntegrityError:  # another worker issued it meanwhile
                continue
    return issued
