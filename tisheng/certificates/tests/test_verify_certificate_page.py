"""Issue 12 item 7: a certificate PDF whose printed facts were edited must not verify as an
unqualified 签名有效. `tisheng verify-certificate` prints the signed facts and compares them
with the text on the page; each test below is one way an attacker would edit the hours (or
hide them) while keeping the genuine signature in the file."""

import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pypdf
import pytest
from django.core.management import call_command
from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from tisheng.certificates.management.commands.verify_certificate import (
    MISMATCH,
    NO_PAGE_TEXT,
    VALID,
)
from tisheng.certificates.pdf import font_name, render_certificate_pdf
from tisheng.certificates.services import certificate_issue

EXIT_PAGE_DIFFERS = 2
MISMATCH_HEAD = MISMATCH.split("{")[0]


@pytest.fixture
def certificate(world, approved_2):
    return certificate_issue(actor=world.province_officer, enrollment=approved_2[0], code="completion")


def _run(pdf: bytes, tmp_path, capsys) -> tuple[int, str]:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    try:
        call_command("verify_certificate", str(path))
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().out


def _lines(out: str) -> list[str]:
    return out.splitlines()


def _assert_flagged(code: int, out: str, *words: str) -> None:
    assert code == EXIT_PAGE_DIFFERS
    assert VALID not in _lines(out)  # never the unqualified verdict
    assert MISMATCH_HEAD in out
    for word in words:
        assert word in out


def _copy(certificate, **changes):
    fields = {name: getattr(certificate, name) for name in (
        "number", "name", "teacher_name", "id_masked", "program_name", "hours", "issuers", "issued_at", "signed",
        "verify_code", "verification_string")}
    return SimpleNamespace(**{**fields, **changes})


def test_an_untampered_certificate_is_valid_and_its_signed_facts_are_printed(certificate, tmp_path, capsys):
    code, out = _run(render_certificate_pdf(certificate), tmp_path, capsys)

    assert code == 0
    assert VALID in _lines(out)
    for fact in ("证书编号：FJ2024-350102-000001", "姓名：林晓燕", f"身份证号：{certificate.id_masked}",
                 f"项目：{certificate.program_name}", f"证书：{certificate.name}", "学时：55",
                 f"发证日期：{timezone.localdate():%Y-%m-%d}", "发证机构：福建省教育厅"):
        assert fact in out


def test_a_page_regenerated_with_other_hours_and_the_genuine_signature_is_flagged(certificate, tmp_path, capsys):
    # The renderer is open source: print the same certificate with 100 hours, keep the signature.
    forged = render_certificate_pdf(_copy(certificate, hours=Decimal("100")))
    assert certificate.signed.encode() in forged

    code, out = _run(forged, tmp_path, capsys)

    _assert_flagged(code, out, "学时", "100", "55")


def test_hours_rewritten_in_the_page_content_stream_are_flagged(certificate, tmp_path, capsys):
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(render_certificate_pdf(certificate))))
    page = writer.pages[0]
    # Digits are themselves in the font subset: edit the text-showing operand with the hours.
    shown = re.compile(rb"\(((?:[^()\\]|\\.)*)\) Tj")
    content = shown.sub(lambda m: b"(" + m.group(1).replace(b" 55 ", b" 100 ") + b") Tj",
                        page.get_contents().get_data())
    stream = pypdf.generic.DecodedStreamObject()
    stream.set_data(content)
    page.replace_contents(stream)
    out_pdf = io.BytesIO()
    writer.write(out_pdf)
    assert "完成培训 100" in pypdf.PdfReader(io.BytesIO(out_pdf.getvalue())).pages[0].extract_text()

    code, out = _run(out_pdf.getvalue(), tmp_path, capsys)

    _assert_flagged(code, out, "学时", "100")


