"""The certificate as a PDF: A4 landscape, an embedded CJK font, the number, the verification
code and a QR code.

Per-process work (registering the TrueType font, which parses the 5 MB collection) is done
once; a certificate then costs one page of drawing, the font subset and the QR matrix.
The signed verification string is in the QR code and in the document's /Subject and
/Keywords, where `tisheng verify-certificate` finds it without a database.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.utils import timezone
from reportlab import rl_config
from reportlab.graphics.barcode.qrencoder import (
    QR8bitByte,
    QRBitBuffer,
    QRCode,
    QRErrorCorrectLevel,
    QRRSBlock,
    QRUtil,
)
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tisheng.certificates import codes

# Binary streams rather than ASCII85: without reportlab's C accelerator the pure-Python
# ASCII85 encoder of the font subset is a fifth of a certificate's time.
rl_config.useA85 = 0

FONT_NAME = "WenQuanYiMicroHei"
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
FONT_MISSING = "No CJK font: install Debian's fonts-wqy-microhei (make system-deps)."

RED = HexColor("#b3262c")
GOLD = HexColor("#b08d3c")
INK = HexColor("#1d2733")
GREY = HexColor("#5d6b7a")


class CertificateLike(Protocol):
    number: str
    name: str
    teacher_name: str
    id_masked: str
    program_name: str
    hours: Decimal
    issuers: list[str]
    issued_at: dt.datetime
    signed: str
    verify_code: str

    @property
    def verification_string(self) -> str: ...


@lru_cache(maxsize=1)
def font_name() -> str:
    """Register the CJK font once per process."""
    for path in FONT_PATHS:
        if path.exists():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
            return FONT_NAME
    raise RuntimeError(FONT_MISSING)


def _hours(value: Decimal) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _chinese_date(moment: dt.datetime) -> str:
    day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return f"{day.year}年{day.month}月{day.day}日"


# Never at the start of a line (the simplest rule of Chinese line breaking).
_NO_LINE_START = set("，。、；：？！）》」』”’%")


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break Chinese text into lines that fit `width`: any character may end a line, but
    punctuation stays with the character before it."""
    lines, line = [], ""
    for ch in text:
        if line and ch not in _NO_LINE_START and pdfmetrics.stringWidth(line + ch, font, size) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


# GF(256) tables of the QR code's Reed–Solomon field (polynomial 0x11d).
_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@lru_cache(maxsize=64)
def _generator_logs(ec_count: int) -> tuple[int | None, ...]:
    """The generator polynomial's coefficients after the leading 1, as logarithms."""
    coefficients = QRUtil.getErrorCorrectPolynomial(ec_count).num[1:]
    return tuple(_LOG[c] if c else None for c in coefficients)


def _rs_remainder(data: list[int], ec_count: int) -> list[int]:
    """The error-correction codewords of one block (LFSR division by the generator)."""
    generator = _generator_logs(ec_count)
    remainder = [0] * ec_count
    for byte in data:
        factor = byte ^ remainder[0]
        del remainder[0]
        remainder.append(0)
        if factor:
            log_factor = _LOG[factor]
            for i, g in enumerate(generator):
                if g is not None:
                    remainder[i] ^= _EXP[log_factor + g]
    return remainder


