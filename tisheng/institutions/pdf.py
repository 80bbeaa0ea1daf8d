"""The published result of a selection round as a one-page A4 PDF (公示名单): the round, the
selected institutions in order of name, the date and the office. Uses the certificates' CJK font."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from tisheng.certificates.pdf import font_name
from tisheng.institutions.models import Application, SelectionRound


def render_result_pdf(selection: SelectionRound, selected: list[Application], office: str) -> bytes:
    font = font_name()
    buffer = io.BytesIO()
    width, height = A4
    c = Canvas(buffer, pagesize=A4, invariant=1)
    c.setTitle(f"{selection.title} 遴选结果")
    c.setAuthor(office)
    y = height - 80
    c.setFont(font, 18)
    c.drawCentredString(width / 2, y, f"{selection.title}")
    y -= 28
    c.setFont(font, 14)
    c.drawCentredString(width / 2, y, "遴选结果公示")
    y -= 40
    c.setFont(font, 11)
    published = selection.published_at.astimezone().date() if selection.published_at else None
    intro = (f"经机构申报、专家评审和{office}审定，以下 {len(selected)} 家培训机构入选"
             f"“{selection.program.name}”承训机构：")
    for line in _wrap(intro, 40):
        c.drawString(60, y, line)
        y -= 18
    y -= 10
    c.setFont(font, 12)
    for n, a in enumerate(selected, start=1):
        c.drawString(80, y, f"{n}. {a.institution.name}")
        y -= 22
        if y < 120:
            c.showPage()
            c.setFont(font, 12)
            y = height - 80
    y -= 30
    c.setFont(font, 11)
    c.drawRightString(width - 60, y, office)
    if published:
        c.drawRightString(width - 60, y - 18, f"{published.year}年{published.month}月{published.day}日")
    c.showPage()
    c.save()
    return buffer.getvalue()


def _wrap(text: str, per_line: int) -> list[str]:
    return [text[i:i + per_line] for i in range(0, len(text), per_line)] or [""]
