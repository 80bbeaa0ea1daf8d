"""The transcript (学时证明): every ledger entry of one teacher in one program, as PDF and
.xlsx, with the teacher's masked ID, the totals, the program's requirement and the
evaluation. Used for qualification re-registration and title evaluation, so it says where
every hour came from and marks reversals.

`transcript_for(enrollment)` gathers the data (two queries); `transcript_pdf` and
`transcript_xlsx` render it. The PDF embeds a CJK TrueType font (WenQuanYi Micro Hei from
Debian's fonts-wqy-microhei, which the Makefile installs).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from tisheng.core import honours
from tisheng.ledger.models import LedgerEntry
from tisheng.programs.completion import Evaluation, evaluate, fmt_hours
from tisheng.programs.models import Enrollment
from tisheng.programs.rules import CATEGORIES, CATEGORY_LABELS, RuleSet

SHANGHAI = ZoneInfo("Asia/Shanghai")
SOURCE_KIND_LABELS = {
    "course": "网络课程",
    "xapi": "培训平台上报",
    "practice_point": "能力点考核",
    "practice": "校本实践",
    "declaration": "外部学时申报",
    "offline": "线下培训",
    "manual": "人工录入",
}
# No "来源编号": the source's id is the ledger's internal record (a course's key, a statement's
# UUID) that no reader can look up; the kind of source, the approver and the note say enough.
HEADER = ("序号", "日期", "类别", "学时", "来源", "核定人", "备注")


@dataclass(frozen=True)
class TranscriptRow:
    number: int
    date: str
    category: str
    hours: str
    source_kind: str
    granted_by: str
    note: str


@dataclass(frozen=True)
class Transcript:
    teacher_name: str
    masked_id: str
    school: str
    program: str
    requirement: list[str]
    rows: list[TranscriptRow]
    totals: list[tuple[str, str]]
    evaluation: Evaluation
    state: str
    generated_at: str
    # Lines higher apps add (tisheng.core.honours): an award counted 视同本级公开课.
    honours: tuple[str, ...] = ()

    @property
    def filename_stem(self) -> str:
        return f"学时证明-{self.teacher_name}-{self.program}"[:80]


def requirement_lines(rules: RuleSet) -> list[str]:
    """The program's requirement in Chinese, one line per rule."""
    lines = [f"总学时不少于 {fmt_hours(rules.required_hours)} 学时（1 学时 = {rules.minutes_per_hour} 分钟）"]
    for category, hours in rules.min_hours.items():
        if hours:
            lines.append(f"{CATEGORY_LABELS[category]}不少于 {fmt_hours(hours)} 学时")
    if rules.min_practice_share:
        lines.append(f"实践应用学时不少于总学时的 {fmt_hours(rules.min_practice_share * 100)}%")
    if rules.max_imported_hours:
        lines.append(f"外部学时至多计 {fmt_hours(rules.max_imported_hours)} 学时")
    if rules.micro_abilities is not None:
        lines.append(f"通过微能力点不少于 {rules.micro_abilities.min_points} 个，"
                     f"覆盖维度不少于 {rules.micro_abilities.min_dimensions} 个")
    return lines


# Hours no person approved: what credited them, as the statement's reader understands it (the
# internal name of the code path, "playback" or "xapi:<institution>", means nothing to them).
PLATFORM_CREDIT = "平台自动计入"
PLATFORM_CREDIT_BY = {"playback": "平台自动计入（视频学习）", "xapi": "平台自动计入（培训平台上报）"}


def _granted_by(entry: LedgerEntry) -> str:
    if entry.granted_by_id:
        return entry.granted_by.name
    return PLATFORM_CREDIT_BY.get(entry.granted_by_system.split(":")[0], PLATFORM_CREDIT)


