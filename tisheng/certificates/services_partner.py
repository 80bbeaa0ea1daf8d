"""Certificates the partners issue (1.0): the training institution alone, or the institution
and the teacher college jointly.

    partner_issue(actor=institution_user, enrollment=e, code="online")       # 网络培训合格证明
    partner_sign(actor=institution_user, enrollment=e, code="practice")      # proposes
    partner_sign(actor=college_user, enrollment=e, code="practice")          # co-signs: issued

The institution reaches the teachers of the regions it is contracted for, a teacher college
those of its region (RoleAssignment.scope_paths); the issuer names printed on the certificate
are the organizations that signed, not a guess from the region.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.certificates.models import Certificate, PartnerSignature
from tisheng.certificates.services import (
    NOT_ALLOWED,
    certificate_issue,
    certificate_problems,
    certificate_rule,
    eligible_enrollments,
)
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Organization, Region
from tisheng.orgs.scope import path_q, scope_filter
from tisheng.programs.models import Enrollment, Program

INSTITUTION, COLLEGE = PartnerSignature.Side.INSTITUTION, PartnerSignature.Side.TEACHER_COLLEGE

NOT_INSTITUTION_KIND = _("This certificate is not issued by the training institution alone.")
NOT_JOINT_KIND = _("This certificate is not issued jointly by the training institution and the teacher college.")
NOT_PROPOSED = _("The training institution has not signed this certificate yet.")
ALREADY_HOLDS = _("The teacher already holds this certificate.")
UNKNOWN_ACTION = _("Unknown action.")

ACTIONS = ("issue", "sign", "cosign")


def institution_kinds(program: Program) -> list:
    """Kinds the training institution issues alone (1.0: 网络培训合格证明)."""
    return [r for r in program.ruleset.certificates if list(r.issuers) == [INSTITUTION]]


def joint_kinds(program: Program) -> list:
    """Kinds the institution and the teacher college issue together (1.0: 网络研修与教学实践合格证明)."""
    return [r for r in program.ruleset.certificates if sorted(r.issuers) == [INSTITUTION, COLLEGE]]


@dataclass
class PartnerOrgs:
    """The organizations `actor` signs for on one side, with the paths each covers (loaded once)."""

    side: str
    orgs: list[tuple[Organization, list[str]]]

    @property
    def paths(self) -> list[str]:
        return [p for _org, paths in self.orgs for p in paths]

    def for_path(self, path: str) -> Organization | None:
        for org, paths in self.orgs:
            if any(path == p or path.startswith(p + "/") for p in paths):
                return org
        return None


def partner_orgs(actor, side: str, program: Program | None = None) -> PartnerOrgs:
    """A teacher college covers its region; an institution the regions it is contracted for
    in `program` (in any program when None, as its scope does)."""
    from tisheng.accounts.models import RoleAssignment
    from tisheng.learning.models import Contract

    assignments = list(RoleAssignment.objects.filter(user=actor, role=side, organization__kind=side)
                       .select_related("organization", "organization__region")) if actor is not None else []
    if side == INSTITUTION and program is not None:
        paths: dict[int, list[str]] = {a.organization_id: [] for a in assignments}
        for org_id, path in Contract.objects.filter(program=program, institution__in=list(paths)).values_list(
                "institution_id", "region_path"):
            paths[org_id].append(path)
        return PartnerOrgs(side=side, orgs=[(a.organization, sorted(paths[a.organization_id])) for a in assignments])
    return PartnerOrgs(side=side, orgs=[(a.organization, a.scope_paths()) for a in assignments])


def partner_sides(actor) -> list[str]:
    """Which partner sides the actor signs for (usually one)."""
    from tisheng.accounts.models import RoleAssignment

    kinds = set(RoleAssignment.objects.filter(user=actor, role__in=[INSTITUTION, COLLEGE],
                                              organization__isnull=False)
                .values_list("role", flat=True))
    return [s for s in (INSTITUTION, COLLEGE) if s in kinds]


def _county_path(org_path: str) -> str:
    return org_path.rsplit("/", 1)[0]


def _org_or_deny(orgs: PartnerOrgs, enrollment: Enrollment) -> Organization:
    org = orgs.for_path(enrollment.org_path)
    if org is None:
        raise PermissionDenied(NOT_ALLOWED)
    return org


def partner_issue(*, actor, enrollment: Enrollment, code: str, orgs: PartnerOrgs | None = None,
                  tell: list[Message] | None = None) -> Certificate:
    """The institution issues a kind it issues alone; its own name is the issuer. A batch
    passes `tell` to collect the teachers' notices and send them in bulk."""
    rule = certificate_rule(enrollment.program, code)
    if list(rule.issuers) != [INSTITUTION]:
        raise ValidationError(NOT_INSTITUTION_KIND, code="not_institution_kind")
    org = _org_or_deny(orgs or partner_orgs(actor, INSTITUTION, enrollment.program), enrollment)
    return certificate_issue(actor=actor, enrollment=enrollment, code=code,
                             issuers={(INSTITUTION, _county_path(enrollment.org_path)): org.name}, tell=tell)


