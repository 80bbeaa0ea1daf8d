"""What a credential says, taken from a signed certificate-like record, and the registry of such
records: `register(kind, model, to_record)`. The program certificate registers here; the hours
certificate registers the same way when it lands (its own module calls `register`), and every
kind is issued, downloaded, revoked and checked by the same code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings


@dataclass(frozen=True)
class Record:
    kind: str
    object_id: int
    number: str
    name: str  # the certificate's name: 结业证书, 学时证明…
    achievement_code: str
    achievement_name: str
    holder_name: str
    id_masked: str
    national_id: str  # only to compute the salted hash; never written into the credential
    issued_at: dt.datetime
    verify_url: str
    issuer_names: list[str] = field(default_factory=list)
    hours: Decimal | None = None
    revoked: bool = False


@dataclass(frozen=True)
class Kind:
    model: type
    to_record: Callable[[object], Record]
    lookup: Callable[[str, str], object | None]  # (number, verify code) → the record's instance


KINDS: dict[str, Kind] = {}


def register(kind: str, model: type, to_record: Callable[[object], Record],
             lookup: Callable[[str, str], object | None]) -> None:
    KINDS[kind] = Kind(model=model, to_record=to_record, lookup=lookup)


def kind_of(instance: object) -> str | None:
    return next((name for name, k in KINDS.items() if isinstance(instance, k.model)), None)


def _certificate_record(certificate) -> Record:
    return Record(
        kind="certificate", object_id=certificate.pk, number=certificate.number, name=certificate.name,
        achievement_code=f"{certificate.program_code}/{certificate.code}",
        achievement_name=f"{certificate.program_name} {certificate.name}", holder_name=certificate.teacher_name,
        id_masked=certificate.id_masked, national_id=certificate.teacher.national_id,
        issued_at=certificate.issued_at, verify_url=certificate.verify_url, issuer_names=list(certificate.issuers),
        hours=certificate.hours, revoked=certificate.revoked_at is not None)


def _certificate_lookup(number: str, code: str):
    from tisheng.certificates.models import Certificate

    return Certificate.objects.select_related("teacher").filter(number=number, verify_code=code).first()


def _hours_record(certificate) -> Record:
    return Record(
        kind="hours", object_id=certificate.pk, number=certificate.number, name=certificate.name,
        achievement_code=f"hours/{certificate.start_date:%Y%m%d}-{certificate.end_date:%Y%m%d}",
        achievement_name=f"{certificate.name}（{certificate.period_label}）", holder_name=certificate.teacher_name,
        id_masked=certificate.id_masked, national_id=certificate.teacher.national_id,
        issued_at=certificate.issued_at, verify_url=certificate.verify_url, issuer_names=[certificate.issuer],
        hours=certificate.hours, revoked=certificate.revoked_at is not None)


def register_certificates() -> None:
    from django.apps import apps

    from tisheng.certificates.models import Certificate

    register("certificate", Certificate, _certificate_record, _certificate_lookup)
    try:  # the hours certificate (学时证明), where it exists
        hours = apps.get_model("certificates", "HoursCertificate")
    except LookupError:
        return
    register("hours", hours, _hours_record,
             lambda number, code: hours.objects.select_related("teacher").filter(number=number,
                                                                                 verify_code=code).first())


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
