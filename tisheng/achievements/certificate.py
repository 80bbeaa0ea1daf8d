"""The award certificate (获奖证书): A4 landscape in the certificates' frame and font, with the
QR code of the signed facts (tisheng.certificates.signing, payload kind "award") and the public
verify address, so it is checked like every other certificate of the platform."""

from __future__ import annotations

import io

from django.utils import timezone

from tisheng.achievements.models import Nomination
from tisheng.achievements.services import issuer_name
from tisheng.certificates import codes, signing
from tisheng.certificates.pdf import GOLD, GREY, INK, RED, draw_qr, font_name


def verification_string(n: Nomination) -> str:
    return signing.verification_string(n.verify_url, n.signed)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for ch in text:
        if stringWidth(line + ch, font, size) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    return [*lines, line] if line else lines


def render_award_pdf(n: Nomination) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    r = n.round
    font = font_name()
    width, height = landscape(A4)
    out = io.BytesIO()
    text = verification_string(n)
    c = Canvas(out, pagesize=(width, height), invariant=1, pageCompression=1)
    c.setTitle(f"获奖证书 {n.certificate_number}")
    c.setAuthor(issuer_name(r))
    c.setSubject(text)
    c.setKeywords(text)
    c.setCreator("tisheng")
    c.setStrokeColor(RED)
    c.setLineWidth(6)
    c.rect(22, 22, width - 44, height - 44)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.5)
    c.rect(34, 34, width - 68, height - 68)
    c.setFillColor(RED)
    c.setFont(font, 34)
    c.drawCentredString(width / 2, height - 120, "获 奖 证 书")
    c.setFillColor(GREY)
    c.setFont(font, 11)
    c.drawRightString(width - 70, height - 62, f"证书编号：{n.certificate_number}")
    c.drawRightString(width - 70, height - 78, f"验证码：{codes.display(n.verify_code)}")
    c.setFillColor(INK)
    size = 19
    c.setFont(font, size)
    who = n.teacher.name if n.teacher else n.unit_name
    c.drawString(100, height - 190, f"{who}（{n.unit_name}）：")
    body = f"　　您的成果《{n.title}》在{r.title}中荣获{n.get_award_display()}，特发此证。"
    for i, line in enumerate(_wrap(body, font, size, width - 200)):
        c.drawString(100, height - 235 - i * 34, line)
    c.setFont(font, 14)
    c.drawRightString(width - 90, 150, issuer_name(r))
    day = timezone.localtime(n.awarded_at)
    c.drawRightString(width - 90, 122, f"{day.year}年{day.month}月{day.day}日")
    draw_qr(c, text, 70, 62, 150)
    c.setFillColor(GREY)
    c.setFont(font, 9)
    c.drawString(70, 50, f"扫码或访问 {n.verify_url} 验证")
    c.showPage()
    c.save()
    return out.getvalue()
