"""Assignment pages: setting one (tutor), the assignment (instructions, rubric, deadline; the
teacher's own work and grade; the class's grades and excellent work; the tutor's list of who has
submitted), grading one submission, and a submission's file."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tisheng.communities import selectors
from tisheng.communities import services_assignments as services
from tisheng.communities.models import Assignment, AssignmentSubmission, ClassMember
from tisheng.core import storage_files
from tisheng.people.models import Teacher

ASSIGNMENT_SET_MSG = _("Assignment set; the class has been told.")
SUBMITTED_MSG = _("Your work has been submitted.")
SUBMITTED_LATE_MSG = _("Your work has been submitted after the deadline; the tutor sees it as late.")
GRADED_MSG = _("Grade saved; the teacher has been told.")


def _errors(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _assignment_for_user(request, pk: int) -> tuple[Assignment, object]:
    assignment = Assignment.objects.filter(pk=pk).first()
    if assignment is None:
        raise Http404
    study_class = selectors.get_class_for_user(request.user, assignment.study_class_id)  # 404 outside
    assignment.study_class = study_class
    return assignment, study_class


def _due(value: str) -> dt.datetime | None:
    try:
        naive = dt.datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return timezone.make_aware(naive) if timezone.is_naive(naive) else naive


@login_required
@require_POST
def assignment_create(request, pk: int):
    study_class = selectors.get_class_for_user(request.user, pk)
    if not selectors.can_guide(request.user, study_class):
        raise PermissionDenied
    try:
        assignment = services.assignment_create(
            actor=request.user, study_class=study_class, title=request.POST.get("title"),
            instructions=request.POST.get("instructions"), rubric_text=request.POST.get("rubric"),
            due_at=_due(request.POST.get("due_at")), hours=request.POST.get("hours") or "0")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(reverse("communities:class_detail", args=[study_class.pk]) + "#assignments")
    messages.success(request, ASSIGNMENT_SET_MSG)
    return redirect("communities:assignment_detail", assignment.pk)


@login_required
def assignment_detail(request, pk: int):
    assignment, study_class = _assignment_for_user(request, pk)
    guide = selectors.can_guide(request.user, study_class)
    progress = guide or selectors.can_oversee(request.user, study_class)
    teacher = Teacher.objects.filter(user=request.user, class_memberships__study_class=study_class).first()
    mine = AssignmentSubmission.objects.filter(assignment=assignment, teacher=teacher).first() if teacher else None
    if request.method == "POST":
        if teacher is None:
            raise PermissionDenied
        try:
            mine = services.submission_save(actor=request.user, assignment=assignment, teacher=teacher,
                                            text=request.POST.get("text", ""), upload=request.FILES.get("file"))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, SUBMITTED_LATE_MSG if mine.late else SUBMITTED_MSG)
            return redirect("communities:assignment_detail", assignment.pk)
    submissions = list(AssignmentSubmission.objects.filter(assignment=assignment).select_related("teacher__school")
                       .order_by("teacher__school__code", "teacher__name", "id"))
    rows = []
    if progress:
        by_teacher = {s.teacher_id: s for s in submissions}
        members = ClassMember.objects.filter(study_class=study_class).select_related("teacher__school").order_by(
            "teacher__school__code", "teacher__name", "id")
        rows = [(m.teacher, by_teacher.get(m.teacher_id)) for m in members]
    graded = [s for s in submissions if s.status == AssignmentSubmission.Status.GRADED]
    return render(request, "communities/assignment_detail.html", {
        "a": assignment, "c": study_class, "guide": guide, "progress": progress, "teacher": teacher,
        "mine": mine, "rows": rows, "graded": graded, "excellent": [s for s in graded if s.excellent],
        "submitted_count": len(submissions), "overdue": timezone.now() > assignment.due_at,
        "rule": services.hours_rule(study_class.program),
    })


def _submission_for_user(request, pk: int) -> tuple[AssignmentSubmission, bool]:
    """The submission and whether the user may grade it; 404 unless the user is its teacher, guides
    or oversees its class, or (for excellent work) is in the class."""
    submission = (AssignmentSubmission.objects.filter(pk=pk).select_related("assignment", "teacher__school").first())
    if submission is None:
        raise Http404
    study_class = selectors.get_class_for_user(request.user, submission.assignment.study_class_id)
    guide = selectors.can_guide(request.user, study_class)
    own = submission.teacher.user_id == request.user.pk
    if not (guide or own or selectors.can_oversee(request.user, study_class) or submission.excellent):
        raise Http404
    submission.assignment.study_class = study_class
    return submission, guide


@login_required
def submission_detail(request, pk: int):
    submission, guide = _submission_for_user(request, pk)
    if request.method == "POST":
        if not guide:
            raise PermissionDenied
        scores = {c["name"]: request.POST.get(f"score-{i}", "") for i, c in enumerate(submission.assignment.rubric)}
        try:
            services.submission_grade(actor=request.user, submission=submission, scores=scores,
                                      comment=request.POST.get("comment", ""),
                                      excellent=bool(request.POST.get("excellent")))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect("communities:submission_detail", submission.pk)
        messages.success(request, GRADED_MSG)
        return redirect("communities:assignment_detail", submission.assignment_id)
    criteria = [(i, c, submission.scores.get(c["name"], "")) for i, c in enumerate(submission.assignment.rubric)]
    return render(request, "communities/submission_detail.html", {
        "s": submission, "a": submission.assignment, "guide": guide, "criteria": criteria})


@login_required
def submission_file(request, pk: int):
    submission, _guide = _submission_for_user(request, pk)
    if not submission.file_name:
        raise Http404
    try:
        name = services.submission_name(submission)
    except ValidationError:
        raise Http404 from None
    return storage_files.serve(request, name, content_type=submission.content_type, as_attachment=True,
                               filename=submission.original_name)
