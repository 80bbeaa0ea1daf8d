"""Writes for certificates: issue one, issue a region's batch, revoke.

    certificate_issue(actor=officer, enrollment=enrollment, code="completion")

checks what the program's rule set asks of that kind (hours from the enrollment's last
completion evaluation, an approved completion, certificates it builds on), numbers it,
signs it and, for the program's final certificate, moves the enrollment to `certified`.
Issuing a kind an enrollment already holds returns the certificate it has.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.certificates import signing
from tisheng.certificates.models import Certificate, CertificateSequence
from tisheng.notifications import notices
from tisheng.notifications.services import Message, notify_many
from tisheng.orgs.models import Organization, Region
from tisheng.orgs.scope import path_in_scope, path_q, scope_filter
from tisheng.programs.models import Enrollment, EnrollmentState, Program
from tisheng.programs.rules import CATEGORY_LABELS, CertificateRule

UNKNOWN_KIND = _("The program has no certificate of this kind.")
NOT_ALLOWED = _("You may not issue this kind of certificate for this teacher.")
EXEMPT = _("An exempt teacher receives no certificate.")
NOT_APPROVED = _("This certificate is issued only after the completion has been approved.")
NOT_ENOUGH_HOURS = _("Not enough hours for this certificate: %(category)s needs %(need)s, has %(have)s.")
MISSING_CERTIFICATES = _("This certificate needs these certificates first: %(names)s.")
NO_ISSUER = _("No %(issuer)s serves this teacher's county, so the certificate has no issuer.")
REVOKE_NEEDS_REASON = _("Give the reason for revoking the certificate.")
ALREADY_REVOKED = _("This certificate has already been revoked.")

ISSUER_LABELS = {"institution": _("training institution"), "teacher_college": _("teacher college"),
                 "province": _("province office")}

# GB/T 2260 province codes → the two-letter abbreviations of ISO 3166-2:CN.
PROVINCE_ABBREVIATIONS = {
    "11": "BJ", "12": "TJ", "13": "HE", "14": "SX", "15": "NM", "21": "LN", "22": "JL", "23": "HL",
    "31": "SH", "32": "JS", "33": "ZJ", "34": "AH", "35": "FJ", "36": "JX", "37": "SD", "41": "HA",
    "42": "HB", "43": "HN", "44": "GD", "45": "GX", "46": "HI", "50": "CQ", "51": "SC", "52": "GZ",
    "53": "YN", "54": "XZ", "61": "SN", "62": "GS", "63": "QH", "64": "NX", "65": "XJ",
}

IssuerCache = dict[tuple[str, str], str]


def certificate_rule(program: Program, code: str) -> CertificateRule:
    for rule in program.ruleset.certificates:
        if rule.code == code:
            return rule
    raise ValidationError(UNKNOWN_KIND, code="unknown_kind")


def issue_capability(rule: CertificateRule) -> str:
    """The province's kinds need `certificates.issue`; partners' kinds `issue_partner`."""
    return Cap.CERTIFICATES_ISSUE if "province" in rule.issuers else Cap.CERTIFICATES_ISSUE_PARTNER


def _hours_of(enrollment: Enrollment, category: str) -> Decimal:
    return getattr(enrollment, f"{category}_hours")


def _fmt(value: Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return text


def certificate_problems(enrollment: Enrollment, rule: CertificateRule, held_codes: set[str]) -> list[ValidationError]:
    """Why `enrollment` cannot receive `rule`'s certificate now (empty: it can)."""
    problems = []
    if enrollment.state == EnrollmentState.EXEMPT:
        return [ValidationError(EXEMPT, code="exempt")]
    if rule.requires_completion and enrollment.state not in (EnrollmentState.APPROVED, EnrollmentState.CERTIFIED):
        problems.append(ValidationError(NOT_APPROVED, code="not_approved"))
    for category, need in rule.min_hours.items():
        have = _hours_of(enrollment, category)
        if have < need:
            problems.append(ValidationError(
                NOT_ENOUGH_HOURS, code="not_enough_hours",
                params={"category": CATEGORY_LABELS[category], "need": _fmt(need), "have": _fmt(have)}))
    missing = [c for c in rule.requires_certificates if c not in held_codes]
    if missing:
        names = "、".join(r.name for r in enrollment.program.ruleset.certificates if r.code in missing)
        problems.append(ValidationError(MISSING_CERTIFICATES, code="missing_certificates", params={"names": names}))
    return problems