def transcript_for(enrollment: Enrollment, entries: list[LedgerEntry]) -> Transcript:
    """The transcript of an enrollment fetched through the scope filter (with its program,
    teacher and school) and its ledger entries, oldest first."""
    numbers = {e.pk: i for i, e in enumerate(entries, start=1)}
    reversed_by = {e.reverses_id: e for e in entries if e.reverses_id}
    rows = []
    for i, entry in enumerate(entries, start=1):
        if entry.reverses_id:
            note = f"冲正第 {numbers.get(entry.reverses_id, '?')} 条：{entry.reason}"
        elif entry.pk in reversed_by:
            note = f"已由第 {numbers[reversed_by[entry.pk].pk]} 条冲正"
        else:
            note = entry.reason
        rows.append(TranscriptRow(
            number=i, date=f"{entry.at.astimezone(SHANGHAI):%Y-%m-%d}",
            category=CATEGORY_LABELS.get(entry.category, entry.category), hours=fmt_hours(entry.hours),
            source_kind=SOURCE_KIND_LABELS.get(entry.source_kind, entry.source_kind),
            granted_by=_granted_by(entry), note=note))
    rules = enrollment.program.ruleset
    evaluation = evaluate(enrollment)
    totals = [(CATEGORY_LABELS[c], fmt_hours(evaluation.counted[c])) for c in CATEGORIES
              if evaluation.raw[c] or rules.min_hours.get(c)]
    totals.append(("合计（计入）", fmt_hours(evaluation.total)))
    teacher = enrollment.teacher
    return Transcript(
        teacher_name=teacher.name, masked_id=teacher.national_id_masked,
        school=teacher.school.name, program=enrollment.program.name,
        requirement=requirement_lines(rules), rows=rows, totals=totals, evaluation=evaluation,
        state=enrollment.get_state_display(),
        generated_at=f"{timezone.now().astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
        honours=tuple(f"{h.date:%Y-%m-%d} {h.title}（{h.counts_as}）" for h in honours.honours_for(teacher)))


# PDF ------------------------------------------------------------------------------------

def transcript_pdf(t: Transcript) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from tisheng.certificates.pdf import font_name

    font = font_name()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1, spaceAfter=6)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"学时证明 {t.teacher_name}", author="tisheng")
    story = [
        Paragraph("学时证明", title),
        Paragraph(f"姓名：{t.teacher_name}　　身份证号：{t.masked_id}", body),
        Paragraph(f"学校：{t.school}", body),
        Paragraph(f"项目：{t.program}　　状态：{t.state}", body),
        Spacer(1, 4 * mm),
        Paragraph("项目要求：" + "；".join(t.requirement), body),
        Spacer(1, 4 * mm),
    ]
    data = [list(HEADER)] + [
        [str(r.number), r.date, r.category, r.hours, r.source_kind,
         Paragraph(r.granted_by, small), Paragraph(r.note, small)] for r in t.rows]
    if not t.rows:
        data.append(["", "", "", "", "暂无学时记录", "", ""])
    widths = [10 * mm, 20 * mm, 18 * mm, 13 * mm, 24 * mm, 32 * mm, 63 * mm]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (3, 1), (3, -1), "RIGHT"),
    ]))
    story += [table, Spacer(1, 4 * mm),
              Paragraph("学时合计：" + "，".join(f"{k} {v}" for k, v in t.totals) + " 学时", body),
              Paragraph(f"评估结果：{t.evaluation.explanation}", body),
              *[Paragraph(f"荣誉：{line}", body) for line in t.honours],
              Spacer(1, 6 * mm),
              Paragraph(f"本证明由福建省中小学教师信息技术应用能力提升工程管理平台根据学时台账生成，生成时间 {t.generated_at}。", small)]
    doc.build(story)
    return out.getvalue()


# .xlsx ----------------------------------------------------------------------------------


def transcript_xlsx(t: Transcript) -> bytes:
    from openpyxl.styles import Font

    from tisheng.core.tabular import BOLD, XlsxBook

    book = XlsxBook(title="学时证明", widths=(10, 12, 10, 8, 14, 20, 50))
    book.append(["学时证明"], font=Font(bold=True, size=14))
    for label, value in (("姓名", t.teacher_name), ("身份证号", t.masked_id), ("学校", t.school),
                         ("项目", t.program), ("状态", t.state), ("项目要求", "；".join(t.requirement)),
                         ("生成时间", t.generated_at)):
        book.append([label, value])
    book.append([])
    book.append(list(HEADER), font=BOLD)
    for r in t.rows:
        book.append([r.number, r.date, r.category, Decimal(r.hours), r.source_kind, r.granted_by, r.note])
    book.append([])
    for label, value in t.totals:
        book.append([label, Decimal(value)])
    book.append(["评估结果", t.evaluation.explanation])
    return book.to_bytes()
