"""Writes to the hours ledger: credits, reversals, and hours declared from other platforms.

The ledger is append-only (the database refuses UPDATE and DELETE): a credit is a row, a
correction is a reversing row with a reason. Crediting the same source twice credits once:
every row carries a unique idempotency key, and a second INSERT with the same key fails
inside a savepoint and finds the first row, which holds under concurrency where a
check-then-insert would not. Every credit and reversal re-evaluates the enrollment's
completion in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tisheng.core import storage_files
from tisheng.ledger.models import Category, ImportedHoursDeclaration, LedgerEntry
from tisheng.notifications import notices
from tisheng.people.models import Teacher
from tisheng.programs.completion import completion_refresh, fmt_hours
from tisheng.programs.models import Enrollment, Program

CREDIT_HOURS_POSITIVE = _("Credited hours must be more than zero.")
CREDIT_UNKNOWN_CATEGORY = _("Unknown hours category.")
CREDIT_NEEDS_GRANTOR = _("A credit names the person or the system that granted it.")
CREDIT_KEY_CONFLICT = _("This idempotency key was already used for a different credit.")
CREDIT_IN_FUTURE = _("Hours cannot be credited for a date still to come.")
REVERSAL_REASON_REQUIRED = _("A reversal needs a reason.")
REVERSAL_ALREADY_DONE = _("This entry has already been reversed.")
REVERSAL_OF_REVERSAL = _("A reversing entry cannot itself be reversed; credit the hours again instead.")

DECLARATION_FILE_TOO_LARGE = _("The certificate file is larger than 5 MB.")
DECLARATION_FILE_TYPE = _("The certificate must be a JPEG or PNG image or a PDF file.")
DECLARATION_HOURS_INVALID = _("Enter the hours as a number between 0.5 and 100.")
DECLARATION_FIELDS_REQUIRED = _("Name the platform and the training.")
DECLARATION_NOT_ENROLLED = _("You are not enrolled in this program.")
DECLARATION_NOT_ACCEPTED = _("This program does not accept hours from other platforms.")
DECLARATION_NOT_PENDING = _("This declaration has already been decided.")
DECLARATION_REJECT_REASON = _("Give the teacher a reason for the rejection.")
DECLARATION_CAP_REACHED = _("The teacher already has the most imported hours this program counts; reject the declaration instead.")
# Shown (and stored as the declaration's note) when approval credits less than declared.
DECLARATION_CAPPED_NOTE = "按外部学时上限 {cap} 学时，核定 {approved} 学时（申报 {declared} 学时）"

MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
# Content types by the file's first bytes, whatever its name or the browser claims.
MAGIC = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
         (b"%PDF-", "application/pdf", "pdf"))
CENT = Decimal("0.01")


def default_key(*, program: Program, teacher: Teacher, category: str, source_kind: str, source_id: str) -> str:
    """`program:teacher:category:source_kind:source_id`. The teacher is part of it: one
    course completed by two teachers is two credits. Hashed when it would not fit."""
    key = f"{program.code}:{teacher.pk}:{category}:{source_kind}:{source_id}"
    if len(key) > 128:
        key = f"{program.code}:{teacher.pk}:sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key[:128]


def _refresh_enrollment(program_id: int, teacher_id: int) -> None:
    enrollment = Enrollment.objects.filter(program_id=program_id, teacher_id=teacher_id).first()
    if enrollment is not None:
        completion_refresh([enrollment])


def ledger_credit(
    *,
    teacher: Teacher,
    program: Program,
    category: str,
    hours: Decimal | str | int,
    source_kind: str,
    source_id: str | int,
    granted_by=None,
    granted_by_system: str = "",
    idempotency_key: str | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> LedgerEntry:
    """Credit `hours` of `category` to the teacher in the program, once per source.

    Returns the new entry, or the entry the same key credited before (`entry.created`
    says which). Refreshes the enrollment's completion. `at` is when the hours were earned
    when that was before now (a training held last year, recorded today); the registry
    files them under that date."""
    if category not in Category.values:
        raise ValidationError(CREDIT_UNKNOWN_CATEGORY)
    hours = Decimal(str(hours)).quantize(CENT)
    if hours <= 0:
        raise ValidationError(CREDIT_HOURS_POSITIVE)
    if granted_by is None and not granted_by_system:
        raise ValidationError(CREDIT_NEEDS_GRANTOR)
    if at is not None and at > timezone.now():
        raise ValidationError(CREDIT_IN_FUTURE)
    source_id = str(source_id)
    key = idempotency_key or default_key(program=program, teacher=teacher, category=category,
                                         source_kind=source_kind, source_id=source_id)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a duplicate key fails only this INSERT
                entry = LedgerEntry.objects.create(
                    teacher=teacher, program=program, category=category, hours=hours, source_kind=source_kind,
                    source_id=source_id, idempotency_key=key, granted_by=granted_by,
                    granted_by_system=granted_by_system, reason=reason, at=at or timezone.now())
            entry.created = True
        except IntegrityError:
            entry = LedgerEntry.objects.filter(idempotency_key=key).first()
            if entry is None:  # not the key: a broken reference, let it surface
                raise
            if (entry.teacher_id, entry.program_id, entry.category, entry.hours) != (
                    teacher.pk, program.pk, category, hours):
                raise ValidationError(CREDIT_KEY_CONFLICT) from None
            entry.created = False
            return entry
        _refresh_enrollment(program.pk, teacher.pk)
    return entry


def ledger_credit_many(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Credit many system-granted rows at once (a termination's carry-over for thousands of
    teachers): the rows whose idempotency keys are new are inserted in bulk, a key used before
    credits nothing (as ledger_credit), and the enrollments touched are re-evaluated per program
    in one grouped pass. `entries` are unsaved rows with hours > 0, a known category, a grantor
    and a key. Returns the rows inserted now. Call it where nothing else writes the same keys at
    the same time (the caller holds a lock), else a row inserted meanwhile is skipped silently."""
    from tisheng.programs.completion import refresh_enrollments

    for e in entries:
        if e.category not in Category.values or e.hours <= 0 or not (e.granted_by_id or e.granted_by_system) \
                or not e.idempotency_key:
            raise ValidationError(CREDIT_HOURS_POSITIVE if e.hours <= 0 else CREDIT_NEEDS_GRANTOR)
    new: list[LedgerEntry] = []
    with transaction.atomic():
        for first in range(0, len(entries), 2000):
            chunk = entries[first:first + 2000]
            used = set(LedgerEntry.objects.filter(idempotency_key__in=[e.idempotency_key for e in chunk])
                       .values_list("idempotency_key", flat=True))
            fresh = [e for e in chunk if e.idempotency_key not in used]
            LedgerEntry.objects.bulk_create(fresh, ignore_conflicts=True)
            new += fresh
        refresh_enrollments({(e.program_id, e.teacher_id) for e in new})
    return new


