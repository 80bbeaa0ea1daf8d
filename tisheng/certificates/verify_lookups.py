"""What the public verify page finds by a number and its code. The certificates app registers its
own documents (training certificates, 学时证明); apps above it register theirs from their ready()
(achievements' award certificates), so a QR code printed by any of them lands on a page that shows
its facts, and one mechanism keeps the rules the same for all: a wrong code and an unknown number
get the same answer, anonymous lookups are throttled by the view, only the fields printed on the
document are shown.

A lookup takes (number, normalised code) and returns (template, context) or None; each is one
query on a unique number, so the page costs at most one query per registered kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Found = tuple[str, dict[str, Any]]
Lookup = Callable[[str, str], Found | None]

LOOKUPS: dict[str, Lookup] = {}


def register(kind: str, lookup: Lookup) -> Lookup:
    """Add (or replace) the lookup of one kind of document."""
    LOOKUPS[kind] = lookup
    return lookup


def find(number: str, code: str) -> Found | None:
    for lookup in LOOKUPS.values():
        if (found := lookup(number, code)) is not None:
            return found
    return None


def _certificate(number: str, code: str) -> Found | None:
    from tisheng.certificates.models import Certificate

    certificate = (Certificate.objects.filter(number=number, verify_code=code)
                   .only("number", "name", "teacher_name", "id_masked", "program_name", "hours", "issuers",
                         "issued_at", "revoked_at", "revoked_reason", "signed").first())
    return ("certificates/verify_detail.html", {"certificate": certificate}) if certificate else None


def _hours_certificate(number: str, code: str) -> Found | None:
    from tisheng.certificates.models import HoursCertificate

    certificate = (HoursCertificate.objects.filter(number=number, verify_code=code)
                   .only("number", "teacher_name", "id_masked", "period_name", "start_date", "end_date", "hours",
                         "issuer", "issued_at", "revoked_at", "revoked_reason", "signed").first())
    return ("certificates/verify_hours_detail.html", {"certificate": certificate}) if certificate else None


register("certificate", _certificate)
register("hours", _hours_certificate)  # 学时证明 (certificates/hours.py)
