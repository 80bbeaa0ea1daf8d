"""学时证明: a signed, printable statement of a teacher's continuing-education hours over one
cycle or a date range, built from the registry (tisheng.ledger.registry) and verifiable on the
public verify page like the certificates.

Only hours that count are stated: standing ledger credits and verified outside records dated
inside the period. The totals per level and per category, the period, the holder's masked ID
and the issuer are copied to the row and signed (the payload's "kind" is "hours"), so the page
and the QR code can be held to what was issued. Numbers are gap-free per county and year
(`XS2026-350102-000001`), taken under the same row lock as the certificates'.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.services import audit
from tisheng.certificates import signing
from tisheng.certificates.models import CertificateSequence, HoursCertificate
from tisheng.ledger import registry
from tisheng.ledger.models import HoursCycle
from tisheng.notifications.services import notify
from tisheng.people.models import Teacher

HOURS_PERIOD_INVALID = _("Choose a cycle, or a start date before the end date and not in the future.")
HOURS_NONE_IN_PERIOD = _("There are no counted hours in this period to certify.")
ISSUER = "福建省中小学教师继续教育学时管理平台"


def _fmt(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _next_number(org_path: str, year: int) -> str:
    parts = org_path.split("/")
    county = parts[2] if len(parts) > 2 else parts[-1]
    prefix = f"XS{year}-{county}"
    seq, _created = CertificateSequence.objects.select_for_update().get_or_create(prefix=prefix)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}-{seq.last:06d}"


def hours_certificate_issue(*, actor, teacher: Teacher, cycle: HoursCycle | None = None,
                            start: dt.date | None = None, end: dt.date | None = None) -> HoursCertificate:
    """Issue a 学时证明 for `cycle`, or for `start`..`end`, to a teacher the caller fetched
    through the scope filter. ValidationError for a bad period or one with no counted hours."""
    today = timezone.localdate()
    if cycle is not None:
        start, end, period_name = cycle.start_date, min(cycle.end_date, today), cycle.name
    else:
        period_name = ""
    if start is None or end is None or start > end or start > today:
        raise ValidationError(HOURS_PERIOD_INVALID)
    end = min(end, today)
    rows = [r for r in registry.registry_rows(teacher) if r.counts and start <= r.date <= end]
    if not rows:
        raise ValidationError(HOURS_NONE_IN_PERIOD)
    by_level: dict[str, Decimal] = {}
    by_category: dict[str, Decimal] = {}
    for r in rows:
        by_level[r.level_label] = by_level.get(r.level_label, Decimal(0)) + r.hours
        by_category[r.category_label] = by_category.get(r.category_label, Decimal(0)) + r.hours
    total = sum((r.hours for r in rows), Decimal(0))
    detail = {
        "level": [[k, _fmt(v)] for k, v in by_level.items()],
        "category": [[k, _fmt(v)] for k, v in by_category.items()],
        "rows": [[f"{r.date:%Y-%m-%d}", r.title, r.category_label, r.level_label, _fmt(r.hours), r.source]
                 for r in rows],
        "required": _fmt(cycle.required_hours) if cycle is not None else "",
    }
    with transaction.atomic():
        now = timezone.now()
        number = _next_number(teacher.org_path, timezone.localtime(now).year)
        id_masked = teacher.national_id_masked
        payload = {"no": number, "kind": "hours", "name": teacher.name, "id": id_masked, "from": f"{start}",
                   "to": f"{end}", "h": _fmt(total), "d": timezone.localtime(now).date().isoformat(),
                   "lv": detail["level"], "ct": detail["category"], "iss": ISSUER}
        certificate = HoursCertificate(
            number=number, teacher=teacher, teacher_name=teacher.name, id_masked=id_masked,
            school_name=teacher.school.name, period_name=period_name, start_date=start, end_date=end, hours=total,
            detail=detail, issuer=ISSUER, org_path=teacher.org_path, issued_at=now,
            issued_by=actor if actor is not None and actor.pk else None, signed=signing.sign_payload(payload))
        certificate.full_clean()
        certificate.save()
        audit(actor=actor, action="certificates.hours_issue", obj=certificate, number=number,
              teacher=teacher.pk, hours=_fmt(total), period=certificate.period_label)
        if teacher.user_id and (actor is None or actor.pk != teacher.user_id):
            from django.urls import reverse

            notify(teacher, "certificate_issued",
                   f"已为您开具继续教育学时证明 {number}",
                   f"{certificate.period_label}，计 {_fmt(total)} 学时。", url=reverse("ledger:my_registry"))
    return certificate


def render_hours_pdf(cert: HoursCertificate) -> bytes:
    """A4 portrait: the holder, the period, the totals per level and category, every counted
    record, the issuer, and the QR code of the signed summary with the verify address."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import Flowable

    from tisheng.certificates.pdf import draw_qr, font_name

    font = font_name()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=10, wordWrap="CJK")

    class QR(Flowable):
        def __init__(self, text: str, side: float):
            super().__init__()
            self.text, self.side = text, side
            self.width = self.height = side

        def draw(self) -> None:
            draw_qr(self.canv, self.text, 0, 0, self.side)

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=f"{cert.name} {cert.number}", author=cert.issuer,
                            subject=cert.verification_string, keywords=cert.verification_string,
                            creator="tisheng", invariant=1)
    totals = "，".join(f"{k} {v}" for k, v in cert.detail.get("level", []))
    categories = "，".join(f"{k} {v}" for k, v in cert.detail.get("category", []))
    required = cert.detail.get("required")
    story = [
        Paragraph(cert.name, title),
        Paragraph(f"证明编号：{cert.number}　　验证码：{cert.verify_code_display}", small),
        Spacer(1, 4 * mm),
        Paragraph(f"兹证明 {cert.teacher_name}（身份证号 {cert.id_masked}，{cert.school_name}）"
                  f"在 {cert.period_label} 期间参加继续教育，计入学时 {_fmt(cert.hours)} 学时"
                  + (f"（周期应修 {required} 学时）" if required else "") + "。", body),
        Paragraph(f"按级别：{totals}。", body),
        Paragraph(f"按类别：{categories}。", body),
        Spacer(1, 4 * mm),
    ]
    data = [["日期", "培训", "类别", "级别", "学时", "来源"]] + [
        [r[0], Paragraph(r[1], small), r[2], r[3], r[4], Paragraph(r[5], small)] for r in cert.detail.get("rows", [])]
    table = Table(data, colWidths=[20 * mm, 58 * mm, 26 * mm, 14 * mm, 12 * mm, 48 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (4, 1), (4, -1), "RIGHT"),
    ]))
    issued = timezone.localtime(cert.issued_at)
    story += [table, Spacer(1, 6 * mm),
              Table([[QR(cert.verification_string, 40 * mm),
                      Paragraph(f"{cert.issuer}<br/>{issued.year}年{issued.month}月{issued.day}日<br/><br/>"
                                f"扫码或访问 {cert.verify_url} 验证本证明。", body)]],
                    colWidths=[46 * mm, 130 * mm], style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")])]
    doc.build(story)
    return out.getvalue()
