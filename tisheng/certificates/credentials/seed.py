"""Demo: every demo certificate has its verifiable credential (issued as each certificate was;
this issues any the seed's bulk paths left without one, in one bulk pass)."""

from __future__ import annotations

from tisheng.certificates.credentials import services
from tisheng.certificates.credentials.models import Credential
from tisheng.certificates.credentials.records import KINDS


def credentials_seed_demo() -> str:
    made = 0
    for name, kind in KINDS.items():
        have = Credential.objects.filter(kind=name).values("object_id")
        missing = [kind.to_record(i) for i in kind.model.objects.exclude(pk__in=have)[:5000]]
        made += len(services.credentials_issue_bulk(missing))
    return f"{Credential.objects.count()} credentials ({made} issued now)"
