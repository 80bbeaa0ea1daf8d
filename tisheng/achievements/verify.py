"""The award certificate on the public verify page (its QR code and printed address lead there):
registered with the certificates app's lookups, so it follows their rules (same answer for a wrong
code and an unknown number, throttled, only what the certificate prints)."""

from __future__ import annotations

from tisheng.achievements.models import Nomination
from tisheng.achievements.services import issuer_name
from tisheng.certificates import verify_lookups


def _award(number: str, code: str) -> verify_lookups.Found | None:
    n = (Nomination.objects.filter(certificate_number=number, verify_code=code, awarded_at__isnull=False)
         .select_related("round__region", "teacher").first())
    if n is None:
        return None
    return "achievements/verify_award_detail.html", {
        "award": n, "holder": n.teacher.name if n.teacher else n.unit_name, "issuer": issuer_name(n.round)}


def register() -> None:
    verify_lookups.register("award", _award)
