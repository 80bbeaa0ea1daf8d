"""Evidence uploads: one file per task, its type checked by content (never by its name),
size limits per kind, stored in the private file store under evidence/ (core/storage_files.py: local
files or the object store). Every version is kept. A file may
be replaced until the item is graded; after that the item opens again only when the team
graded it 不合格 or the point was returned (a spot check, a school-wide return), and each such
resubmission is one of the rule set's `micro_abilities.max_attempts` submissions per item
(default 3; a replacement before grading does not count). `resubmission_refusal` is the rule,
shared by the upload and the teacher's page.

The text of a document or slides (for the similarity check) is extracted after the upload,
by the job `practice.extract_text` (practice/tasks.py): the upload stores the file and
answers at once with the submission's text `pending`. The job runs each file in a child
process (practice/textextract.py) limited to PRACTICE_EXTRACT_MEMORY_BYTES of address space
and PRACTICE_EXTRACT_SECONDS, after the Office-file guard (core.officefiles: sizes,
compression ratio) or pypdf's limits and a page count. A file that fails is `failed` with a
reason the grader sees (文本提取失败：文件过大); the next upload is unaffected. A text that is
extracted is handed to the similarity check (its job indexes it).

The upload is received into a temporary file on the node's disk (hashed, sniffed, probed by
ffprobe there), then stored before the row that points at it is written; the text extraction reads
the stored file through `storage_files.local_path` (a temporary copy when the store is not local)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.services import audit
from tisheng.core import officefiles, storage_files
from tisheng.people.models import Teacher
from tisheng.practice.models import (
    EvidenceKind,
    EvidenceTask,
    Grade,
    PointChoice,
    PointResult,
    Review,
    Submission,
    TextState,
)
from tisheng.programs.models import Program

FILE_TYPE_UNKNOWN = gettext_noop("This file is not a PDF, Word (.docx), PowerPoint (.pptx), video or image file.")
FILE_KIND_NOT_ALLOWED = gettext_noop("This task accepts %(kinds)s; the file is %(kind)s.")
FILE_TOO_LARGE = gettext_noop("The file is larger than the %(limit)s MB allowed for %(kind)s.")
FILE_EMPTY = gettext_noop("The file is empty.")
VIDEO_TOO_LONG = gettext_noop("The video is %(minutes)s minutes long; at most %(max)s minutes are allowed.")
TASK_NOT_CHOSEN = gettext_noop("This task belongs to a point you have not chosen (or to an older version of it).")
ALREADY_GRADED = gettext_noop("This item has been graded; it can no longer be resubmitted.")
ATTEMPTS_USED = gettext_noop("This item has used all %(n)s submissions the program allows; it can no longer be "
                             "resubmitted.")
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
EXTRACT_TEXT = "practice.extract_text"
EXTRACT_TIMEOUT = "timeout"


FOLDER = "evidence"


def evidence_root() -> Path:
    """Where the local file store (the default) keeps evidence."""
    return Path(settings.PRIVATE_MEDIA_ROOT) / FOLDER


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
            names = set(officefiles.list_names(path))
        except officefiles.OfficeFileRefused:
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


def extract_text(path: Path, content_type: str) -> tuple[str, str]:
    """(text, '') or ('', reason) for a .docx, .pptx or PDF, extracted in a child process with
    its own memory and CPU limits and a wall-clock timeout (practice/textextract.py)."""
    memory = int(settings.PRACTICE_EXTRACT_MEMORY_BYTES)
    seconds = int(settings.PRACTICE_EXTRACT_SECONDS)
    command = [sys.executable, "-m", "tisheng.practice.textextract", str(memory), str(seconds), content_type,
               str(path)]
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p)}
    try:
        done = subprocess.run(command, capture_output=True, timeout=seconds + 5, check=False, cwd=root, env=env)
    except subprocess.TimeoutExpired:
        return "", EXTRACT_TIMEOUT
    if done.returncode != 0:  # killed at a limit (SIGXCPU, SIGKILL) or crashed in a parser
        return "", EXTRACT_TIMEOUT if done.returncode == -24 else officefiles.TOO_LARGE
    try:
        answer = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "", officefiles.DAMAGED
    if answer.get("error"):
        return "", str(answer["error"])[:16]
    return str(answer.get("text", "")).replace("\x00", ""), ""


def submission_extract_text(submission: Submission) -> bool:
    """Extract the text of one pending submission and record it (or why it failed). Returns
    whether this call recorded it (a second worker on the same row records nothing)."""
    try:
        with storage_files.local_path(submission_name(submission)) as path:
            text, error = extract_text(path, submission.content_type)
    except storage_files.StorageUnavailable:  # the store is down: the row stays pending for the next run
        return False
    except (OSError, PermissionDenied):  # the file is gone or outside the store: nothing to read
        text, error = "", officefiles.DAMAGED
    state = TextState.FAILED if error else TextState.DONE
    recorded = Submission.objects.filter(pk=submission.pk, text_state=TextState.PENDING).update(
        text=text, text_state=state, text_error=error)
    if recorded and text:
        submission.text, submission.text_state, submission.text_error = text, state, error
        _announce_text(submission)
    return bool(recorded)


def submissions_extract_pending(*, limit: int | None = None, progress=None) -> int:
    """Extract every pending text, oldest first (the job's body; a lost job is made good by
    the next one, which finds what is still pending)."""
    pending = Submission.objects.filter(text_state=TextState.PENDING).order_by("pk")
    if limit is not None:
        pending = pending[:limit]
    rows = list(pending.select_related("teacher").only("pk", "file_name", "content_type", "teacher__org_path",
                                                        "teacher_id", "text_state"))
    for done, submission in enumerate(rows, start=1):
        submission_extract_text(submission)
        if progress is not None:
            progress(done, len(rows))
    return len(rows)


def extractions_resume() -> int:
    """Queue the extraction job again when texts are still pending and no job will take them
    (one failed outright, or its row was lost): `run-periodic` calls this. 1 if queued."""
    from tisheng.jobs.models import Job, JobState

    if Job.objects.filter(kind=EXTRACT_TEXT, state__in=[JobState.QUEUED, JobState.RUNNING]).exists():
        return 0
    oldest = (Submission.objects.filter(text_state=TextState.PENDING).select_related("teacher")
              .order_by("pk").only("pk", "teacher__org_path").first())
    if oldest is None:
        return 0
    _queue_extraction(oldest)
    return 1


def _queue_extraction(submission: Submission) -> None:
    from tisheng.jobs.models import Job, JobState
    from tisheng.jobs.services import job_enqueue

    # One queued job extracts everything pending; a second one waiting would find nothing.
    if Job.objects.filter(kind=EXTRACT_TEXT, state=JobState.QUEUED).exists():
        return
    job_enqueue(actor=None, kind=EXTRACT_TEXT, args={"submission": submission.pk},
                scope_path=submission.teacher.org_path)


def _announce_text(submission: Submission) -> None:
    """Hand a newly extracted text to the similarity check, through its own hook for new
    texts (practice.checks.signals: it queues its indexing job once the row is committed)."""
    from django.apps import apps

    if not apps.is_installed("tisheng.practice.checks"):
        return
    from tisheng.practice.checks.signals import submission_saved

    submission_saved(sender=Submission, instance=submission, created=True)


def _receive(upload: UploadedFile, limit: int, actor=None) -> tuple[Path, str, int]:
    """Copy the upload to a temporary file on this node's disk, hashing it and stopping at
    `limit` + 1 bytes. Returns (path, sha256, size)."""
    fd, name = storage_files.temporary_file(prefix=".upload-", actor=actor)  # 0600
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


def max_attempts(program: Program) -> int:
    """How many times the rule set lets a teacher submit one evidence item."""
    rule = program.ruleset.micro_abilities
    return rule.max_attempts if rule is not None else 1


def attempt_numbers(versions: list[tuple[int, bool]]) -> dict[int, int]:
    """version → which submission (第几次提交) it is, from (version, team-graded) pairs: a
    version replaced before anyone graded it is the same submission as the one after it."""
    numbers, graded_before = {}, 0
    for version, graded in sorted(versions):
        numbers[version] = graded_before + 1
        graded_before += bool(graded)
    return numbers


def resubmission_refusal(*, result: PointResult | None, current_grade: str | None, graded_versions: int,
                         limit: int) -> str | None:
    """Why the teacher may not upload (another) file for an item, or None when they may.

    `current_grade`: the latest team grade of the current version (None: not graded or no
    file yet); `graded_versions`: how many versions of the item the team graded. An item
    opens again when the team graded it 不合格 (before or after the point's result) or the
    point was returned (a spot check, a school-wide return); a passed point or a passed item
    stays closed. Each reopening uses one of the rule set's `limit` submissions."""
    returned = result is not None and result.status == PointResult.Status.RETURNED
    if result is not None and not returned and result.result != Grade.FAIL:
        return ALREADY_GRADED
    if current_grade is not None and not returned and current_grade != Grade.FAIL:
        return ALREADY_GRADED
    if graded_versions + 1 > limit:
        return ATTEMPTS_USED
    return None


def submission_attempts(program: Program | int, teacher: Teacher | int, task: EvidenceTask | int) -> dict[int, int]:
    """version → submission number of the teacher's versions of `task` (one query; rows or ids)."""
    graded = Exists(Review.objects.filter(submission=OuterRef("pk"), stage=Review.Stage.TEAM))
    rows = (Submission.objects.filter(program=program, teacher=teacher, task=task).annotate(graded=graded)
            .values_list("version", "graded"))
    return attempt_numbers(list(rows))


def _upload_refusal(program: Program, teacher: Teacher, task: EvidenceTask) -> str | None:
    result = PointResult.objects.filter(program=program, teacher=teacher, point_id=task.point_version.point_id).first()
    versions = Submission.objects.filter(program=program, teacher=teacher, task=task)
    graded_versions = versions.filter(reviews__stage=Review.Stage.TEAM).distinct().count()
    current = versions.filter(is_current=True).first()
    latest = (Review.objects.filter(submission=current, stage=Review.Stage.TEAM).order_by("-created_at", "-id")
              .values_list("grade", flat=True).first()) if current is not None else None
    return resubmission_refusal(result=result, current_grade=latest, graded_versions=graded_versions,
                                limit=max_attempts(program))


def display_name(name: str | None) -> str:
    """The uploaded file's name as we keep and show it: its last path component, without
    control characters (a NUL cannot even be stored in PostgreSQL), at most 255 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[-255:]


def _refuse_upload(program: Program, teacher: Teacher, task: EvidenceTask) -> None:
    refusal = _upload_refusal(program, teacher, task)
    if refusal == ATTEMPTS_USED:
        raise ValidationError(_(ATTEMPTS_USED) % {"n": max_attempts(program)})
    if refusal is not None:
        raise ValidationError(_(refusal))


def submission_upload(*, actor, teacher: Teacher, program: Program, task: EvidenceTask,
                      upload: UploadedFile, note: str = "") -> Submission:
    """Store the teacher's file for `task` as a new version (the previous one is kept, no
    longer current). Refused once the item is graded, unless it was graded 不合格 or the
    point was returned, and then only within the rule set's submissions per item."""
    if teacher.user_id is None or actor.pk != teacher.user_id:
        raise PermissionDenied(_(NOT_YOUR_EVIDENCE))
    if not PointChoice.objects.filter(program=program, teacher=teacher, point_version_id=task.point_version_id).exists():
        raise ValidationError(_(TASK_NOT_CHOSEN))
    _refuse_upload(program, teacher, task)

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
        has_text = kind in (EvidenceKind.DOCUMENT, EvidenceKind.SLIDES)
        # Stored before the rows (a store that is down: a clear message, no row); the version in the
        # name is the expected one, the row's is decided under the lock below.
        expected = (Submission.objects.filter(program=program, teacher=teacher, task=task)
                    .aggregate(n=Max("version"))["n"] or 0) + 1
        stored = storage_files.save_path(f"{FOLDER}/{program.pk}/{teacher.pk}/{task.pk}-v{expected}-{sha[:12]}.{ext}",
                                         tmp, actor=actor, scope_path=teacher.org_path)
        relative = stored.removeprefix(f"{FOLDER}/")
        with storage_files.discarded_on_error(stored), transaction.atomic():
            Teacher.objects.select_for_update().filter(pk=teacher.pk).first()
            _refuse_upload(program, teacher, task)  # again, under the lock: a grade may have come meanwhile
            number = (Submission.objects.filter(program=program, teacher=teacher, task=task)
                      .aggregate(n=Max("version"))["n"] or 0) + 1
            Submission.objects.filter(program=program, teacher=teacher, task=task, is_current=True).update(
                is_current=False)
            submission = Submission(program=program, teacher=teacher, task=task, version=number, is_current=True,
                                    file_name=relative, original_name=display_name(upload.name) or relative,
                                    kind=kind, content_type=content_type, size=size, sha256=sha,
                                    text_state=TextState.PENDING if has_text else TextState.NONE,
                                    note=(note or "").strip())
            submission.full_clean()
            submission.save()
            audit(actor=actor, action="practice.evidence_upload", obj=submission, scope_path=teacher.org_path,
                  task=task.pk, version=number, kind=kind, size=size)
            if has_text:
                transaction.on_commit(lambda: _queue_extraction(submission))
        return submission
    finally:
        if tmp.exists():
            tmp.unlink()


def submission_name(submission: Submission) -> str:
    """The submission's file in the private file store."""
    if ".." in Path(submission.file_name).parts or submission.file_name.startswith("/"):
        raise PermissionDenied
    return f"{FOLDER}/{submission.file_name}"


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
