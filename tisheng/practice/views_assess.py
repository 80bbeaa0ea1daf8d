"""The school assessment team's pages: the queue (teachers × points and how far each has
come) and the grading page of one teacher's point (each item against the rubric, then the
point's result, 推优)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tisheng.accounts.roles import Cap
from tisheng.diagnostics.models import MicroAbility
from tisheng.orgs.scope import path_in_scope
from tisheng.practice import selectors, services
from tisheng.practice.checks.selectors import similarity_flags
from tisheng.practice.models import Grade, PointChoice, PointResult
from tisheng.practice.views_teacher import _points_with_evidence

GRADE_SAVED = gettext_lazy("Grade saved.")
RESULT_SAVED = gettext_lazy("Result decided: %(result)s.")
PEERS_ASSIGNED = gettext_lazy("%(n)s peer reviews assigned within the subject groups.")
RECOMMEND_SAVED = gettext_lazy("Recommendation saved.")

STAGE_BADGES = {"ready": "badge-warn", "decided": "badge-ok"}
RETURNED_LABEL = gettext_lazy("Returned")
RECOMMENDED_LABEL = gettext_lazy("Recommended as excellent")
STAGE_LABELS = {
    "submitting": gettext_lazy("Submitting"),
    "waiting": gettext_lazy("Waiting for grading"),
    "ready": gettext_lazy("Ready for the result"),
    "decided": gettext_lazy("Decided"),
}


ROW_HTML = ('<tr><td><a href="{}">{}</a></td><td>{}</td><td>{} {}</td><td>{}/{}</td><td>{}/{}</td>'
            '<td><span class="badge {}">{}</span></td><td>{}</td></tr>')


def _result_label(row, grade_labels: dict[str, str], returned: str, recommended: str) -> str:
    if row.result_status == "returned":
        return returned
    if row.result_value:
        return grade_labels[row.result_value] + (f" · {recommended}" if row.result_recommended else "")
    return "—"


def _url(name: str, program, **kwargs) -> str:
    return f"{reverse(name, kwargs=kwargs)}?program={program.code}"


@login_required
def queue(request, school_id: int):
    actor = request.user
    program = selectors.practice_program(request.GET.get("program"))
    school = selectors.school_for_user(actor, school_id, Cap.PRACTICE_VIEW)
    rows = selectors.assessment_queue(actor, school, program)
    show = request.GET.get("show", "open")
    counts = {k: 0 for k in STAGE_LABELS}
    # Labels and links computed once, not per row in the template (300 teachers × 3 points).
    stage_labels = {k: str(v) for k, v in STAGE_LABELS.items()}
    grade_labels = {k: str(v) for k, v in Grade.choices}
    returned, recommended = str(RETURNED_LABEL), str(RECOMMENDED_LABEL)
    link = reverse("practice:grade", kwargs={"teacher_id": 0, "code": "CODE"}).replace("/0/CODE/", "/{}/{}/")
    suffix = f"?program={program.code}"
    for r in rows:
        r.stage = selectors.queue_stage(r)
        counts[r.stage] += 1
    if show == "open":
        rows = [r for r in rows if r.stage in ("waiting", "ready")]
    elif show in STAGE_LABELS:
        rows = [r for r in rows if r.stage == show]
    # 300 teachers × 3 points: the rows are formatted here in one pass (escaped by
    # format_html) rather than by the template engine, which would cost ~10 lookups a cell.
    body = format_html_join("\n", ROW_HTML, (
        (link.format(r.teacher_id, r.point_code) + suffix, r.teacher_name, r.teacher_subject, r.point_code,
         r.version_name, r.submitted_count, r.task_count, r.graded_count, r.task_count,
         STAGE_BADGES.get(r.stage, ""), stage_labels[r.stage], _result_label(r, grade_labels, returned, recommended))
        for r in rows))
    return render(request, "practice/queue.html", {
        "program": program, "school": school, "rows": rows, "body": body, "show": show, "counts": counts,
        "stages": STAGE_LABELS.items(), "can_assess": path_in_scope(actor, Cap.PRACTICE_ASSESS, school.path)})


@login_required
@require_POST
def assign_peers(request, school_id: int):
    actor = request.user
    program = selectors.practice_program(request.GET.get("program"))
    school = selectors.school_for_user(actor, school_id, Cap.PRACTICE_ASSESS)
    made = services.peer_assign_school(actor=actor, program=program, school=school)
    messages.success(request, PEERS_ASSIGNED % {"n": made})
    return redirect(_url("practice:queue", program, school_id=school.pk))


def _grading_subject(request, teacher_id: int, code: str):
    actor = request.user
    program = selectors.practice_program(request.GET.get("program"))
    teacher = selectors.teacher_for_assessment(actor, teacher_id)
    if not path_in_scope(actor, Cap.PRACTICE_VIEW, teacher.org_path):
        raise PermissionDenied
    point = MicroAbility.objects.filter(code=code).first()
    choice = (PointChoice.objects.filter(program=program, teacher=teacher, point=point)
              .select_related("point", "point_version").first()) if point else None
    if choice is None:
        raise Http404
    return program, teacher, point, choice


@login_required
def grade(request, teacher_id: int, code: str):
    program, teacher, point, choice = _grading_subject(request, teacher_id, code)
    actor = request.user
    if request.method == "POST":
        submission = selectors.submission_for_user(actor, int(request.POST.get("submission") or 0))
        if submission.teacher_id != teacher.pk:
            raise Http404
        try:
            services.review_team(actor=actor, submission=submission, grade=request.POST.get("grade", ""),
                                 comment=request.POST.get("comment", ""))
            messages.success(request, GRADE_SAVED)
        except ValidationError as e:
            for m in e.messages:
                messages.error(request, _(m))
        return redirect(_url("practice:grade", program, teacher_id=teacher.pk, code=point.code))
    points = _points_with_evidence(program, teacher, [choice])
    items = points[0]["tasks"]
    result = points[0]["result"]
    # Near-duplicates the similarity check found (Jaccard ≥ 0.8), flagged with a link to the
    # side-by-side comparison.
    flags = similarity_flags([row["current"].pk for row in items if row["current"]])
    for row in items:
        row["similar"] = flags.get(row["current"].pk) if row["current"] else None
    since = result.decided_at if result is not None and result.status == PointResult.Status.RETURNED else None
    graded = [row["current"].team_review.grade for row in items if row["current"] and row["current"].team_review
              and (since is None or row["current"].team_review.created_at > since)]
    preview = services.point_result_rule(graded) if items and len(graded) == len(items) else None
    failed = result is not None and result.status == PointResult.Status.ASSESSED and result.result == Grade.FAIL
    if failed and not any(row["current"] and row["current"].team_review
                          and row["current"].team_review.created_at > result.decided_at for row in items):
        preview = None  # decided 不合格 and nothing graded since: wait for the teacher's resubmission
    return render(request, "practice/grade.html", {
        "program": program, "teacher": teacher, "point": point, "choice": choice, "items": items,
        "result": result, "grades": Grade.choices, "preview": preview,
        # A passed point is closed; a 不合格 one stays open for the resubmitted items.
        "from_grading": True,
        "closed": result is not None and result.status == PointResult.Status.ASSESSED and result.result != Grade.FAIL,
        "can_assess": path_in_scope(request.user, Cap.PRACTICE_ASSESS, teacher.org_path),
        "preview_label": dict(Grade.choices).get(preview, "")})


@login_required
@require_POST
def decide(request, teacher_id: int, code: str):
    program, teacher, point, _choice = _grading_subject(request, teacher_id, code)
    try:
        result = services.point_result_decide(actor=request.user, program=program, teacher=teacher, point=point,
                                              recommended=bool(request.POST.get("recommended")))
        messages.success(request, RESULT_SAVED % {"result": result.get_result_display()})
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, _(m))
    return redirect(_url("practice:grade", program, teacher_id=teacher.pk, code=point.code))


@login_required
@require_POST
def recommend(request, teacher_id: int, code: str):
    program, teacher, point, _choice = _grading_subject(request, teacher_id, code)
    result = PointResult.objects.filter(program=program, teacher=teacher, point=point).first()
    if result is None:
        raise Http404
    try:
        services.point_result_recommend(actor=request.user, result=result,
                                        recommended=request.POST.get("recommended") == "1")
        messages.success(request, RECOMMEND_SAVED)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, _(m))
    return redirect(_url("practice:grade", program, teacher_id=teacher.pk, code=point.code))
