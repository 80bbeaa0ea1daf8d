"""Certificates over JSON, scoped by `certificates.view` (a teacher sees only their own)."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tisheng.accounts.roles import Cap
from tisheng.certificates import selectors
from tisheng.certificates.models import Certificate
from tisheng.orgs.api import PageNumber, require_capability
from tisheng.orgs.scope import get_object_for_user

router = Router()


class CertificateOut(Schema):
    number: str
    code: str = Field(description="the kind's code in the program's rule set")
    name: str
    teacher_name: str
    id_masked: str = Field(description="division code and last four characters only")
    program_code: str
    program_name: str
    hours: Decimal
    issuers: list[str]
    issued_at: dt.datetime
    revoked: bool
    revoked_reason: str
    verification_string: str = Field(description="what the QR code holds: URL#payload.signature (Ed25519)")


class CertificateFilters(Schema):
    program: str | None = Field(None, description="program code")
    code: str | None = Field(None, description="certificate kind")
    revoked: bool | None = None


@router.get("/certificates", response=list[CertificateOut], summary="Certificates the caller may view")
@paginate(PageNumber)
def certificate_list(request: HttpRequest, filters: Query[CertificateFilters]):
    require_capability(request, Cap.CERTIFICATES_VIEW)
    qs = selectors.certificate_list(request.user).order_by("-issued_at", "-id")
    if filters.program:
        qs = qs.filter(program_code=filters.program)
    if filters.code:
        qs = qs.filter(code=filters.code)
    if filters.revoked is not None:
        qs = qs.filter(revoked_at__isnull=not filters.revoked)
    return qs


@router.get("/certificates/{number}", response=CertificateOut, summary="One certificate")
def certificate_detail(request: HttpRequest, number: str):
    require_capability(request, Cap.CERTIFICATES_VIEW)
    return get_object_for_user(request.user, Certificate, Cap.CERTIFICATES_VIEW, number=number)
