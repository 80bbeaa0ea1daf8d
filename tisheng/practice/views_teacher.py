"""The teacher's practice page (choose points, upload evidence per task, self-assess, see
results), the peer reviewer's pages, and the evidence file itself, served only in scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tisheng.accounts.roles import Cap
from tisheng.orgs.scope import has_capability
from tisheng.people import selectors as people_selectors
from tisheng.playback.views import RANGE_RE, _file_range
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
from tisheng.practice.services.choices import ENV_ORDER
from tisheng.practice.services.evidence import KIND_LABELS, PDF, submission_path

CHOICES_SAVED = gettext_lazy("Your points were saved.")
EVIDENCE_UPLOADED = gettext_lazy("Uploaded: version %(version)s of “%(task)s”.")
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
    versions, the reviews and the result (a fixed number of queries)."""
    version_ids = [c.point_version_id for c in choices]
    tasks = list(EvidenceTask.objects.filter(point_version_id__in=version_ids).order_by("point_version_id", "order"))
    submissions = list(Submission.objects.filter(program=program, teacher=teacher, task__in=tasks)
                       .order_by("task_id", "-version"))
    reviews: dict[int, list[Review]] = {}
    for r in Review.objects.filter(submission__in=[s.pk for s in submissions]).select_related("reviewer"):
        reviews.setdefault(r.submission_id, []).append(r)
    results = {r.point_id: r for r in PointResult.objects.filter(program=program, teacher=teacher)}
    by_task: dict[int, list[Submission]] = {}
    for s in submissions:
        s.review_list = reviews.get(s.pk, [])
        s.self_review = next((r for r in reversed(s.review_list) if r.stage == Review.Stage.SELF), None)
        s.team_review = next((r for r in reversed(s.review_list) if r.stage == Review.Stage.TEAM), None)
        by_task.setdefault(s.task_id, []).append(s)
    points = []
    for c in choices:
        rows = []
        for t in tasks:
            if t.point_version_id != c.point_version_id:
                continue
            versions = by_task.get(t.pk, [])
            current = next((s for s in versions if s.is_current), None)
            rows.append({"task": t, "current": current, "older": [s for s in versions if not s.is_current],
                         "kinds": "、".join(_(KIND_LABELS[k]) for k in t.kinds),
                         "accept": _accept(t.kinds)})
        points.append({"choice": c, "tasks": rows, "result": results.get(c.point_id)})
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


@login_required
def my_practice(request):
    teacher = _own_teacher(request)
    program = selectors.practice_program(request.GET.get("program"))
    plan, versions = services.choices.choosable_points(teacher, program)
    choices = list(PointChoice.objects.filter(program=program, teacher=teacher)
                   .select_related("point", "point_version").order_by("point_id"))
    chosen_codes = {c.point.code for c in choices}
    rule = program.ruleset.micro_abilities
    groups = [(env, [v for v in versions if v.environment == env]) for env in ENV_ORDER]
    return render(request, "practice/my.html", {
        "program": program, "teacher": teacher, "plan": plan, "groups": [g for g in groups if g[1]],
        "chosen_codes": chosen_codes, "points": _points_with_evidence(program, teacher, choices), "rule": rule,
        "grades": Grade.choices})


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
    teacher = _own_teacher(request)
    program = selectors.practice_program(request.GET.get("program"))
    task = EvidenceTask.objects.filter(pk=task_id).select_related("point_version").first()
    if task is None:
        raise Http404
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, FILE_REQUIRED)
    else:
        try:
            s = services.submission_upload(actor=request.user, teacher=teacher, program=program, task=task,
                                           upload=upload)
            messages.success(request, EVIDENCE_UPLOADED % {"version": s.version, "task": task.title})
        except ValidationError as e:
            for m in e.messages:
                messages.error(request, _(m))
    return redirect(_url("practice:my", program) + f"#point-{task.point_version.point_id}")


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
def evidence_file(request, submission_id: int):
    """The evidence file to those who may see it: video range-served (the player seeks),
    PDF and images inline, Office files as a download."""
    submission = selectors.submission_for_user(request.user, submission_id)
    path = submission_path(submission)
    if not path.exists():
        raise Http404
    if submission.kind == EvidenceKind.VIDEO:
        return _ranged(request, path, submission.content_type)
    inline = submission.content_type == PDF or submission.kind == EvidenceKind.IMAGE
    response = FileResponse(path.open("rb"), content_type=submission.content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, submission.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _ranged(request, path, content_type: str) -> HttpResponse:
    size = path.stat().st_size
    header = request.headers.get("Range", "")
    match = RANGE_RE.match(header.strip()) if header else None
    if match is None or not (match[1] or match[2]):
        response = FileResponse(path.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    if match[1]:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
    else:
        start, end = max(0, size - int(match[2])), size - 1
    if start >= size or end < start:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    length = end - start + 1
    response = StreamingHttpResponse(_file_range(path.open("rb"), start, length), status=206,
                                     content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response
