"""The plan as PDF (reportlab, with the certificates' CJK font, like the inspection reports) and
as .docx (python-docx, for the office to edit further in a word processor), both from the one
composed document (compose.py), so the two files say the same."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from tisheng.supervision.report import _document, _styles


def _meta(document: dict) -> str:
    return _("%(province)s · composed from the platform's data on %(date)s") % {
        "province": document["province"], "date": document["composed_on"]}


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.splitlines() if p.strip()]


def plan_pdf(document: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import KeepTogether

    font, s = _styles()
    out, doc = _document(document["title"])
    story = [Paragraph(document["title"], s["h1"]), Paragraph(_meta(document), s["body"]), Spacer(1, 4 * mm)]
    width = doc.width
    for n, section in enumerate(document["sections"], start=1):
        story.append(Paragraph(f"{n}. {section['title']}", s["h2"]))
        for paragraph in _paragraphs(section["text"]):
            story.append(Paragraph(paragraph.replace("&", "&amp;").replace("<", "&lt;"), s["body"]))
        for table in section["tables"]:
            rows = [[Paragraph(str(c), s["body"]) for c in table["columns"]]]
            rows += [[Paragraph(str(c).replace("&", "&amp;").replace("<", "&lt;"), s["body"]) for c in row]
                     for row in table["rows"]]
            t = Table(rows, colWidths=[width / len(table["columns"])] * len(table["columns"]), repeatRows=1)
            t.setStyle(TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), font), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(KeepTogether([Spacer(1, 2 * mm), Paragraph(table["caption"], s["body"])]))
            story.append(t)
    doc.build(story)
    return out.getvalue()


def _cjk(run, size: float | None = None) -> None:
    """Word picks the East Asian font from its own attribute; without it Chinese falls back."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = "SimSun"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    if size:
        run.font.size = Pt(size)


def plan_docx(document: dict) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    out = Document()
    out.core_properties.title = document["title"]
    out.core_properties.author = document["province"]
    heading = out.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _cjk(heading.add_run(document["title"]), 16)
    _cjk(out.add_paragraph().add_run(_meta(document)), 10)
    for n, section in enumerate(document["sections"], start=1):
        _cjk(out.add_heading(level=2).add_run(f"{n}. {section['title']}"))
        for paragraph in _paragraphs(section["text"]):
            _cjk(out.add_paragraph().add_run(paragraph), 11)
        for table in section["tables"]:
            _cjk(out.add_paragraph().add_run(table["caption"]), 10)
            grid = out.add_table(rows=1, cols=len(table["columns"]))
            grid.style = "Table Grid"
            for cell, text in zip(grid.rows[0].cells, table["columns"], strict=True):
                _cjk(cell.paragraphs[0].add_run(str(text)), 9)
            for row in table["rows"]:
                cells = grid.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    _cjk(cell.paragraphs[0].add_run(str(text)), 9)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