def _open_signatures(enrollment: Enrollment, code: str) -> dict[str, PartnerSignature]:
    return {s.side: s for s in PartnerSignature.objects.select_for_update()
            .filter(enrollment=enrollment, code=code, certificate__isnull=True).select_related("organization")}


def partner_sign(*, actor, enrollment: Enrollment, code: str, side: str | None = None,
                 orgs: PartnerOrgs | None = None, tell: list[Message] | None = None) -> Certificate | None:
    """Sign a joint kind for `enrollment` on the actor's side. The institution signs first
    (the enrollment must meet the kind's requirements); the teacher college's signature
    issues the certificate with both names on it, which is returned (None while pending)."""
    rule = certificate_rule(enrollment.program, code)
    if sorted(rule.issuers) != [INSTITUTION, COLLEGE]:
        raise ValidationError(NOT_JOINT_KIND, code="not_joint_kind")
    if orgs is None:
        side = side or next(iter(partner_sides(actor)), INSTITUTION)
        orgs = partner_orgs(actor, side, enrollment.program)
    org = _org_or_deny(orgs, enrollment)
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().select_related("program", "teacher").get(pk=enrollment.pk)
        held = set(Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=True)
                   .values_list("code", flat=True))
        if code in held:
            raise ValidationError(ALREADY_HOLDS, code="already_holds")
        problems = certificate_problems(enrollment, rule, held)
        if problems:
            raise problems[0]
        signatures = _open_signatures(enrollment, code)
        if orgs.side == COLLEGE and INSTITUTION not in signatures:
            raise ValidationError(NOT_PROPOSED, code="not_proposed")
        if orgs.side not in signatures:
            signatures[orgs.side] = PartnerSignature.objects.create(
                enrollment=enrollment, code=code, side=orgs.side, organization=org, signed_by=actor,
                signed_at=timezone.now(), org_path=enrollment.org_path)
            audit(actor=actor, action="certificate_signed", obj=signatures[orgs.side], code=code,
                  side=orgs.side, organization=org.code, teacher=enrollment.teacher_id)
        if INSTITUTION not in signatures or COLLEGE not in signatures:
            return None
        county = _county_path(enrollment.org_path)
        certificate = certificate_issue(actor=actor, enrollment=enrollment, code=code, issuers={
            (INSTITUTION, county): signatures[INSTITUTION].organization.name,
            (COLLEGE, county): signatures[COLLEGE].organization.name,
        }, tell=tell)
        PartnerSignature.objects.filter(pk__in=[s.pk for s in signatures.values()]).update(certificate=certificate)
    return certificate


# Reads: what each side can act on, scoped by the one scope filter.

def _narrow(qs: QuerySet, path: str | None, field: str = "org_path") -> QuerySet:
    return qs.filter(path_q(field, [path])) if path else qs


def institution_issuable(*, actor, program: Program, code: str, path: str | None = None) -> QuerySet[Enrollment]:
    """Enrollments the institution may issue `code` to now (institution-only kinds): in its
    scope and in the regions it is contracted for in `program`."""
    qs = eligible_enrollments(actor=actor, program=program, code=code, region=_province())
    return _narrow(qs.filter(path_q("org_path", partner_orgs(actor, INSTITUTION, program).paths)), path)


