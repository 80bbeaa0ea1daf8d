"""Assignments (作业): the tutor sets a task with a rubric and a deadline; teachers submit text
and/or a file, checked by content like practice evidence (the same sniffing and size limits),
replaceable until graded; the tutor grades it per criterion with a comment and may mark it
excellent. A pass earns the assignment's hours in the program's HoursRule category, credited
through the ledger once (idempotent key per assignment and teacher) and never beyond the rule's
cap; a regrade to a fail reverses the credit. Grades are audited and the teacher is told."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from tisheng.accounts.services import audit
from tisheng.communities.models import Assignment, AssignmentSubmission, ClassMember, HoursRule, StudyClass
from tisheng.core import storage_files
from tisheng.ledger.models import LedgerEntry
from tisheng.ledger.services import ledger_credit, ledger_reverse
from tisheng.notifications.models import Kind
from tisheng.notifications.services import Message, notify, notify_many
from tisheng.practice.models import EvidenceKind
from tisheng.practice.services.evidence import (
    FILE_EMPTY,
    FILE_TOO_LARGE,
    FILE_TYPE_UNKNOWN,
    KIND_LABELS,
    display_name,
    max_bytes,
    sniff,
)

SOURCE_KIND = "communities.assignment"
FOLDER = "assignments"  # in the private file store
PASS_SHARE = Decimal("0.6")  # a pass: at least 60 % of the rubric's points
MAX_HOURS = Decimal("20")
CHUNK = 1024 * 1024

TITLE_REQUIRED = _("Give the assignment a title and instructions.")
RUBRIC_INVALID = _("Write the rubric one criterion a line as “criterion | points” (points a whole number from 1 to 100).")
DUE_INVALID = _("Give a deadline in the future.")
HOURS_INVALID = _("The hours for a pass must be a number from 0 to 20.")
NOTHING_SUBMITTED = _("Write your work or attach a file.")
NOT_A_MEMBER = _("Only the class's teachers submit assignments.")
ALREADY_GRADED = _("Your work has been graded; it can no longer be replaced.")
SCORE_INVALID = _("Give each criterion a whole number of points from 0 to its maximum.")
FILE_KINDS = (EvidenceKind.DOCUMENT, EvidenceKind.SLIDES, EvidenceKind.IMAGE, EvidenceKind.VIDEO)
REGRADE_REASON = "作业重新评分为不合格，撤销此前计入的学时"


def parse_rubric(text: str) -> list[dict]:
    """“criterion | points” lines → [{"name", "points"}]."""
    rubric = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, sep, points = line.replace("｜", "|").rpartition("|")
        name = name.strip()
        try:
            value = int(points.strip())
        except ValueError:
            raise ValidationError(RUBRIC_INVALID) from None
        if not sep or not name or not 1 <= value <= 100 or len(name) > 100:
            raise ValidationError(RUBRIC_INVALID)
        rubric.append({"name": name, "points": value})
    if not rubric or len({c["name"] for c in rubric}) != len(rubric):
        raise ValidationError(RUBRIC_INVALID)
    return rubric


def hours_rule(program) -> HoursRule:
    """The program's rule, or the defaults (网络研修, at most 10 hours) until the province sets one."""
    rule = HoursRule.objects.filter(program=program).first() or HoursRule(program=program)
    rule.assignment_cap = Decimal(str(rule.assignment_cap))
    return rule


def _url(obj) -> str:
    return reverse("communities:assignment_detail", args=[obj.pk])


@transaction.atomic
def assignment_create(*, actor, study_class: StudyClass, title: str, instructions: str, rubric_text: str,
                      due_at: dt.datetime | None, hours) -> Assignment:
    title, instructions = (title or "").strip(), (instructions or "").strip()
    if not title or not instructions:
        raise ValidationError(TITLE_REQUIRED)
    rubric = parse_rubric(rubric_text)
    if due_at is None or due_at <= timezone.now():
        raise ValidationError(DUE_INVALID)
    try:
        hours = Decimal(str(hours or "0")).quantize(Decimal("0.1"))
    except ArithmeticError:
        raise ValidationError(HOURS_INVALID) from None
    if not Decimal(0) <= hours <= MAX_HOURS:
        raise ValidationError(HOURS_INVALID)
    assignment = Assignment(study_class=study_class, title=title, instructions=instructions, rubric=rubric,
                            due_at=due_at, hours=hours, created_by=actor)
    assignment.full_clean(exclude=["created_by"])
    assignment.save()
    due = timezone.localtime(due_at)
    members = ClassMember.objects.filter(study_class=study_class).select_related("teacher__user")
    notify_many([Message(to=m.teacher, kind=Kind.OTHER, title=f"{study_class.name}新作业：{title}",
                         body=f"请于{due:%Y年%m月%d日 %H:%M}前提交。", url=_url(assignment)) for m in members])
    audit(actor=actor, action="communities.assignment_create", obj=study_class, name=title)
    return assignment