def ledger_reverse(*, entry: LedgerEntry, actor, reason: str) -> LedgerEntry:
    """Cancel `entry` with a reversing row (negative hours, `reverses=entry`, the reason,
    who did it). An entry is reversed at most once; the database's unique `reverses`
    column holds that under concurrency too."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(REVERSAL_REASON_REQUIRED)
    if entry.reverses_id is not None:
        raise ValidationError(REVERSAL_OF_REVERSAL)
    with transaction.atomic():
        try:
            with transaction.atomic():
                reversal = LedgerEntry.objects.create(
                    teacher_id=entry.teacher_id, program_id=entry.program_id, category=entry.category,
                    hours=-entry.hours, source_kind=entry.source_kind, source_id=entry.source_id,
                    idempotency_key=f"reverse:{entry.pk}", granted_by=actor if actor is not None and actor.pk else None,
                    granted_by_system="" if actor is not None and actor.pk else "system",
                    reverses=entry, reason=reason[:255])
        except IntegrityError:
            raise ValidationError(REVERSAL_ALREADY_DONE) from None
        _refresh_enrollment(entry.program_id, entry.teacher_id)
    return reversal


# Declarations of hours earned on other platforms ---------------------------------------


def sniff_certificate(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an uploaded certificate, judged by its first bytes;
    ValidationError when it is too large or not a JPEG, PNG or PDF."""
    if upload.size > MAX_CERTIFICATE_BYTES:
        raise ValidationError(DECLARATION_FILE_TOO_LARGE)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type, ext in MAGIC:
        if head.startswith(magic):
            return content_type, ext
    raise ValidationError(DECLARATION_FILE_TYPE)


def _parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value).strip()).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise ValidationError(DECLARATION_HOURS_INVALID) from None
    if not (Decimal("0.5") <= hours <= 100):
        raise ValidationError(DECLARATION_HOURS_INVALID)
    return hours


