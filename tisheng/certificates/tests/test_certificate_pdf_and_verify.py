import os
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse

from tisheng.certificates import signing
from tisheng.certificates.management.commands.verify_certificate import INVALID, VALID
from tisheng.certificates.pdf import render_certificate_pdf
from tisheng.certificates.services import certificate_issue, certificate_revoke


@pytest.fixture
def certificate(world, approved_2):
    return certificate_issue(actor=world.province_officer, enrollment=approved_2[0], code="completion")


def _subject(pdf: bytes) -> bytes:
    return re.search(rb"/Subject \(([^)]*)\)", pdf).group(1)


def test_the_pdf_embeds_the_cjk_font_the_number_and_the_signed_verification_string(certificate):
    pdf = render_certificate_pdf(certificate)

    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" in pdf  # the TrueType subset is embedded
    assert b"WenQuanYi" in pdf
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in pdf  # A4 landscape
    assert _subject(pdf).decode() == certificate.verification_string
    assert certificate.verification_string.startswith(
        f"http://127.0.0.1:8000/verify/FJ2024-350102-000001/{certificate.verify_code}#")


def test_rendering_is_deterministic(certificate):
    assert render_certificate_pdf(certificate) == render_certificate_pdf(certificate)


def test_verify_certificate_checks_a_pdf_offline(certificate, tmp_path, capsys, django_assert_num_queries):
    path = tmp_path / "cert.pdf"
    path.write_bytes(render_certificate_pdf(certificate))

    with django_assert_num_queries(0):
        call_command("verify_certificate", str(path))

    out = capsys.readouterr().out
    assert VALID in out
    assert "FJ2024-350102-000001" in out
    assert "林晓燕" in out
    assert certificate.id_masked in out
    assert "http://127.0.0.1:8000/verify/FJ2024-350102-000001" in out  # where revocation is checked


def test_verify_certificate_takes_the_public_key_from_a_file(certificate, tmp_path, capsys):
    (tmp_path / "cert.pdf").write_bytes(render_certificate_pdf(certificate))
    (tmp_path / "key.pem").write_text(signing.public_key_pem())

    call_command("verify_certificate", str(tmp_path / "cert.pdf"), "--public-key", str(tmp_path / "key.pem"))

    assert VALID in capsys.readouterr().out


def test_one_changed_byte_of_the_payload_makes_the_signature_invalid(certificate, tmp_path, capsys):
    pdf = render_certificate_pdf(certificate)
    body = certificate.signed.split(".")[0].encode()
    tampered_body = body[:20] + (b"A" if body[20:21] != b"A" else b"B") + body[21:]
    path = tmp_path / "tampered.pdf"
    path.write_bytes(pdf.replace(body, tampered_body))

    with pytest.raises(SystemExit) as excinfo:
        call_command("verify_certificate", str(path))

    assert excinfo.value.code == 1
    assert INVALID in capsys.readouterr().out


def test_another_key_does_not_verify(certificate, tmp_path, capsys):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    (tmp_path / "cert.pdf").write_bytes(render_certificate_pdf(certificate))
    (tmp_path / "other.pem").write_text(signing.public_key_pem(Ed25519PrivateKey.generate().public_key()))

    with pytest.raises(SystemExit):
        call_command("verify_certificate", str(tmp_path / "cert.pdf"), "--public-key", str(tmp_path / "other.pem"))

    assert INVALID in capsys.readouterr().out


def test_the_verify_page_works_without_login_and_shows_only_the_certificate(client, certificate):
    response = client.get(f"/verify/{certificate.number}/{certificate.verify_code}")

    html = response.content.decode()
    assert response.status_code == 200
    for shown in ("林晓燕", certificate.id_masked, "提升工程2.0", "55", "福建省教育厅", "有效"):
        assert shown in html
    assert certificate.teacher.national_id not in html
    assert certificate.teacher.phone not in html
    assert "福州市鼓楼第一中心小学" not in html
    # The page compares a scanned QR code's "#…" (never sent to the server) with what was issued.
    assert f'data-signed="{certificate.signed}"' in html


def test_a_revoked_certificate_shows_the_reason_on_the_verify_page(client, world, certificate):
    certificate_revoke(actor=world.province_officer, certificate=certificate, reason="学时数据造假")

    html = client.get(f"/verify/{certificate.number}/{certificate.verify_code}").content.decode()

    assert "已撤销：学时数据造假" in html
    certificate.enrollment.refresh_from_db()
    assert certificate.enrollment.state == "approved"


def test_an_unknown_number_is_a_404_page_that_says_so(client, world):
    response = client.get("/verify/FJ2024-350102-999999/7K3QM9XW2HV8RT5C")

    assert response.status_code == 404
    assert "FJ2024-350102-999999" in response.content.decode()
    assert response.templates[0].name == "certificates/verify_not_found.html"


def test_the_public_key_is_published_at_verify(client, world):
    html = client.get(reverse("verify:index")).content.decode()

    assert signing.public_key_base64() in html
    assert "BEGIN PUBLIC KEY" in html


@pytest.mark.parametrize("length", [10, 120, 330, 600])
def test_the_fast_qr_encoding_gives_reportlabs_codewords_and_matrix(length):
    from reportlab.graphics.barcode.qrencoder import QR8bitByte, QRCode, QRErrorCorrectLevel

    from tisheng.certificates.pdf import _codewords, qr_modules

    text = ("http://127.0.0.1:8000/verify/FJ2024-350102-000001#" + "eyJkIjoiMjAy-_.x" * 40)[:length]
    data = QR8bitByte(text.encode())
    reference = QRCode(None, QRErrorCorrectLevel.M)
    reference.addData(data)
    reference.version = reference.calculate_version()

    assert _codewords(reference.version, QRErrorCorrectLevel.M, data) == QRCode.createData(
        reference.version, QRErrorCorrectLevel.M, [data])
    reference.makeImpl(False, 0)
    assert qr_modules(text) == reference.modules


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")) and not os.getenv("CI"),
                    reason="needs Debian's poppler-utils and zbar-tools (make system-deps installs them)")
def test_a_scanner_reads_the_verification_string_from_the_printed_qr_code(certificate, tmp_path):
    (tmp_path / "cert.pdf").write_bytes(render_certificate_pdf(certificate))
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(tmp_path / "cert.pdf"), str(tmp_path / "page")],
                   check=True)

    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True)

    assert scanned.stdout.strip() == certificate.verification_string


def test_a_malformed_signing_key_is_reported_by_the_system_check(settings):
    from tisheng.certificates.checks import KEY_INVALID, signing_key_check

    assert signing_key_check(None) == []
    settings.CERT_SIGNING_KEY = "bm90IGEga2V5"  # base64 of 9 bytes

    assert [e.msg for e in signing_key_check(None)] == [KEY_INVALID]