def _receive(upload: UploadedFile, limit: int, actor, folder: str) -> tuple[Path, str, int]:
    fd, name = storage_files.temporary_file(prefix=f".{folder}-", actor=actor)  # on this node's disk, 0600
    digest, size = hashlib.sha256(), 0
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            out.write(chunk)
    return Path(name), digest.hexdigest(), size


def checked_upload(upload: UploadedFile, actor, folder: str = "assignments") -> tuple[Path, dict]:
    """Receive the upload into a temporary file on this node's disk and check it like practice evidence:
    its type by content, the size limit of its kind. Returns the file and its fields (original
    name, content type, size, sha256, extension). The pairing log's evidence uses it too."""
    tmp, sha, size = _receive(upload, max(max_bytes(k) for k in FILE_KINDS), actor, folder)
    try:
        if size == 0:
            raise ValidationError(_gettext(FILE_EMPTY))
        sniffed = sniff(tmp)
        if sniffed is None:
            raise ValidationError(_gettext(FILE_TYPE_UNKNOWN))
        kind, content_type, ext = sniffed
        if size > max_bytes(kind):
            raise ValidationError(_gettext(FILE_TOO_LARGE) % {"limit": max_bytes(kind) // (1024 * 1024),
                                                              "kind": _gettext(KIND_LABELS[kind])})
    except ValidationError:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, {"original_name": display_name(upload.name) or f"file.{ext}", "content_type": content_type,
                 "size": size, "sha256": sha, "ext": ext}


def submission_save(*, actor, assignment: Assignment, teacher, text: str = "",
                    upload: UploadedFile | None = None) -> AssignmentSubmission:
    """Submit or replace the teacher's work (until it is graded). Late work is taken and marked late."""
    if teacher is None or teacher.user_id != actor.pk or not ClassMember.objects.filter(
            study_class_id=assignment.study_class_id, teacher=teacher).exists():
        raise ValidationError(NOT_A_MEMBER)
    text = (text or "").strip()
    if not text and upload is None:
        raise ValidationError(NOTHING_SUBMITTED)
    tmp, fields = checked_upload(upload, actor) if upload is not None else (None, None)
    try:
        stored = ""
        if tmp is not None:  # stored before the row (a store that is down: a clear message, no row)
            stored = storage_files.save_path(
                f"{FOLDER}/{assignment.pk}/{teacher.pk}-{fields['sha256'][:16]}.{fields['ext']}", tmp, actor=actor,
                scope_path=teacher.org_path)
        with storage_files.discarded_on_error(stored) if stored else contextlib.nullcontext(), transaction.atomic():
            existing = (AssignmentSubmission.objects.select_for_update()
                        .filter(assignment=assignment, teacher=teacher).first())
            if existing and existing.status == AssignmentSubmission.Status.GRADED:
                raise ValidationError(ALREADY_GRADED)
            submission = existing or AssignmentSubmission(assignment=assignment, teacher=teacher)
            submission.text = text
            submission.submitted_at = timezone.now()
            submission.late = submission.submitted_at > assignment.due_at
            if fields is not None:
                submission.file_name = stored.removeprefix(f"{FOLDER}/")
                for key in ("original_name", "content_type", "size", "sha256"):
                    setattr(submission, key, fields[key])
            submission.full_clean()
            submission.save()
            audit(actor=actor, action="communities.assignment_submit", obj=submission, scope_path=teacher.org_path,
                  count=fields["size"] if fields else 0)
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return submission


def submission_name(submission: AssignmentSubmission) -> str:
    """The submission's file in the private file store (core/storage_files.py)."""
    if ".." in Path(submission.file_name).parts or submission.file_name.startswith("/"):
        raise ValidationError(NOTHING_SUBMITTED)
    return f"{FOLDER}/{submission.file_name}"