def _path_parts(org_path: str) -> tuple[str, str]:
    """(province code, county code) of a school path like 35/3501/350102/3501020001."""
    parts = org_path.split("/")
    return parts[0], parts[-2] if len(parts) >= 2 else parts[0]


def _issuer_name(kind: str, org_path: str, cache: IssuerCache) -> str:
    county_path = org_path.rsplit("/", 1)[0]
    key = (kind, county_path)
    if key in cache:
        return cache[key]
    if kind == "province":
        province = Region.objects.filter(code=org_path.split("/")[0]).values_list("name", flat=True).first()
        name = f"{province}教育厅" if province else ""
    else:
        parts = county_path.split("/")
        ancestors = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        # The nearest one: a county's teacher college before its city's.
        orgs = sorted(Organization.objects.filter(kind=kind, region__path__in=ancestors).select_related("region"),
                      key=lambda o: (-len(o.region.path), o.code))
        org = orgs[0] if orgs else None
        name = org.name if org else ""
    if not name:
        raise ValidationError(NO_ISSUER, code="no_issuer", params={"issuer": ISSUER_LABELS[kind]})
    cache[key] = name
    return name


def _next_number(program: Program, org_path: str) -> str:
    province, county = _path_parts(org_path)
    prefix = f"{PROVINCE_ABBREVIATIONS.get(province, 'P' + province)}{program.start_date.year}-{county}"
    seq, _created = CertificateSequence.objects.select_for_update().get_or_create(prefix=prefix)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}-{seq.last:06d}"


def certificate_issue(*, actor, enrollment: Enrollment, code: str, issuers: IssuerCache | None = None,
                      tell: list[Message] | None = None) -> Certificate:
    """Issue the `code` certificate to `enrollment` (or return the valid one it has).

    `actor` None is the system (seeding, benchmarks); a person needs the kind's capability
    over the teacher's school. `issuers` caches issuer names across a batch. The teacher is
    told of a new certificate; a batch passes `tell` to collect the notices and send them in bulk."""
    program = enrollment.program
    rule = certificate_rule(program, code)
    if actor is not None and not path_in_scope(actor, issue_capability(rule), enrollment.org_path):
        raise PermissionDenied(NOT_ALLOWED)
    try:
        with transaction.atomic():
            # The state and hours as they are now, locked: the review chain or the completion
            # evaluator cannot change them under us, and two issuers of one enrollment queue up.
            current = (Enrollment.objects.select_for_update().filter(pk=enrollment.pk)
                       .values("state", *(f"{c}_hours" for c in ("online", "practice", "offline", "imported")),
                               "total_hours").get())
            for field, value in current.items():
                setattr(enrollment, field, value)
            held = {c.code: c for c in Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=True)}
            if code in held:
                return held[code]
            problems = certificate_problems(enrollment, rule, set(held))
            if problems:
                raise problems[0]
            cache = issuers if issuers is not None else {}
            issuer_names = [_issuer_name(kind, enrollment.org_path, cache) for kind in rule.issuers]
            now = timezone.now()
            categories = list(rule.min_hours) or ["online", "practice", "offline", "imported"]
            hours = (sum((_hours_of(enrollment, c) for c in rule.min_hours), Decimal(0)) if rule.min_hours
                     else enrollment.total_hours)
            teacher = enrollment.teacher
            number = _next_number(program, enrollment.org_path)
            id_masked = teacher.national_id_masked
            issued_on = timezone.localtime(now).date().isoformat()
            # Every fact the page prints is signed, so `verify-certificate` can hold the page to it.
            payload = {"no": number, "name": teacher.name, "id": id_masked, "prog": program.code, "cert": code,
                       "h": _fmt(hours), "d": issued_on, "pn": program.name, "cn": rule.name, "iss": issuer_names}
            certificate = Certificate.objects.create(
                number=number, enrollment=enrollment, program=program, teacher=teacher, code=code, name=rule.name,
                teacher_name=teacher.name, id_masked=id_masked, program_code=program.code, program_name=program.name,
                hours=hours, hours_detail={c: _fmt(_hours_of(enrollment, c)) for c in categories},
                issuers=issuer_names, org_path=enrollment.org_path, issued_at=now,
                issued_by=actor if actor is not None and actor.pk else None, signed=signing.sign_payload(payload),
            )
            if rule.requires_completion and enrollment.state != EnrollmentState.CERTIFIED:
                Enrollment.objects.filter(pk=enrollment.pk).update(state=EnrollmentState.CERTIFIED, updated_at=now)
                enrollment.state = EnrollmentState.CERTIFIED
            audit(actor=actor, action="certificate_issued", obj=certificate, number=number, code=code,
                  program=program.code, teacher=teacher.pk)
            if tell is None:
                notices.certificate_issued(certificate)
            else:
                tell.append(notices.certificate_message(certificate))
    except IntegrityError:
        # Another worker issued the same kind to this enrollment in the meantime: the unique
        # constraint caught it, our transaction (and its number) rolled back; theirs stands.
        existing = Certificate.objects.filter(enrollment=enrollment, code=code, revoked_at__isnull=True).first()
        if existing is None:
            raise
        return existing
    return certificate