def test_hours_painted_over_and_printed_again_on_top_are_flagged(certificate, tmp_path, capsys):
    width, height = landscape(A4)
    overlay = io.BytesIO()
    c = Canvas(overlay, pagesize=(width, height))
    c.setFillColorRGB(1, 1, 1)
    c.rect(90, height - 290, width - 180, 70, stroke=0, fill=1)  # hide the printed body
    c.setFillColorRGB(0, 0, 0)
    c.setFont(font_name(), 19)
    c.drawString(100, height - 245, f"　　参加{certificate.program_name}，完成培训 100 学时，经考核合格，特发此证。")
    c.save()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(render_certificate_pdf(certificate))))
    writer.pages[0].merge_page(pypdf.PdfReader(overlay).pages[0])
    out_pdf = io.BytesIO()
    writer.write(out_pdf)

    code, out = _run(out_pdf.getvalue(), tmp_path, capsys)

    _assert_flagged(code, out, "学时", "100")


def test_hours_written_in_an_annotation_are_flagged(certificate, tmp_path, capsys):
    from pypdf.annotations import FreeText

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(render_certificate_pdf(certificate))))
    writer.add_annotation(page_number=0, annotation=FreeText(text="100", rect=(330, 235, 380, 260),
                                                             background_color="ffffff"))
    out_pdf = io.BytesIO()
    writer.write(out_pdf)

    code, out = _run(out_pdf.getvalue(), tmp_path, capsys)

    _assert_flagged(code, out, "批注")


def test_a_page_replaced_by_a_picture_is_not_called_valid(certificate, tmp_path, capsys):
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    # A scan or screenshot of an edited certificate, with the genuine signature in the properties.
    width, height = landscape(A4)
    out_pdf = io.BytesIO()
    c = Canvas(out_pdf, pagesize=(width, height))
    c.setSubject(certificate.verification_string)
    c.drawImage(ImageReader(Image.new("RGB", (842, 595), "white")), 0, 0, width, height)
    c.save()

    code, out = _run(out_pdf.getvalue(), tmp_path, capsys)

    assert code == EXIT_PAGE_DIFFERS
    assert VALID not in _lines(out)
    assert NO_PAGE_TEXT.split("：")[0] in out
    assert "姓名：林晓燕" in out  # the facts to compare by eye are still printed


def test_another_holders_name_on_the_page_is_flagged(certificate, tmp_path, capsys):
    forged = render_certificate_pdf(_copy(certificate, teacher_name="王建国"))

    code, out = _run(forged, tmp_path, capsys)

    _assert_flagged(code, out, "王建国", "林晓燕")


def test_an_older_signature_without_program_name_and_issuers_says_what_to_check_by_eye(
        certificate, tmp_path, capsys, settings):
    from tisheng.certificates import signing

    payload = {"no": certificate.number, "name": certificate.teacher_name, "id": certificate.id_masked,
               "prog": certificate.program_code, "cert": certificate.code, "h": "55",
               "d": f"{timezone.localdate():%Y-%m-%d}"}
    old = _copy(certificate, signed=signing.sign_payload(payload))
    old.verification_string = f"{certificate.verify_url}#{old.signed}"

    code, out = _run(render_certificate_pdf(old), tmp_path, capsys)

    assert code == 0
    assert VALID in _lines(out)
    assert "签名不含项目名称、证书名称和发证机构" in out


def test_a_picture_pasted_over_the_hours_is_flagged(certificate, tmp_path, capsys):
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    width, height = landscape(A4)
    overlay = io.BytesIO()
    c = Canvas(overlay, pagesize=(width, height))
    c.drawImage(ImageReader(Image.new("RGB", (60, 30), "white")), 330, height - 255, 60, 30)  # "100" as pixels
    c.save()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(render_certificate_pdf(certificate))))
    writer.pages[0].merge_page(pypdf.PdfReader(overlay).pages[0])
    out_pdf = io.BytesIO()
    writer.write(out_pdf)

    code, out = _run(out_pdf.getvalue(), tmp_path, capsys)

    _assert_flagged(code, out, "图片")
