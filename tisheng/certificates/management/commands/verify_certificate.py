"""`tisheng verify-certificate FILE.pdf [--public-key FILE]`: check a certificate offline.

Reads only the PDF and the public key (from settings, or a PEM / base64 file): no database.
Prints the signed fields and 签名有效 (exit 0) or 签名无效 (exit 1).
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tisheng.certificates import signing

VALID = "签名有效"
INVALID = "签名无效"
NO_PAYLOAD = "文件中没有找到证书签名数据"
# The signature proves what was issued; whether it was revoked since only the site knows.
REVOCATION_NOTE = "离线校验不能确认证书是否已被撤销，请访问 {url} 查询证书状态"
FIELD_LABELS = (("no", "证书编号"), ("name", "姓名"), ("id", "身份证号"), ("prog", "项目"), ("cert", "证书类别"),
                ("h", "学时"), ("d", "发证日期"))


class Command(BaseCommand):
    help = "Check a certificate PDF's Ed25519 signature offline (exit 0 valid, 1 invalid)."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="the certificate PDF")
        parser.add_argument("--public-key", help="a PEM or base64 public key file (default: from the settings)")

    def handle(self, *args, file: str, public_key: str | None = None, **options):
        try:
            data = Path(file).read_bytes()
            key = signing.load_public_key(Path(public_key).read_text()) if public_key else signing.public_key()
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        # The verification string is plain ASCII in the document's /Subject and /Keywords.
        result = signing.verify_text(data.decode("latin-1"), key)
        if result is None:
            self.stdout.write(NO_PAYLOAD)
            self.stdout.write(INVALID)
            sys.exit(1)
        for field, label in FIELD_LABELS:
            if field in result.payload:
                self.stdout.write(f"{label}：{result.payload[field]}")
        self.stdout.write(VALID if result.valid else INVALID)
        if not result.valid:
            sys.exit(1)
        self.stdout.write(REVOCATION_NOTE.format(url=result.url))