@transaction.atomic
def certificate_revoke(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke with a reason (shown on the verify page). Revoking the program's final
    certificate puts the enrollment back to approved, so a corrected one can be issued."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(REVOKE_NEEDS_REASON, code="reason_required")
    if not path_in_scope(actor, Cap.CERTIFICATES_REVOKE, certificate.org_path):
        raise PermissionDenied
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked:
        raise ValidationError(ALREADY_REVOKED, code="already_revoked")
    now = timezone.now()
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by = now, reason, actor
    certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    rule = next((r for r in certificate.program.ruleset.certificates if r.code == certificate.code), None)
    if rule is not None and rule.requires_completion:
        Enrollment.objects.filter(pk=certificate.enrollment_id, state=EnrollmentState.CERTIFIED).update(
            state=EnrollmentState.APPROVED, updated_at=now)
    audit(actor=actor, action="certificate_revoked", obj=certificate, number=certificate.number, reason=reason)
    return certificate


def eligible_enrollments(*, actor, program: Program, code: str, region: Region):
    """Enrollments of `region` (a county, a city, the province) in scope for issuing `code`
    that meet its requirements and do not hold it yet: the whole eligibility as one query
    (the hours are on the row)."""
    rule = certificate_rule(program, code)
    qs = scope_filter(Enrollment.objects.filter(program=program), actor, issue_capability(rule))
    qs = qs.filter(path_q("org_path", [region.path])).exclude(state=EnrollmentState.EXEMPT)
    if rule.requires_completion:
        qs = qs.filter(state=EnrollmentState.APPROVED)
    for category, need in rule.min_hours.items():
        qs = qs.filter(**{f"{category}_hours__gte": need})
    valid = Certificate.objects.filter(enrollment=OuterRef("pk"), revoked_at__isnull=True)
    qs = qs.exclude(Exists(valid.filter(code=code)))
    for required in rule.requires_certificates:
        qs = qs.filter(Exists(valid.filter(code=required)))
    return qs


def certificates_issue_batch(*, actor, program: Program, code: str, region: Region,
                             progress: Callable[[int, int], None] | None = None, chunk: int = 100) -> dict:
    """Issue `code` to every eligible enrollment of `region`; returns the counts."""
    rule = certificate_rule(program, code)
    if not path_in_scope(actor, issue_capability(rule), region.path):
        raise PermissionDenied(NOT_ALLOWED)
    ids = list(eligible_enrollments(actor=actor, program=program, code=code, region=region)
               .order_by("org_path", "id").values_list("pk", flat=True))
    total, issued, failed = len(ids), 0, 0
    errors: dict[str, int] = {}
    issuers: IssuerCache = {}
    if progress:
        progress(0, total)
    for start in range(0, total, chunk):
        batch = Enrollment.objects.filter(pk__in=ids[start:start + chunk]).select_related("teacher__user", "program")
        tell: list[Message] = []
        for enrollment in batch:
            enrollment.program = program
            try:
                certificate_issue(actor=actor, enrollment=enrollment, code=code, issuers=issuers, tell=tell)
                issued += 1
            except ValidationError as exc:
                failed += 1
                errors[exc.messages[0]] = errors.get(exc.messages[0], 0) + 1
        notify_many(tell)  # the chunk's teachers, in one INSERT
        if progress:
            progress(min(start + chunk, total), total)
    return {"eligible": total, "issued": issued, "failed": failed, "errors": errors}
