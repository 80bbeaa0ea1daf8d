"""Evidence uploads: one file per task, its type checked by content (never by its name),
size limits per kind, stored under PRIVATE_MEDIA_ROOT/evidence/, text extracted for the
similarity check. Resubmission is allowed until the item is graded; versions are kept."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.services import audit
from tisheng.core import private_storage
from tisheng.people.models import Teacher
from tisheng.practice.models import EvidenceKind, EvidenceTask, PointChoice, PointResult, Review, Submission
from tisheng.programs.models import Program

FILE_TYPE_UNKNOWN = gettext_noop("This file is not a PDF, Word (.docx), PowerPoint (.pptx), video or image file.")
FILE_KIND_NOT_ALLOWED = gettext_noop("This task accepts %(kinds)s; the file is %(kind)s.")
FILE_TOO_LARGE = gettext_noop("The file is larger than the %(limit)s MB allowed for %(kind)s.")
FILE_EMPTY = gettext_noop("The file is empty.")
VIDEO_TOO_LONG = gettext_noop("The video is %(minutes)s minutes long; at most %(max)s minutes are allowed.")
TASK_NOT_CHOSEN = gettext_noop("This task belongs to a point you have not chosen (or to an older version of it).")
ALREADY_GRADED = gettext_noop("This item has been graded; it can no longer be resubmitted.")
NOT_YOUR_EVIDENCE = gettext_noop("You can only submit your own evidence.")

KIND_LABELS = {
    EvidenceKind.DOCUMENT: gettext_noop("a document (PDF or .docx)"),
    EvidenceKind.SLIDES: gettext_noop("slides (.pptx or PDF)"),
    EvidenceKind.VIDEO: gettext_noop("a video clip"),
    EvidenceKind.IMAGE: gettext_noop("an image"),
}

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF = "application/pdf"
EXTENSIONS = {DOCX: "docx", PPTX: "pptx", PDF: "pdf"}
CHUNK = 1024 * 1024


def evidence_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "evidence"


def max_bytes(kind: str) -> int:
    return int(settings.PRACTICE_EVIDENCE_MAX_BYTES[kind])


def sniff(path: Path) -> tuple[str, str, str] | None:
    """(kind, content type, extension) from the file's content, or None. A PDF is a document
    (or slides: a task allowing slides takes a PDF export); .docx and .pptx are told apart
    by the parts inside the zip."""
    with path.open("rb") as f:
        head = f.read(8192)
    if head.startswith(b"%PDF-"):
        return EvidenceKind.DOCUMENT, PDF, "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return EvidenceKind.DOCUMENT, DOCX, "docx"
        if "ppt/presentation.xml" in names:
            return EvidenceKind.SLIDES, PPTX, "pptx"
        return None
    guess = filetype.guess(head)
    if guess is None:
        return None
    if guess.mime.startswith("image/") and guess.extension in ("jpg", "png", "gif", "webp", "bmp", "heic"):
        return EvidenceKind.IMAGE, guess.mime, guess.extension
    if guess.mime.startswith("video/"):
        return EvidenceKind.VIDEO, guess.mime, guess.extension
    return None


def video_seconds(path: Path) -> float | None:
    """The duration by ffprobe, or None when ffprobe is not installed or cannot tell."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    try:
        out = subprocess.run([ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
                             capture_output=True, timeout=30, check=False)
        return float(json.loads(out.stdout or b"{}")["format"]["duration"])
    except (subprocess.SubprocessError, KeyError, ValueError, TypeError):
        return None


def extract_text(path: Path, content_type: str) -> str:
    """The text of a .docx, .pptx or PDF (for the similarity check); '' for anything else
    or a file the library cannot read."""
    try:
        if content_type == DOCX:
            import docx

            document = docx.Document(str(path))
            parts = [p.text for p in document.paragraphs]
            for table in document.tables:
                parts += [cell.text for row in table.rows for cell in row.cells]
            return "\n".join(p for p in parts if p.strip())
        if content_type == PPTX:
            from pptx import Presentation

            parts = []
            for slide in Presentation(str(path)).slides:
                for shape in slide.shapes:
                    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                        parts.append(shape.text_frame.text)
            return "\n".join(p for p in parts if p.strip())
        if content_type == PDF:
            from pypdf import PdfReader

            return "\n".join((page.extract_text() or "") for page in PdfReader(str(path)).pages).strip()
    except Exception:  # noqa: BLE001 - a file the parser cannot read simply has no text
        return ""
    return ""


def _receive(upload: UploadedFile, limit: int, actor=None) -> tuple[Path, str, int]:
    """Copy the upload to a temporary file beside the store, hashing it and stopping at
    `limit` + 1 bytes. Returns (path, sha256, size)."""
    fd, name = private_storage.mkstemp("evidence", prefix=".upload-", actor=actor)  # 0600 in a 0700 directory
    digest, size = hashlib.sha256(), 0
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            out.write(chunk)
    return Path(name), digest.hexdigest(), size


def submission_is_graded(submission: Submission) -> bool:
    return submission.reviews.filter(stage=Review.Stage.TEAM).exists()


def submission_upload(*, actor, teacher: Teacher, program: Program, task: EvidenceTask,
                      upload: UploadedFile) -> Submission:
    """Store the teacher's file for `task` as a new version (the previous one is kept, no
    longer current). Refused once the item is graded, unless the point was returned."""
    if teacher.user_id is None or actor.pk != teacher.user_id:
        raise PermissionDenied(_(NOT_YOUR_EVIDENCE))
    if not PointChoice.objects.filter(program=program, teacher=teacher, point_version_id=task.point_version_id).exists():
        raise ValidationError(_(TASK_NOT_CHOSEN))
    result = PointResult.objects.filter(program=program, teacher=teacher, point_id=task.point_version.point_id).first()
    if result is not None and result.status == PointResult.Status.ASSESSED:
        raise ValidationError(_(ALREADY_GRADED))
    current = Submission.objects.filter(program=program, teacher=teacher, task=task, is_current=True).first()
    if current is not None and result is None and submission_is_graded(current):
        raise ValidationError(_(ALREADY_GRADED))

    largest = max(max_bytes(k) for k in task.kinds)
    tmp, sha, size = _receive(upload, largest, actor=actor)
    try:
        if size == 0:
            raise ValidationError(_(FILE_EMPTY))
        sniffed = sniff(tmp)
        if sniffed is None:
            raise ValidationError(_(FILE_TYPE_UNKNOWN))
        kind, content_type, ext = sniffed
        if kind == EvidenceKind.DOCUMENT and content_type == PDF and kind not in task.kinds \
                and EvidenceKind.SLIDES in task.kinds:
            kind = EvidenceKind.SLIDES  # slides exported as PDF
        if kind not in task.kinds:
            raise ValidationError(_(FILE_KIND_NOT_ALLOWED) % {
                "kinds": "、".join(_(KIND_LABELS[k]) for k in task.kinds), "kind": _(KIND_LABELS[kind])})
        if size > max_bytes(kind):
            raise ValidationError(_(FILE_TOO_LARGE) % {"limit": max_bytes(kind) // (1024 * 1024),
                                                       "kind": _(KIND_LABELS[kind])})
        if kind == EvidenceKind.VIDEO:
            seconds = video_seconds(tmp)
            limit = settings.PRACTICE_VIDEO_MAX_SECONDS
            if seconds is not None and seconds > limit + 0.5:
                raise ValidationError(_(VIDEO_TOO_LONG) % {"minutes": f"{seconds / 60:.1f}", "max": limit // 60})
        text = extract_text(tmp, content_type) if kind in (EvidenceKind.DOCUMENT, EvidenceKind.SLIDES) else ""
        with transaction.atomic():
            Teacher.objects.select_for_update().filter(pk=teacher.pk).first()
            number = (Submission.objects.filter(program=program, teacher=teacher, task=task)
                      .aggregate(n=Max("version"))["n"] or 0) + 1
            relative = f"{program.pk}/{teacher.pk}/{task.pk}-v{number}-{sha[:12]}.{ext}"
            Submission.objects.filter(program=program, teacher=teacher, task=task, is_current=True).update(
                is_current=False)
            submission = Submission(program=program, teacher=teacher, task=task, version=number, is_current=True,
                                    file_name=relative, original_name=(upload.name or "")[-255:] or relative,
                                    kind=kind, content_type=content_type, size=size, sha256=sha, text=text)
            submission.full_clean()
            submission.save()
            private_storage.move_into(tmp, Path("evidence") / relative, actor=actor, scope_path=teacher.org_path)
            audit(actor=actor, action="practice.evidence_upload", obj=submission, scope_path=teacher.org_path,
                  task=task.pk, version=number, kind=kind, size=size)
        return submission
    finally:
        if tmp.exists():
            tmp.unlink()


def submission_path(submission: Submission) -> Path:
    path = (evidence_root() / submission.file_name).resolve()
    if evidence_root().resolve() not in path.parents:
        raise PermissionDenied
    return path


def small_docx(text: str) -> bytes:
    """A .docx holding `text` (the demo seed and tests upload these)."""
    import docx

    document = docx.Document()
    for line in text.splitlines() or [text]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def small_pdf(text: str = "") -> bytes:
    """A one-page PDF (text is not drawn: pypdf writes pages, not fonts)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if text:
        writer.add_metadata({"/Title": text[:64]})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
