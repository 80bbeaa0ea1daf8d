"""Reads of certificates, scoped by the one scope filter."""

from __future__ import annotations

from django.db.models import QuerySet

from tisheng.accounts.roles import Cap
from tisheng.certificates.models import Certificate
from tisheng.orgs.models import Region
from tisheng.orgs.scope import capability_paths, path_q, scope_filter
from tisheng.programs.models import Program


def certificate_list(actor, *, q: str = "", status: str = "") -> QuerySet[Certificate]:
    """Certificates the actor may see: their subtree's, or a teacher's own. `q` is a
    certificate number or a teacher's name; `status` "valid" or "revoked"."""
    qs = scope_filter(Certificate.objects.all(), actor, Cap.CERTIFICATES_VIEW)
    q = q.strip()
    if q:
        qs = qs.filter(number=q.upper()) if "-" in q else qs.filter(teacher_name=q)
    if status == "valid":
        qs = qs.filter(revoked_at__isnull=True)
    elif status == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    return qs


def batch_regions(actor) -> QuerySet[Region]:
    """Regions where the actor may batch issue the province's certificates: a county office
    its county; the province office the province, each city and each county."""
    return Region.objects.filter(path_q("path", capability_paths(actor, Cap.CERTIFICATES_ISSUE))).order_by("path")


def batch_programs() -> QuerySet[Program]:
    """Programs are province-wide (no org data): the active ones."""
    return Program.objects.filter(status=Program.Status.ACTIVE).order_by("-start_date", "code")


def province_kinds(program: Program) -> list:
    """The program's certificate kinds a county batch may issue (issued by the province)."""
    return [r for r in program.ruleset.certificates if "province" in r.issuers]
