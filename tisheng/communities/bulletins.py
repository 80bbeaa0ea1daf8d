"""A class bulletin (班级简报) as words and as a PDF, from its frozen numbers and the tutor's text."""

from __future__ import annotations

import io
from html import escape as _esc

from tisheng.communities.models import ClassBulletin


def summary(numbers: dict) -> str:
    """The bulletin's opening paragraph, in Chinese, from the numbers alone."""
    text = (f"截至{numbers['day']}，{numbers['class']}（{numbers['program']}）共有学员 {numbers['members']} 人，"
            f"已开始学习 {numbers['started']} 人（{numbers['started_rate']}%），尚未开始 {numbers['not_started']} 人；"
            f"连续 7 天以上未学习 {numbers['idle']} 人。累计网络研修 {numbers['online_hours']:g} 学时，"
            f"人均 {numbers['average_hours']:g} 学时；已达标 {numbers['complete']} 人（{numbers['complete_rate']}%）；"
            f"{numbers['practising']} 人已选择实践能力点，通过能力点 {numbers['points_passed']} 个。")
    return text


def reminders(numbers: dict) -> list[str]:
    out = []
    if numbers.get("not_started_names"):
        out.append("尚未开始学习：" + "、".join(numbers["not_started_names"])
                   + ("等" if numbers["not_started"] > len(numbers["not_started_names"]) else ""))
    if numbers.get("idle_names"):
        out.append("7 天以上未学习：" + "、".join(numbers["idle_names"])
                   + ("等" if numbers["idle"] > len(numbers["idle_names"]) else ""))
    return out


def bulletin_pdf(bulletin: ClassBulletin) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from tisheng.certificates.pdf import font_name

    font = font_name()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=15, leading=21, alignment=1, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    n = bulletin.numbers
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=bulletin.title, author=n.get("organization", ""))
    story = [Paragraph(_esc(bulletin.title), h1),
             Paragraph(_esc(f"{n['organization']} · {n['program']}"), body), Spacer(1, 3 * mm),
             Paragraph("学习进展", h2), Paragraph(_esc(summary(n)), body)]
    table = Table([["学员", "已开始", "未开始", "7天未学", "已达标", "人均学时"],
                   [str(n["members"]), str(n["started"]), str(n["not_started"]), str(n["idle"]),
                    str(n["complete"]), f"{n['average_hours']:g}"]], colWidths=[28 * mm] * 6)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                               ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7"))]))
    story += [Spacer(1, 3 * mm), table]
    for line in reminders(n):
        story.append(Paragraph(_esc(line), body))
    if bulletin.text:
        story.append(Paragraph("辅导教师寄语", h2))
        for para in bulletin.text.splitlines():
            if para.strip():
                story.append(Paragraph(_esc(para.strip()), body))
    doc.build(story)
    return out.getvalue()
