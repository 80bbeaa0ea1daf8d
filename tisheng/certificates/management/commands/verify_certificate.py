"""`tisheng verify-certificate FILE.pdf [--public-key FILE]`: check a certificate offline.

Reads only the PDF and the public key (from settings, or a PEM / base64 file): no database.
Prints the signed facts, then the verdict:

- exit 0, 签名有效: the signature is the province's and the page shows the signed facts;
- exit 1, 签名无效: no signature, or not the province's, or not over these facts;
- exit 2, 签名有效，但页面内容与签名不符：… (or the page's text cannot be read): the signature
  is genuine but the page says something else (edited hours, another name, an annotation or a
  picture over the text). See pagecheck.py for what is compared.
"""

import io
import sys
from pathlib import Path

import pypdf
from django.core.management.base import BaseCommand, CommandError

from tisheng.certificates import pagecheck, signing
from tisheng.core import officefiles

VALID = "签名有效"
INVALID = "签名无效"
MISMATCH = "签名有效，但页面内容与签名不符：{problems}"
NO_PAGE_TEXT = "签名有效，但读不出页面上的文字：无法核对页面内容，请逐项核对证书上印的内容与上面的签名内容"
NO_PAYLOAD = "文件中没有找到证书签名数据"
SIGNED_FACTS = "签名内容（发证机构签名的事实，以此为准，请与证书上印的内容逐项核对）："
OLDER_SIGNATURE = "此证书签发较早，签名不含项目名称、证书名称和发证机构，请人工核对这几项"
# The signature proves what was issued; whether it was revoked since only the site knows.
REVOCATION_NOTE = "离线校验不能确认证书是否已被撤销，请访问 {url} 查询证书状态"
EXIT_INVALID, EXIT_PAGE_DIFFERS = 1, 2


def _facts(payload: dict) -> list[str]:
    """The signed facts as lines, in the order the certificate prints them."""
    lines = []

    def add(label: str, value) -> None:
        if value not in (None, "", []):
            lines.append(f"{label}：{value}")

    add("证书编号", payload.get("no"))
    add("证书", payload.get("cn"))
    add("姓名", payload.get("name"))
    add("身份证号", payload.get("id"))
    program = payload.get("pn")
    add("项目", f"{program}（代码 {payload.get('prog')}）" if program else payload.get("prog"))
    if not payload.get("cn"):
        add("证书类别", payload.get("cert"))
    add("学时", payload.get("h"))
    issued_on = payload.get("d")
    try:
        add("发证日期", f"{issued_on}（{pagecheck.chinese_date(str(issued_on))}）")
    except ValueError:
        add("发证日期", issued_on)
    issuers = payload.get("iss")
    add("发证机构", "、".join(map(str, issuers)) if isinstance(issuers, list) else issuers)
    return lines


class Command(BaseCommand):
    help = ("Check a certificate PDF offline: its Ed25519 signature and that the page shows the signed facts "
            "(exit 0 valid, 1 invalid signature, 2 valid signature but the page differs).")
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="the certificate PDF")
        parser.add_argument("--public-key", help="a PEM or base64 public key file (default: from the settings)")

    def handle(self, *args, file: str, public_key: str | None = None, **options):
        # Any file at all may be given: pypdf reads it under the limits evidence documents get
        # (a decompression bomb fails the page check, not the machine).
        with officefiles.pdf_limits():
            self._check(file, public_key)

    def _check(self, file: str, public_key: str | None) -> None:
        try:
            data = Path(file).read_bytes()
            key = signing.load_public_key(Path(public_key).read_text()) if public_key else signing.public_key()
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            metadata = reader.metadata or {}
        except Exception:  # noqa: BLE001 - any file at all may be given; its page is then unreadable
            reader, metadata = None, {}
        # The verification string is plain ASCII in the document's /Subject and /Keywords as
        # the system writes it; a file saved again by another program may encode them otherwise.
        result = signing.verify_text(data.decode("latin-1"), key) or signing.verify_text(
            " ".join(str(metadata.get(k, "")) for k in ("/Subject", "/Keywords")), key)
        if result is None:
            self.stdout.write(NO_PAYLOAD)
            self.stdout.write(INVALID)
            sys.exit(EXIT_INVALID)
        self.stdout.write(SIGNED_FACTS)
        for line in _facts(result.payload):
            self.stdout.write(line)
        if not result.valid:
            self.stdout.write(INVALID)
            sys.exit(EXIT_INVALID)
        if any(k not in result.payload for k in pagecheck.NOT_SIGNED_BEFORE):
            self.stdout.write(OLDER_SIGNATURE)
        verdict = self._page_verdict(result.payload, reader)
        self.stdout.write(verdict or VALID)
        self.stdout.write(REVOCATION_NOTE.format(url=result.url))
        if verdict:
            sys.exit(EXIT_PAGE_DIFFERS)

    @staticmethod
    def _page_verdict(payload: dict, reader: pypdf.PdfReader | None) -> str:
        """"" when the page shows the signed facts, else the qualified verdict."""
        if reader is None:
            return NO_PAGE_TEXT
        try:
            problems = pagecheck.page_problems(payload, reader)
        except Exception:  # noqa: BLE001 - no text (NoPageText), or a page pypdf cannot read: not comparable
            return NO_PAGE_TEXT
        return MISMATCH.format(problems="；".join(problems)) if problems else ""
