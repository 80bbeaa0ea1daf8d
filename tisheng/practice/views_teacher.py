"""The teacher's practice page (choose points, upload evidence per task, self-assess, see
results), the peer reviewer's pages, and the evidence file itself, served only in scope."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.roles import Cap
from tisheng.core import storage_files
from tisheng.orgs.scope import has_capability
from tisheng.people import selectors as people_selectors
from tisheng.practice import selectors, services
from tisheng.practice.models import (
    EvidenceKind,
    EvidenceTask,
    Grade,
    PeerAssignment,
    PointChoice,
    PointResult,
    Review,
    Submission,
)
from tisheng.practice.services import evidence
from tisheng.practice.services.choices import ENV_ORDER
from tisheng.practice.services.evidence import KIND_LABELS, PDF, submission_name

CHOICES_SAVED = gettext_lazy("Your points were saved.")
EVIDENCE_UPLOADED = gettext_lazy("Uploaded: version %(version)s of “%(task)s”.")
EVIDENCE_RESUBMITTED = gettext_lazy("Resubmitted: “%(task)s”, submission %(n)s (version %(version)s). The school's "
                                    "assessment team will grade it again.")
UPLOAD_REFUSED = gettext_lazy("“%(file)s” was not uploaded for “%(task)s”: see the reason beside the file field.")
UPLOAD_REFUSED_NO_FILE = gettext_lazy("Nothing was uploaded for “%(task)s”: see the reason beside the file field.")
FILE_REQUIRED = gettext_lazy("Choose a file to upload.")
REVIEW_SAVED = gettext_lazy("Your assessment was saved.")


def _own_teacher(request):
    teacher = people_selectors.own_teacher(request.user)
    if teacher is None or not has_capability(request.user, Cap.PRACTICE_SUBMIT):
        raise Http404
    return teacher


def _url(name: str, program, **kwargs) -> str:
    return f"{reverse(name, kwargs=kwargs)}?program={program.code}"


def _points_with_evidence(program, teacher, choices: list[PointChoice]) -> list[dict]:
    """Each chosen point with its tasks, the current submission of each, its older
    versions (each with its submission number, grades and comments), the reviews, the
    result, and whether the teacher may upload (again) (a fixed number of queries)."""
    version_ids = [c.point_version_id for c in choices]
    tasks = list(EvidenceTask.objects.filter(point_version_id__in=version_ids).order_by("point_version_id", "order"))
    submissions = list(Submission.objects.filter(program=program, teacher=teacher, task__in=tasks)
                       .order_by("task_id", "-version"))
    reviews: dict[int, list[Review]] = {}
    for r in Review.objects.filter(submission__in=[s.pk for s in submissions]).select_related("reviewer"):
        reviews.setdefault(r.submission_id, []).append(r)
    results = {r.point_id: r for r in PointResult.objects.filter(program=program, teacher=teacher)}
    limit = evidence.max_attempts(program)
    by_task: dict[int, list[Submission]] = {}
    for s in submissions:
        s.review_list = reviews.get(s.pk, [])
        s.self_review = next((r for r in reversed(s.review_list) if r.stage == Review.Stage.SELF), None)
        s.team_review = next((r for r in reversed(s.review_list) if r.stage == Review.Stage.TEAM), None)
        by_task.setdefault(s.task_id, []).append(s)
    points = []
    for c in choices:
        result = results.get(c.point_id)
        rows = []
        for t in tasks:
            if t.point_version_id != c.point_version_id:
                continue
            versions = by_task.get(t.pk, [])
            numbers = evidence.attempt_numbers([(s.version, s.team_review is not None) for s in versions])
            for s in versions:
                s.attempt = numbers[s.version]
            current = next((s for s in versions if s.is_current), None)
            graded = sum(1 for s in versions if s.team_review is not None)
            refusal = evidence.resubmission_refusal(
                result=result, current_grade=current.team_review.grade if current and current.team_review else None,
                graded_versions=graded, limit=limit)
            rows.append({"task": t, "current": current, "older": [s for s in versions if not s.is_current],
                         "kinds": "、".join(_(KIND_LABELS[k]) for k in t.kinds),
                         "accept": _accept(t.kinds), "max_bytes": max(evidence.max_bytes(k) for k in t.kinds),
                         "can_upload": refusal is None, "attempts_used": refusal == evidence.ATTEMPTS_USED,
                         "next_attempt": graded + 1, "max_attempts": limit,
                         # 退回修改: the team graded the current version 不合格 (its comment says why).
                         "sent_back": bool(current and current.team_review and current.team_review.grade == Grade.FAIL),
                         "resubmission": graded > 0})
        points.append({"choice": c, "tasks": rows, "result": result})
    return points


def _accept(kinds: list[str]) -> str:
    parts = []
    if EvidenceKind.DOCUMENT in kinds:
        parts += [".pdf", ".docx"]
    if EvidenceKind.SLIDES in kinds:
        parts += [".pptx", ".pdf"]
    if EvidenceKind.VIDEO in kinds:
        parts.append("video/*")
    if EvidenceKind.IMAGE in kinds:
        parts.append("image/*")
    return ",".join(dict.fromkeys(parts))


class EvidenceUploadForm(forms.Form):
    """One evidence file for one task, with what the teacher says of it (修改说明)."""

    file = forms.FileField(label=pgettext_lazy("evidence", "File"), error_messages={"required": FILE_REQUIRED})
    note = forms.CharField(label=pgettext_lazy("evidence", "Note"), required=False, max_length=1000)


def _my_page(request, teacher, program, *, failed_task: int | None = None, form: EvidenceUploadForm | None = None,
             status: int = 200):
    plan, versions = services.choices.choosable_points(teacher, program)
    choices = list(PointChoice.objects.filter(program=program, teacher=teacher)
                   .select_related("point", "point_version").order_by("point_id"))
    chosen_codes = {c.point.code for c in choices}
    rule = program.ruleset.micro_abilities
    groups = [(env, [v for v in versions if v.environment == env]) for env in ENV_ORDER]
    points = _points_with_evidence(program, teacher, choices)
    if failed_task is not None and form is not None:
        # The refused upload's errors next to its own field, with the note as typed.
        for p in points:
            for row in p["tasks"]:
                if row["task"].pk == failed_task:
                    row["errors"] = [str(e) for e in form.errors.get("file", [])]
                    row["note_errors"] = [str(e) for e in form.errors.get("note", [])]
                    row["note"] = form.data.get("note", "")
    return render(request, "practice/my.html", {
        "program": program, "teacher": teacher, "plan": plan, "groups": [g for g in groups if g[1]],
        "chosen_codes": chosen_codes, "points": points, "rule": rule, "grades": Grade.choices}, status=status)


@login_required
def my_practice(request):
    teacher = _own_teacher(request)
    program = selectors.practice_program(request.GET.get("program"))
    return _my_page(request, teacher, program)


@login_required
@require_POST
def my_choose(request):
    teacher = _own_teacher(request)
    program = selectors.practice_program(request.GET.get("program"))
    try:
        services.choices_save(actor=request.user, teacher=teacher, program=program,
                              point_codes=request.POST.getlist("points"))
        messages.success(request, CHOICES_SAVED)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, _(m))
    return redirect(_url("practice:my", program))


@login_required
@require_POST
def my_upload(request, task_id: int):
    """Upload a file for a task. Refused: the page again (400) with the reason next to the
    file field and the note as typed, not a redirect that would lose them."""
    teacher = _own_teacher(request)
    program = selectors.practice_program(request.GET.get("program"))
    task = EvidenceTask.objects.filter(pk=task_id).select_related("point_version").first()
    if task is None:
        raise Http404
    form = EvidenceUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            s = services.submission_upload(actor=request.user, teacher=teacher, program=program, task=task,
                                           upload=form.cleaned_data["file"], note=form.cleaned_data["note"])
        except ValidationError as e:
            for m in e.messages:
                form.add_error("file", _(m))
        else:
            n = services.submission_attempts(program, teacher, task)[s.version]
            message = EVIDENCE_RESUBMITTED if n > 1 else EVIDENCE_UPLOADED
            messages.success(request, message % {"version": s.version, "task": task.title, "n": n})
            return redirect(_url("practice:my", program) + f"#task-{task.pk}")
    name = request.FILES["file"].name if "file" in request.FILES else ""
    if name:
        messages.error(request, UPLOAD_REFUSED % {"task": task.title, "file": name})
    else:
        messages.error(request, UPLOAD_REFUSED_NO_FILE % {"task": task.title})
    return _my_page(request, teacher, program, failed_task=task.pk, form=form, status=400)


@login_required
@require_POST
def my_self_assess(request, submission_id: int):
    teacher = _own_teacher(request)
    submission = selectors.submission_for_user(request.user, submission_id)
    if submission.teacher_id != teacher.pk:
        raise Http404
    try:
        services.review_self(actor=request.user, submission=submission, grade=request.POST.get("grade", ""),
                             comment=request.POST.get("comment", ""))
        messages.success(request, REVIEW_SAVED)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, _(m))
    return redirect(_url("practice:my", submission.program) + f"#point-{submission.task.point_version.point_id}")


@login_required
def peer_list(request):
    program = selectors.practice_program(request.GET.get("program"))
    assignments = list(selectors.peer_assignments_of(request.user, program))
    return render(request, "practice/peer_list.html", {"program": program, "assignments": assignments})


@login_required
def peer_review(request, assignment_id: int):
    assignment = (PeerAssignment.objects.filter(pk=assignment_id, reviewer__user=request.user)
                  .select_related("program", "teacher", "point").first())
    if assignment is None:
        raise Http404
    program = assignment.program
    if request.method == "POST":
        submission = selectors.submission_for_user(request.user, int(request.POST.get("submission") or 0))
        try:
            services.review_peer(actor=request.user, submission=submission, grade=request.POST.get("grade", ""),
                                 comment=request.POST.get("comment", ""))
            messages.success(request, REVIEW_SAVED)
        except ValidationError as e:
            for m in e.messages:
                messages.error(request, _(m))
        return redirect("practice:peer_review", assignment_id=assignment.pk)
    choices = list(PointChoice.objects.filter(program=program, teacher=assignment.teacher, point=assignment.point)
                   .select_related("point", "point_version"))
    return render(request, "practice/peer_review.html", {
        "program": program, "assignment": assignment, "grades": Grade.choices,
        "points": _points_with_evidence(program, assignment.teacher, choices)})


@login_required
@require_GET
@xframe_options_sameorigin
def evidence_file(request, submission_id: int):
    """The evidence file to those who may see it: video range-served (the player seeks),
    PDF and images inline (framed by our own preview page only: X-Frame-Options SAMEORIGIN),
    Office files as a download; `?download=1` downloads any of them."""
    submission = selectors.submission_for_user(request.user, submission_id)
    name = submission_name(submission)
    download = request.GET.get("download") == "1"
    if submission.kind == EvidenceKind.VIDEO and not download:  # range-served locally, the store's ranges otherwise
        return storage_files.serve(request, name, content_type=submission.content_type,
                                   filename=submission.original_name)
    inline = (submission.content_type == PDF or submission.kind == EvidenceKind.IMAGE) and not download
    response = storage_files.serve(request, name, content_type=submission.content_type,
                                   filename=submission.original_name, as_attachment=not inline, through_app=inline)
    response["X-Content-Type-Options"] = "nosniff"
    return response


