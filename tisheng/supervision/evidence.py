"""Photos and documents attached to a finding or an answer, checked exactly like practice
evidence (practice.services.evidence: the type from the content, never the name; the Office-file
guard; the same size limits per kind) and stored in the private file store under supervision/
(core/storage_files.py: local files or the object store)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.core import storage_files
from tisheng.practice.models import EvidenceKind
from tisheng.practice.services.evidence import (
    FILE_EMPTY,
    FILE_TOO_LARGE,
    FILE_TYPE_UNKNOWN,
    KIND_LABELS,
    _receive,
    display_name,
    max_bytes,
    sniff,
)
from tisheng.supervision.models import EvidenceFile, Finding, Inspection, RectificationAnswer

# Photos and documents (the "photos, documents"); a video of a visit is a link in the comment.
ALLOWED = (EvidenceKind.DOCUMENT, EvidenceKind.SLIDES, EvidenceKind.IMAGE)
MAX_FILES = 5
FILE_NOT_ALLOWED = gettext_noop("Supervision evidence must be a photo, a PDF, a Word (.docx) or a "
                                "PowerPoint (.pptx) file.")
TOO_MANY_FILES = gettext_noop("At most %(n)s files at a time.")


FOLDER = "supervision"


def evidence_check(uploads: list[UploadedFile]) -> None:
    if len(uploads) > MAX_FILES:
        raise ValidationError(_(TOO_MANY_FILES) % {"n": MAX_FILES})


@dataclass(frozen=True)
class StoredEvidence:
    """One checked upload, already in the private file store; its row is written by `evidence_record`."""
    name: str  # in the private file store
    original_name: str
    kind: str
    content_type: str
    size: int
    sha256: str


def evidence_receive(*, actor, inspection: Inspection, upload: UploadedFile) -> StoredEvidence:
    """Check one file and store it, before the transaction that writes its row: the caller holds the
    name in `storage_files.discarded_on_error` around that transaction, so a refused file or a store
    that is down leaves nothing behind and rows that are not written take the file away again."""
    tmp, sha, size = _receive(upload, max(max_bytes(k) for k in ALLOWED), actor=actor)
    try:
        if size == 0:
            raise ValidationError(_(FILE_EMPTY))
        sniffed = sniff(tmp)
        if sniffed is None:
            raise ValidationError(_(FILE_TYPE_UNKNOWN))
        kind, content_type, ext = sniffed
        if kind not in ALLOWED:
            raise ValidationError(_(FILE_NOT_ALLOWED))
        if size > max_bytes(kind):
            raise ValidationError(_(FILE_TOO_LARGE) % {"limit": max_bytes(kind) // (1024 * 1024),
                                                       "kind": _(KIND_LABELS[kind])})
        stored = storage_files.save_path(f"{FOLDER}/{inspection.round_id}/{inspection.pk}/{sha[:16]}.{ext}", tmp,
                                         actor=actor, scope_path=inspection.unit_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    relative = stored.removeprefix(f"{FOLDER}/")
    return StoredEvidence(stored, display_name(upload.name) or relative, kind, content_type, size, sha)


def evidence_record(*, actor, inspection: Inspection, stored: StoredEvidence, finding: Finding | None = None,
                    answer: RectificationAnswer | None = None) -> EvidenceFile:
    """The row of a file `evidence_receive` stored; inside the caller's transaction."""
    row = EvidenceFile(inspection=inspection, finding=finding, answer=answer,
                       file_name=stored.name.removeprefix(f"{FOLDER}/"), original_name=stored.original_name,
                       kind=stored.kind, content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                       uploaded_by=actor)
    row.full_clean()
    row.save()
    return row


def evidence_name(row: EvidenceFile) -> str:
    """The file's name in the private file store."""
    if ".." in Path(row.file_name).parts or row.file_name.startswith("/"):
        raise FileNotFoundError(row.file_name)
    return f"{FOLDER}/{row.file_name}"