@transaction.atomic
def submission_grade(*, actor, submission: AssignmentSubmission, scores: dict, comment: str = "",
                     excellent: bool = False) -> AssignmentSubmission:
    """Grade per criterion; a pass credits the assignment's hours (capped by the program's rule)
    once; a regrade to a fail reverses that credit. The teacher is told; the grade audited."""
    assignment = submission.assignment
    clean: dict[str, int] = {}
    for criterion in assignment.rubric:
        try:
            value = int(str(scores.get(criterion["name"], "")).strip())
        except ValueError:
            raise ValidationError(SCORE_INVALID) from None
        if not 0 <= value <= int(criterion["points"]):
            raise ValidationError(SCORE_INVALID)
        clean[criterion["name"]] = value
    total = sum(clean.values())
    passed = Decimal(total) >= PASS_SHARE * assignment.max_points
    submission = AssignmentSubmission.objects.select_for_update().get(pk=submission.pk)
    submission.scores, submission.total, submission.passed = clean, total, passed
    submission.excellent = bool(excellent) and passed
    submission.comment = (comment or "").strip()
    submission.status = AssignmentSubmission.Status.GRADED
    submission.graded_by, submission.graded_at = actor, timezone.now()
    program = assignment.study_class.program
    credited = ""
    if passed and assignment.hours > 0 and submission.ledger_entry_id is None:
        rule = hours_rule(program)
        room = rule.assignment_cap - _credited_hours(program, submission.teacher)
        hours = min(assignment.hours, max(room, Decimal(0)))
        if hours > 0:
            # One credit per assignment and teacher; after a reversal (a regrade to a fail) a new
            # pass is a new source, or the ledger's idempotency would hand back the reversed credit.
            source = f"{assignment.pk}:{submission.teacher_id}"
            earlier = LedgerEntry.objects.filter(source_kind=SOURCE_KIND, teacher=submission.teacher, program=program,
                                                 reverses__isnull=True).filter(
                Q(source_id=source) | Q(source_id__startswith=source + "#")).count()
            entry = ledger_credit(teacher=submission.teacher, program=program, category=rule.category, hours=hours,
                                  source_kind=SOURCE_KIND, source_id=f"{source}#{earlier}" if earlier else source,
                                  granted_by=actor, reason=f"作业：{assignment.title}")
            submission.ledger_entry = entry
            credited = f"，计入{entry.hours.normalize():f}学时"
    elif not passed and submission.ledger_entry_id is not None:
        ledger_reverse(entry=submission.ledger_entry, actor=actor, reason=REGRADE_REASON)
        submission.ledger_entry = None
    submission.full_clean()
    submission.save()
    verdict = ("优秀" if submission.excellent else "合格") if passed else "不合格"
    notify(submission.teacher, kind=Kind.OTHER, title=f"作业已评分：{assignment.title}",
           body=f"得分 {total}/{assignment.max_points}，{verdict}{credited}。"
                + (f"辅导教师评语：{submission.comment}" if submission.comment else ""),
           url=_url(assignment))
    audit(actor=actor, action="communities.assignment_grade", obj=submission,
          scope_path=submission.teacher.org_path, teacher=submission.teacher_id, count=total)
    return submission


def _credited_hours(program, teacher) -> Decimal:
    """Assignment hours credited to the teacher in the program and not reversed."""
    rows = AssignmentSubmission.objects.filter(assignment__study_class__program=program, teacher=teacher,
                                               ledger_entry__isnull=False)
    return Decimal(rows.aggregate(h=Sum("ledger_entry__hours"))["h"] or 0)


REMIND_BEFORE = dt.timedelta(hours=24)


def assignment_deadlines_remind(*, now: dt.datetime | None = None) -> int:
    """For `tisheng run-periodic`: a day before an assignment's deadline, tell the class's teachers
    who have not submitted it yet (once per assignment). Returns the number of teachers told."""
    now = now or timezone.now()
    told = 0
    due = Assignment.objects.filter(deadline_reminded_at__isnull=True, due_at__gt=now,
                                    due_at__lte=now + REMIND_BEFORE).select_related("study_class")
    for assignment in due:
        with transaction.atomic():
            claimed = Assignment.objects.filter(pk=assignment.pk, deadline_reminded_at__isnull=True).update(
                deadline_reminded_at=now)
            if not claimed:  # another run took it
                continue
            waiting = (ClassMember.objects.filter(study_class=assignment.study_class_id)
                       .exclude(teacher__assignment_submissions__assignment=assignment).select_related("teacher__user"))
            deadline = timezone.localtime(assignment.due_at)
            notify_many([Message(to=m.teacher, kind=Kind.REMINDER, title=f"作业即将截止：{assignment.title}",
                                 body=f"“{assignment.study_class.name}”的作业将于{deadline:%m月%d日 %H:%M}截止，"
                                      "您尚未提交。", url=_url(assignment)) for m in waiting])
            told += len(waiting)
    return told