def _codewords(version: int, level: int, data: QR8bitByte) -> list[int]:
    """reportlab's QRCode.createData with a faster Reed–Solomon step (its polynomial
    arithmetic is pure Python and was most of a certificate's time); the same codewords."""
    blocks = QRRSBlock.getRSBlocks(version, level)
    buffer = QRBitBuffer()
    data.write(buffer, version)
    capacity = sum(b.dataCount for b in blocks) * 8
    if buffer.getLengthInBits() > capacity:
        raise ValueError("QR data too long")
    if buffer.getLengthInBits() + 4 <= capacity:
        buffer.put(0, 4)
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    pads = (QRCode.PAD0, QRCode.PAD1)
    i = 0
    while buffer.getLengthInBits() < capacity:
        buffer.put(pads[i % 2], 8)
        i += 1
    offset, dc_blocks, ec_blocks = 0, [], []
    for block in blocks:
        dc = buffer.buffer[offset:offset + block.dataCount]
        offset += block.dataCount
        dc_blocks.append(dc)
        ec_blocks.append(_rs_remainder(dc, block.totalCount - block.dataCount))
    out = []
    for group in (dc_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return out


def qr_modules(text: str) -> list[list[bool]]:
    """The QR matrix (error correction M). The mask pattern is fixed: any of the eight is a
    valid code, and scoring all eight to pick the "best" is 90 % of reportlab's time."""
    data = QR8bitByte(text.encode("utf-8"))
    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(data)
    code.version = code.calculate_version()
    code.dataCache = _codewords(code.version, QRErrorCorrectLevel.M, data)
    code.makeImpl(False, 0)
    return code.modules


def draw_qr(c: Canvas, text: str, x: float, y: float, side: float) -> None:
    """One filled path with a rectangle per horizontal run of dark modules, written as raw
    path operators in module units (formatting a thousand floats one by one is half the
    time of a certificate)."""
    modules = qr_modules(text)
    n = len(modules)
    quiet = 4  # the quiet zone the QR standard asks for
    unit = side / (n + 2 * quiet)
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, side, side, stroke=0, fill=1)
    ops = []
    for r, row in enumerate(modules):
        top = n + quiet - 1 - r
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                ops.append(f"{start + quiet} {top} {col - start} 1 re")
            else:
                col += 1
    c.saveState()
    c.translate(x, y)
    c.scale(unit, unit)
    c.setFillColorRGB(0, 0, 0)
    c.addLiteral("\n".join(ops) + "\nf")
    c.restoreState()


def render_certificate_pdf(cert: CertificateLike) -> bytes:
    font = font_name()
    width, height = landscape(A4)
    out = io.BytesIO()
    # invariant: the same certificate renders to the same bytes (no creation timestamps).
    c = Canvas(out, pagesize=(width, height), invariant=1, pageCompression=1)
    c.setTitle(f"{cert.name} {cert.number}")
    c.setAuthor("、".join(cert.issuers))
    c.setSubject(cert.verification_string)
    c.setKeywords(cert.verification_string)
    c.setCreator("tisheng")

    # Frame: a red outer line and a gold inner one.
    c.setStrokeColor(RED)
    c.setLineWidth(6)
    c.rect(22, 22, width - 44, height - 44)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.5)
    c.rect(34, 34, width - 68, height - 68)

    c.setFillColor(RED)
    title_size = 32 if len(cert.name) <= 16 else 25
    c.setFont(font, title_size)
    c.drawCentredString(width / 2, height - 120, cert.name)

    c.setFillColor(GREY)
    c.setFont(font, 11)
    c.drawRightString(width - 70, height - 62, f"证书编号：{cert.number}")
    c.drawRightString(width - 70, height - 78, f"验证码：{codes.display(cert.verify_code)}")

    c.setFillColor(INK)
    size = 19
    c.setFont(font, size)
    c.drawString(100, height - 200, f"{cert.teacher_name}（身份证号 {cert.id_masked}）：")
    body = f"　　参加{cert.program_name}，完成培训 {_hours(cert.hours)} 学时，经考核合格，特发此证。"
    for i, line in enumerate(_wrap(body, font, size, width - 200)):
        c.drawString(100, height - 245 - i * 34, line)

    # Issuers and date, bottom right.
    c.setFont(font, 14)
    right = width - 90
    y = 150
    for issuer in cert.issuers:
        c.drawRightString(right, y, issuer)
        y -= 24
    c.drawRightString(right, y - 4, _chinese_date(cert.issued_at))

    # QR code, bottom left, with the URL under it.
    # 150 pt: the signed facts make a version 20 code (97 modules), each module still 0.5 mm.
    draw_qr(c, cert.verification_string, 70, 62, 150)
    c.setFillColor(GREY)
    c.setFont(font, 9)
    c.drawString(70, 50, f"扫码或访问 {cert.verification_string.split('#', 1)[0]} 验证")

    c.showPage()
    c.save()
    return out.getvalue()