def declaration_submit(*, actor, teacher: Teacher, program: Program, platform: str, title: str,
                       hours, certificate: UploadedFile) -> ImportedHoursDeclaration:
    """The teacher declares hours from another platform with its certificate, stored in the private
    file store (core/storage_files.py: never public, served only to those who may see the teacher)."""
    platform, title = (platform or "").strip(), (title or "").strip()
    if not platform or not title:
        raise ValidationError(DECLARATION_FIELDS_REQUIRED)
    hours = _parse_hours(hours)
    if not Enrollment.objects.filter(program=program, teacher=teacher).exists():
        raise ValidationError(DECLARATION_NOT_ENROLLED)
    if program.ruleset.max_imported_hours <= 0:
        raise ValidationError(DECLARATION_NOT_ACCEPTED)
    content_type, ext = sniff_certificate(certificate)
    now = timezone.now()
    relative = f"declarations/{now:%Y/%m}/{uuid.uuid4().hex}.{ext}"
    # Saved before the row; a store that cannot take it is a ValidationError with a clear message.
    relative = storage_files.save(relative, certificate, actor=actor, scope_path=teacher.org_path)
    with storage_files.discarded_on_error(relative):
        declaration = ImportedHoursDeclaration(
            teacher=teacher, program=program, org_path=teacher.org_path, platform=platform[:64], title=title[:128],
            hours=hours, certificate_file=relative, certificate_type=content_type, created_at=now)
        declaration.full_clean()
        declaration.save()
    return declaration


def imported_hours_credited(teacher_id: int, program_id: int) -> Decimal:
    total = (LedgerEntry.objects.filter(teacher_id=teacher_id, program_id=program_id, category=Category.IMPORTED)
             .aggregate(total=Sum("hours"))["total"])
    return total or Decimal("0")


def declaration_approve(*, actor, declaration: ImportedHoursDeclaration) -> ImportedHoursDeclaration:
    """Approve as `imported` hours, no more than the rule set's cap leaves: the approved
    amount is reduced to fit and the note says so."""
    with transaction.atomic():
        declaration = ImportedHoursDeclaration.objects.select_for_update().select_related(
            "teacher", "program").get(pk=declaration.pk)
        if declaration.state != ImportedHoursDeclaration.State.PENDING:
            raise ValidationError(DECLARATION_NOT_PENDING)
        # Two declarations of one teacher approved at once must not both fit under the cap.
        list(Enrollment.objects.select_for_update().filter(program_id=declaration.program_id,
                                                           teacher_id=declaration.teacher_id).values_list("pk"))
        cap = declaration.program.ruleset.max_imported_hours
        left = cap - imported_hours_credited(declaration.teacher_id, declaration.program_id)
        if left <= 0:
            raise ValidationError(DECLARATION_CAP_REACHED)
        approved = min(declaration.hours, left)
        note = ""
        if approved < declaration.hours:
            note = DECLARATION_CAPPED_NOTE.format(cap=fmt_hours(cap), approved=fmt_hours(approved),
                                                  declared=fmt_hours(declaration.hours))
        ledger_credit(teacher=declaration.teacher, program=declaration.program, category=Category.IMPORTED,
                      hours=approved, source_kind="declaration", source_id=declaration.pk, granted_by=actor,
                      reason=f"{declaration.platform} · {declaration.title}"[:255])
        declaration.state = ImportedHoursDeclaration.State.APPROVED
        declaration.approved_hours = approved
        declaration.note = note
        declaration.decided_by = actor
        declaration.decided_at = timezone.now()
        declaration.save(update_fields=["state", "approved_hours", "note", "decided_by", "decided_at"])
        notices.declaration_decided(declaration, actor=actor)  # the teacher is told (after commit)
    return declaration


def declaration_reject(*, actor, declaration: ImportedHoursDeclaration, reason: str) -> ImportedHoursDeclaration:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(DECLARATION_REJECT_REASON)
    with transaction.atomic():
        declaration = ImportedHoursDeclaration.objects.select_for_update().get(pk=declaration.pk)
        if declaration.state != ImportedHoursDeclaration.State.PENDING:
            raise ValidationError(DECLARATION_NOT_PENDING)
        declaration.state = ImportedHoursDeclaration.State.REJECTED
        declaration.note = reason[:255]
        declaration.decided_by = actor
        declaration.decided_at = timezone.now()
        declaration.save(update_fields=["state", "note", "decided_by", "decided_at"])
        notices.declaration_decided(declaration, actor=actor)
    return declaration