def institution_signable(*, actor, program: Program, code: str, path: str | None = None) -> QuerySet[Enrollment]:
    """Eligible enrollments the institution has not signed yet (joint kinds)."""
    signed = PartnerSignature.objects.filter(enrollment=OuterRef("pk"), code=code, side=INSTITUTION,
                                             certificate__isnull=True)
    return institution_issuable(actor=actor, program=program, code=code, path=path).exclude(Exists(signed))


def awaiting_college(*, actor, program: Program, code: str, path: str | None = None) -> QuerySet[Enrollment]:
    """Enrollments the institution has signed and the teacher college has not (in scope)."""
    signed = PartnerSignature.objects.filter(enrollment=OuterRef("pk"), code=code, side=INSTITUTION,
                                             certificate__isnull=True)
    qs = scope_filter(Enrollment.objects.filter(program=program), actor, Cap.CERTIFICATES_ISSUE_PARTNER)
    return _narrow(qs.filter(Exists(signed)), path)


def _province() -> Region:
    """The root region to count under: eligible_enrollments wants a region; the scope
    filter already narrows to the actor's subtrees, so the province is the widest one."""
    return Region.objects.filter(parent__isnull=True).order_by("code").first() or Region(path="")


def candidates(*, actor, program: Program, code: str, action: str, path: str | None = None) -> QuerySet[Enrollment]:
    if action == "issue":
        return institution_issuable(actor=actor, program=program, code=code, path=path)
    if action == "sign":
        return institution_signable(actor=actor, program=program, code=code, path=path)
    if action == "cosign":
        return awaiting_college(actor=actor, program=program, code=code, path=path)
    raise ValidationError(UNKNOWN_ACTION, code="unknown_action")


def counts_by_school(qs: QuerySet[Enrollment]) -> list[dict]:
    """Per school (with its county) how many enrollments `qs` holds: one grouped query."""
    return list(qs.order_by().values("school_id", "school__name", "school__path", "school__county__name",
                                     "school__county__path")
                .annotate(n=Count("id")).order_by("school__path"))


def counts_by_county(school_rows: list[dict]) -> list[dict]:
    counties: dict[str, dict] = {}
    for row in school_rows:
        c = counties.setdefault(row["school__county__path"], {"path": row["school__county__path"],
                                                              "name": row["school__county__name"], "n": 0})
        c["n"] += row["n"]
    return sorted(counties.values(), key=lambda c: c["path"])


def partner_batch(*, actor, program: Program, code: str, action: str, path: str,
                  progress: Callable[[int, int], None] | None = None, chunk: int = 100) -> dict:
    """Issue, sign or co-sign `code` for every candidate at or below `path` (a county or a
    school); returns the counts like the province's batch."""
    side = COLLEGE if action == "cosign" else INSTITUTION
    orgs = partner_orgs(actor, side, program)
    if orgs.for_path(path) is None:
        raise PermissionDenied(NOT_ALLOWED)
    ids = list(candidates(actor=actor, program=program, code=code, action=action, path=path)
               .order_by("org_path", "id").values_list("pk", flat=True))
    total, done, issued, failed = len(ids), 0, 0, 0
    errors: dict[str, int] = {}
    if progress:
        progress(0, total)
    for start in range(0, total, chunk):
        tell: list[Message] = []
        for enrollment in Enrollment.objects.filter(pk__in=ids[start:start + chunk]).select_related("teacher__user"):
            enrollment.program = program
            try:
                if action == "issue":
                    partner_issue(actor=actor, enrollment=enrollment, code=code, orgs=orgs, tell=tell)
                    issued += 1
                elif partner_sign(actor=actor, enrollment=enrollment, code=code, orgs=orgs, tell=tell) is not None:
                    issued += 1
                done += 1
            except ValidationError as exc:
                failed += 1
                errors[exc.messages[0]] = errors.get(exc.messages[0], 0) + 1
        notify_many(tell)  # the chunk's teachers, in one INSERT (as the province's batch)
        if progress:
            progress(min(start + chunk, total), total)
    return {"eligible": total, "signed": done, "issued": issued, "failed": failed, "errors": errors}
