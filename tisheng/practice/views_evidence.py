"""Evidence for its graders: a preview page of one file (a PDF in a same-origin frame, an image
or a video inline, a Word or PowerPoint file as the text extracted from it) and a teacher's
evidence as one .zip (one point or all of them), audited as an export. Both are scoped like
the files themselves (selectors.visible_submissions): anyone else gets a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from tisheng.accounts.models import AuditAction
from tisheng.accounts.services import audit
from tisheng.core.clientip import client_ip
from tisheng.people.models import Teacher
from tisheng.practice import selectors
from tisheng.practice.services import evidence
from tisheng.practice.services.evidence_zip import ARCHIVE_ROOT, evidence_entries, zip_stream

EXPORT_TABLE = "practice_evidence"
ZIP_NAME = gettext_noop("%(teacher)s-%(points)s-practice evidence.zip")
ALL_POINTS = gettext_noop("all points")


@login_required
@require_GET
def evidence_preview(request, submission_id: int):
    submission = selectors.submission_for_user(request.user, submission_id)
    attempt = evidence.submission_attempts(submission.program_id, submission.teacher_id,
                                           submission.task_id)[submission.version]
    return render(request, "practice/preview.html", {
        "s": submission, "attempt": attempt, "is_pdf": submission.content_type == evidence.PDF,
        "is_office": submission.content_type in (evidence.DOCX, evidence.PPTX),
        "program_code": request.GET.get("program", "")})


@login_required
@require_GET
def evidence_zip(request, teacher_id: int):
    """`?program=` (required) and `?point=A1` (one point; all points without it)."""
    program = selectors.practice_program(request.GET.get("program"))
    code = (request.GET.get("point") or "").strip()
    submissions = selectors.visible_submissions(request.user).filter(program=program, teacher_id=teacher_id)
    if code:
        submissions = submissions.filter(task__point_version__point__code=code)
    teacher = Teacher.objects.filter(pk=teacher_id).only("pk", "name", "org_path").first()
    if teacher is None or not submissions.exists():
        raise Http404
    entries = evidence_entries(submissions, _(ARCHIVE_ROOT) % {"teacher": teacher.name})
    if not entries:
        raise Http404
    audit(actor=request.user, action=AuditAction.EXPORTED, object_type="export", object_id=EXPORT_TABLE,
          scope_path=teacher.org_path, ip=client_ip(request), table=EXPORT_TABLE, teacher=teacher.pk,
          program=program.code, point=code, files=len(entries))
    response = StreamingHttpResponse(zip_stream(entries), content_type="application/zip")
    name = _(ZIP_NAME) % {"teacher": teacher.name, "points": code or _(ALL_POINTS)}
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
