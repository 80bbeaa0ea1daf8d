"""The assessment flow: self-assessment, peer review within the school's subject group,
team grading of each item against the rubric, the point's result by the exact rule, 推优,
the practice-hours credit, and the return of a result (spot checks call it)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.diagnostics.models import MicroAbility
from tisheng.ledger.models import LedgerEntry
from tisheng.ledger.services import ledger_credit, ledger_reverse
from tisheng.notifications import notices
from tisheng.notifications.models import Kind
from tisheng.orgs.scope import path_in_scope
from tisheng.people.models import Teacher
from tisheng.practice.models import (
    Grade,
    PeerAssignment,
    PointChoice,
    PointResult,
    Review,
    Submission,
)
from tisheng.programs.completion import completion_refresh
from tisheng.programs.models import Enrollment, Program

GRADE_INVALID = gettext_noop("Choose 优秀, 合格 or 不合格.")
COMMENT_REQUIRED = gettext_noop("Explain a 不合格 grade in the comment, against the rubric.")
NOT_CURRENT = gettext_noop("This is an older version of the evidence; grade the current one.")
SELF_ONLY_OWN = gettext_noop("Only the teacher assesses their own evidence.")
PEER_NOT_ASSIGNED = gettext_noop("You are not assigned to review this teacher's point.")
PEER_SAME_TEACHER = gettext_noop("A teacher cannot review their own point.")
PEER_OTHER_GROUP = gettext_noop("Peers are assigned within the same school and subject group.")
RESULT_ITEMS_MISSING = gettext_noop("Every item of the point needs current evidence graded by the team: %(missing)s.")
RESULT_ALREADY = gettext_noop("This point has already been assessed.")
RECOMMEND_ONLY_EXCELLENT = gettext_noop("Only an excellent point can be recommended.")
RETURN_REASON_REQUIRED = gettext_noop("Give the reason for returning the result.")
RESULT_NOT_ASSESSED = gettext_noop("Only an assessed result can be returned.")
ALREADY_GRADED_RESULT = gettext_noop("The point's result has been decided; it is no longer graded item by item.")

SOURCE_KIND = "micro_ability"


def point_result_rule(grades: list[str]) -> str:
    """优秀 only if every item is 优秀; 不合格 if any item is below 合格; otherwise 合格."""
    if not grades or any(g not in (Grade.EXCELLENT, Grade.PASS) for g in grades):
        return Grade.FAIL
    if all(g == Grade.EXCELLENT for g in grades):
        return Grade.EXCELLENT
    return Grade.PASS


def _clean(grade: str, comment: str) -> tuple[str, str]:
    if grade not in Grade.values:
        raise ValidationError(_(GRADE_INVALID))
    comment = (comment or "").strip()
    return grade, comment


def _assessed_result(submission: Submission) -> PointResult | None:
    """The point's passed result, which closes its items. A 不合格 result leaves them open:
    the teacher resubmits the failed items and the team grades the new versions."""
    return (PointResult.objects.filter(program_id=submission.program_id, teacher_id=submission.teacher_id,
                                       point_id=submission.task.point_version.point_id,
                                       status=PointResult.Status.ASSESSED).exclude(result=Grade.FAIL).first())


def _review(*, actor, submission: Submission, stage: str, grade: str, comment: str) -> Review:
    if not submission.is_current:
        raise ValidationError(_(NOT_CURRENT))
    if _assessed_result(submission) is not None:
        raise ValidationError(_(ALREADY_GRADED_RESULT))
    review = Review(submission=submission, stage=stage, reviewer=actor, grade=grade, comment=comment)
    review.full_clean()
    review.save()
    audit(actor=actor, action=f"practice.review_{stage}", obj=review, scope_path=submission.teacher.org_path,
          submission=submission.pk, grade=grade)
    return review


@transaction.atomic
def review_self(*, actor, submission: Submission, grade: str, comment: str = "") -> Review:
    grade, comment = _clean(grade, comment)
    if submission.teacher.user_id != actor.pk:
        raise PermissionDenied(_(SELF_ONLY_OWN))
    return _review(actor=actor, submission=submission, stage=Review.Stage.SELF, grade=grade, comment=comment)


def peer_can_review(actor, submission: Submission) -> bool:
    return PeerAssignment.objects.filter(program_id=submission.program_id, teacher_id=submission.teacher_id,
                                         point_id=submission.task.point_version.point_id,
                                         reviewer__user=actor).exists()


@transaction.atomic
def review_peer(*, actor, submission: Submission, grade: str, comment: str = "") -> Review:
    grade, comment = _clean(grade, comment)
    if not peer_can_review(actor, submission):
        raise PermissionDenied(_(PEER_NOT_ASSIGNED))
    return _review(actor=actor, submission=submission, stage=Review.Stage.PEER, grade=grade, comment=comment)


@transaction.atomic
def review_team(*, actor, submission: Submission, grade: str, comment: str = "") -> Review:
    """A grade by the school's assessment team (assessors or the principal). The latest
    team grade of the current version of each item is the one that counts."""
    grade, comment = _clean(grade, comment)
    if not path_in_scope(actor, Cap.PRACTICE_ASSESS, submission.teacher.org_path):
        raise PermissionDenied
    if grade == Grade.FAIL and not comment:
        raise ValidationError(_(COMMENT_REQUIRED))
    review = _review(actor=actor, submission=submission, stage=Review.Stage.TEAM, grade=grade, comment=comment)
    if grade == Grade.FAIL:
        notices.practice_item_failed(review)  # the teacher revises and resubmits it
    return review


@transaction.atomic
def peer_assign(*, actor, program: Program, teacher: Teacher, reviewer: Teacher, point: MicroAbility) -> PeerAssignment:
    if not path_in_scope(actor, Cap.PRACTICE_ASSESS, teacher.org_path):
        raise PermissionDenied
    if reviewer.pk == teacher.pk:
        raise ValidationError(_(PEER_SAME_TEACHER))
    if reviewer.school_id != teacher.school_id or reviewer.subject != teacher.subject:
        raise ValidationError(_(PEER_OTHER_GROUP))
    assignment, created = PeerAssignment.objects.get_or_create(program=program, teacher=teacher, reviewer=reviewer,
                                                               point=point)
    if created:
        audit(actor=actor, action="practice.peer_assign", obj=assignment, scope_path=teacher.org_path,
              reviewer=reviewer.pk, point=point.code)
    return assignment


@transaction.atomic
def peer_assign_school(*, actor, program: Program, school) -> int:
    """Give every chosen point without a peer one reviewer: the next teacher of the same
    subject at the school (round robin). Teachers alone in their subject get none. Returns
    how many assignments were made."""
    if not path_in_scope(actor, Cap.PRACTICE_ASSESS, school.path):
        raise PermissionDenied
    choices = list(PointChoice.objects.filter(program=program, teacher__school=school)
                   .select_related("teacher", "point").order_by("teacher__subject", "teacher_id", "point_id"))
    have = set(PeerAssignment.objects.filter(program=program, teacher__school=school)
               .values_list("teacher_id", "point_id"))
    by_subject: dict[str, list[Teacher]] = {}
    for t in Teacher.objects.filter(school=school, status="active").order_by("id"):
        by_subject.setdefault(t.subject, []).append(t)
    made = []
    for c in choices:
        if (c.teacher_id, c.point_id) in have:
            continue
        group = by_subject.get(c.teacher.subject, [])
        if len(group) < 2:
            continue
        index = next(i for i, t in enumerate(group) if t.pk == c.teacher_id) if any(
            t.pk == c.teacher_id for t in group) else -1
        reviewer = group[(index + 1) % len(group)]
        if reviewer.pk == c.teacher_id:
            continue
        made.append(PeerAssignment(program=program, teacher=c.teacher, reviewer=reviewer, point=c.point))
    PeerAssignment.objects.bulk_create(made)
    audit(actor=actor, action="practice.peer_assign_school", obj=school, object_type="school", scope_path=school.path,
          program=program.code, count=len(made))
    return len(made)


def team_grades(program_id: int, teacher_id: int, point_version_id: int, *, since=None) -> dict[int, Review | None]:
    """task id → the latest team review of its current submission (None when ungraded).
    `since`: only reviews given after it count (a returned point is graded afresh)."""
    from tisheng.practice.models import EvidenceTask

    tasks = list(EvidenceTask.objects.filter(point_version_id=point_version_id).values_list("id", flat=True))
    grades: dict[int, Review | None] = dict.fromkeys(tasks)
    reviews = Review.objects.filter(stage=Review.Stage.TEAM, submission__program_id=program_id,
                                    submission__teacher_id=teacher_id, submission__is_current=True,
                                    submission__task_id__in=tasks)
    if since is not None:
        reviews = reviews.filter(created_at__gt=since)
    for review in reviews.select_related("submission").order_by("created_at", "id"):
        grades[review.submission.task_id] = review
    return grades


def _credit_key(program: Program, teacher: Teacher, point: MicroAbility) -> str:
    # One credit per assessment round: after a return reversed the credit, the re-assessment
    # credits again under the next round's key; repeating a decision finds the same key.
    rounds = LedgerEntry.objects.filter(program=program, teacher=teacher, source_kind=SOURCE_KIND,
                                        source_id=point.code, reverses__isnull=False).count()
    return f"practice:{program.pk}:{teacher.pk}:{point.code}:{rounds}"


def _graded_since(program: Program, teacher: Teacher, point_version_id: int, when) -> bool:
    """Whether the team graded a current item of the point after `when` (a failed point is
    decided again only once something new was graded)."""
    return Review.objects.filter(stage=Review.Stage.TEAM, created_at__gt=when, submission__program=program,
                                 submission__teacher=teacher, submission__is_current=True,
                                 submission__task__point_version_id=point_version_id).exists()


@transaction.atomic
def point_result_decide(*, actor, program: Program, teacher: Teacher, point: MicroAbility,
                        recommended: bool = False) -> PointResult:
    """The team's decision on a point from its items' team grades. A passing point credits
    `hours_per_point` practice hours to the ledger (idempotent)."""
    if not path_in_scope(actor, Cap.PRACTICE_ASSESS, teacher.org_path):
        raise PermissionDenied
    Teacher.objects.select_for_update().filter(pk=teacher.pk).first()  # one decision at a time per teacher
    choice = PointChoice.objects.select_related("point_version").filter(program=program, teacher=teacher,
                                                                        point=point).first()
    if choice is None:
        raise ValidationError(_(RESULT_ITEMS_MISSING) % {"missing": point.code})
    existing = PointResult.objects.select_for_update().filter(program=program, teacher=teacher, point=point).first()
    failed_before = existing is not None and existing.status == PointResult.Status.ASSESSED \
        and existing.result == Grade.FAIL
    if existing is not None and existing.status == PointResult.Status.ASSESSED and not (
            failed_before and _graded_since(program, teacher, choice.point_version_id, existing.decided_at)):
        raise ValidationError(_(RESULT_ALREADY))
    # After a return, the grades given before it do not count: the team grades every item again.
    # After a 不合格, the items that passed keep their grades; the resubmitted ones are new
    # (current) versions, graded afresh.
    since = existing.decided_at if existing is not None and not failed_before else None
    grades = team_grades(program.pk, teacher.pk, choice.point_version_id, since=since)
    missing = [str(task_id) for task_id, review in grades.items() if review is None]
    if missing or not grades:
        from tisheng.practice.models import EvidenceTask

        titles = list(EvidenceTask.objects.filter(pk__in=missing).values_list("title", flat=True))
        raise ValidationError(_(RESULT_ITEMS_MISSING) % {"missing": "、".join(titles) or point.code})
    result = point_result_rule([r.grade for r in grades.values()])
    if recommended and result != Grade.EXCELLENT:
        raise ValidationError(_(RECOMMEND_ONLY_EXCELLENT))
    row = existing or PointResult(program=program, teacher=teacher, point=point)
    row.point_version = choice.point_version
    row.result, row.recommended, row.status = result, bool(recommended), PointResult.Status.ASSESSED
    row.decided_by, row.decided_at, row.org_path = actor, timezone.now(), teacher.org_path
    row.ledger_entry = None
    row.full_clean()
    row.save()
    rule = program.ruleset.micro_abilities
    hours = rule.hours_per_point if rule else Decimal(0)
    if result != Grade.FAIL and hours > 0:
        entry = ledger_credit(teacher=teacher, program=program, category="practice", hours=hours,
                              source_kind=SOURCE_KIND, source_id=point.code, granted_by=actor,
                              idempotency_key=_credit_key(program, teacher, point),
                              reason=f"{point.code} {row.get_result_display()}")
        row.ledger_entry = entry
        row.save(update_fields=["ledger_entry"])
    else:
        _refresh(program, teacher)
    notices.practice_assessed(row, reviews=grades.values(), hours=row.ledger_entry.hours if row.ledger_entry else 0)
    audit(actor=actor, action="practice.point_result", obj=row, scope_path=teacher.org_path, point=point.code,
          result=result, recommended=row.recommended)
    return row


@transaction.atomic
def point_result_recommend(*, actor, result: PointResult, recommended: bool) -> PointResult:
    """推优: mark (or unmark) an excellent point as recommended."""
    if not path_in_scope(actor, Cap.PRACTICE_ASSESS, result.org_path):
        raise PermissionDenied
    if recommended and (result.result != Grade.EXCELLENT or result.status != PointResult.Status.ASSESSED):
        raise ValidationError(_(RECOMMEND_ONLY_EXCELLENT))
    result.recommended = bool(recommended)
    result.save(update_fields=["recommended"])
    audit(actor=actor, action="practice.point_recommend", obj=result, scope_path=result.org_path,
          recommended=result.recommended)
    return result


def _refresh(program: Program, teacher: Teacher) -> None:
    enrollment = Enrollment.objects.filter(program=program, teacher=teacher).first()
    if enrollment is not None:
        completion_refresh([enrollment])


@transaction.atomic
def point_result_return(result: PointResult, *, actor, reason: str,
                        notice: str = Kind.PRACTICE_RETURNED) -> PointResult:
    """Send an assessed point back to the school (a failed spot check, a school-wide
    return): its practice credit is reversed with the reason, the status is `returned`,
    and the team may grade and decide it again (the teacher may resubmit meanwhile).
    The caller checks that `actor` may do this (spot-check reviewers are not in the school).
    The teacher is told, as `notice` (a spot check's reversal says so)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_(RETURN_REASON_REQUIRED))
    result = PointResult.objects.select_for_update().get(pk=result.pk)
    if result.status != PointResult.Status.ASSESSED:
        raise ValidationError(_(RESULT_NOT_ASSESSED))
    entry = result.ledger_entry
    result.status, result.returned_reason, result.recommended = PointResult.Status.RETURNED, reason, False
    result.ledger_entry = None
    result.save(update_fields=["status", "returned_reason", "recommended", "ledger_entry"])
    if entry is not None and not LedgerEntry.objects.filter(reverses=entry).exists():
        ledger_reverse(entry=entry, actor=actor, reason=reason)
    else:
        _refresh(result.program, result.teacher)
    notices.practice_returned(result, reason=reason, kind=notice)
    audit(actor=actor, action="practice.point_return", obj=result, scope_path=result.org_path,
          point=result.point.code, reason=reason[:255])
    return result
