"""Issue 12 item 6: certificate holders cannot be enumerated at /verify/.

Numbers are sequential (…-000001, …-000002), so the number alone shows nothing about the
holder: the page needs the random code printed on the certificate (and in its QR code). A
wrong code and an unknown number look the same, and anonymous lookups are rate-limited per IP
in the database, so every worker process shares the count."""

import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse

from tisheng.certificates import codes, signing
from tisheng.certificates.models import Certificate, VerifyRateWindow
from tisheng.certificates.pdf import render_certificate_pdf
from tisheng.certificates.services import certificate_issue


@pytest.fixture
def issued(world, approved_2):
    return [certificate_issue(actor=world.province_officer, enrollment=e, code="completion") for e in approved_2]


@pytest.fixture
def certificate(issued):
    return issued[0]


def _path(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


def _page(response, number: str) -> str:
    """The page as the user reads it about `number` (the per-response CSRF token and the
    example number in the form aside)."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value|placeholder)="[^"]*"', "", response.content.decode())
    return html.replace(number, "N")


def test_a_bare_certificate_number_shows_nothing_about_the_holder(client, certificate):
    response = client.get(f"/verify/{certificate.number}")

    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入证书上的验证码" in html
    for private in (certificate.teacher_name, certificate.id_masked, certificate.program_name, "有效"):
        assert private not in html
    assert 'name="code"' in html


def test_the_next_number_alone_shows_nothing_either(client, issued):
    # An enumerator walks …-000001, …-000002: every page is the same form.
    pages = [_page(client.get(f"/verify/{c.number}"), c.number) for c in issued]
    unknown = _page(client.get("/verify/FJ2024-350102-999999"), "FJ2024-350102-999999")

    assert all(page == unknown for page in pages)


def test_the_number_with_its_code_shows_the_certificate(client, certificate):
    response = client.get(_path(certificate.verify_url))

    html = response.content.decode()
    assert response.status_code == 200
    for shown in (certificate.teacher_name, certificate.id_masked, "提升工程2.0", "有效"):
        assert shown in html


def test_the_code_is_accepted_as_printed_with_dashes_and_in_lower_case(client, certificate):
    printed = codes.display(certificate.verify_code).lower()

    response = client.get(reverse("verify:index"), {"number": certificate.number, "code": printed}, follow=True)

    assert response.status_code == 200
    assert certificate.teacher_name in response.content.decode()


def test_a_wrong_code_and_an_unknown_number_look_the_same(client, issued):
    other = issued[1]
    wrong = client.get(f"/verify/{issued[0].number}/{other.verify_code}")
    unknown = client.get(f"/verify/FJ2024-350102-999999/{other.verify_code}")

    assert wrong.status_code == unknown.status_code == 404
    assert _page(wrong, issued[0].number) == _page(unknown, "FJ2024-350102-999999")
    assert issued[0].teacher_name not in wrong.content.decode()
    assert other.teacher_name not in wrong.content.decode()


def test_each_certificate_has_its_own_80_bit_code(issued):
    found = [c.verify_code for c in issued]

    assert len(set(found)) == len(found)
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{16}", code) for code in found)  # 16 × 5 bits


def test_the_qr_code_and_the_pdf_carry_the_code(certificate):
    import io

    import pypdf

    assert certificate.verification_string.startswith(
        f"http://127.0.0.1:8000/verify/{certificate.number}/{certificate.verify_code}#")
    text = pypdf.PdfReader(io.BytesIO(render_certificate_pdf(certificate))).pages[0].extract_text()
    assert codes.display(certificate.verify_code) in text


def test_the_offline_check_still_finds_the_signature_and_the_address_with_the_code(certificate):
    verified = signing.verify_text(certificate.verification_string)

    assert verified.valid
    assert verified.url == f"http://127.0.0.1:8000/verify/{certificate.number}/{certificate.verify_code}"


def test_a_certificate_signed_before_the_code_still_verifies_offline(certificate):
    old = f"http://127.0.0.1:8000/verify/{certificate.number}#{certificate.signed}"

    assert signing.verify_text(old).valid


def test_the_certificate_list_links_to_the_verify_page_with_the_code(client, world, certificate, password):
    client.login(username=world.teacher.user.phone, password=password)

    html = client.get(reverse("certificates:list")).content.decode()

    assert f'href="{_path(certificate.verify_url)}"' in html


def test_anonymous_verification_is_rate_limited_per_ip(client, settings, issued):
    settings.VERIFY_RATE_PER_MINUTE = 3
    certificate = issued[0]
    for _ in range(2):
        assert client.get(_path(certificate.verify_url)).status_code == 200
    assert client.get(f"/verify/{certificate.number}/{issued[1].verify_code}").status_code == 404  # wrong codes count

    response = client.get(_path(certificate.verify_url))

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert "查询过于频繁" in html
    assert certificate.teacher_name not in html
    # Another address is not held up.
    assert client.get(_path(certificate.verify_url), REMOTE_ADDR="10.0.0.9").status_code == 200


def test_the_rate_limit_count_is_kept_in_the_database_for_every_worker(client, settings, certificate):
    settings.VERIFY_RATE_PER_MINUTE = 2
    client.get(_path(certificate.verify_url))
    client.get(_path(certificate.verify_url))

    # What another worker process sees: only the database.
    assert VerifyRateWindow.objects.get().hits == 2
    assert client.get(_path(certificate.verify_url)).status_code == 429


def test_ipv6_addresses_of_one_network_share_a_count(client, settings, certificate):
    settings.VERIFY_RATE_PER_MINUTE = 1
    assert client.get(_path(certificate.verify_url), REMOTE_ADDR="2001:db8:1:2::1").status_code == 200

    assert client.get(_path(certificate.verify_url), REMOTE_ADDR="2001:db8:1:2::ffff").status_code == 429


def test_a_limit_of_zero_turns_the_throttle_off(client, settings, certificate):
    settings.VERIFY_RATE_PER_MINUTE = 0

    assert all(client.get(_path(certificate.verify_url)).status_code == 200 for _ in range(3))
    assert not VerifyRateWindow.objects.exists()


def test_the_data_migration_gives_existing_certificates_a_code_each(issued):
    Certificate.objects.update(verify_code="")
    migration = importlib.import_module("tisheng.certificates.migrations.0003_certificate_verify_code")

    migration.fill_verify_codes(apps, None)

    found = list(Certificate.objects.values_list("verify_code", flat=True))
    assert len(set(found)) == len(issued)
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{16}", code) for code in found)
