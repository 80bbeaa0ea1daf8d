"""Documents institutions and evaluators upload (application materials, third-party reports):
a PDF or a Word .docx, told by its content (the .docx's zip checked by core.officefiles, the
guard every office file goes through), at most 20 MB, stored in the private file store
(core/storage_files.py: local files or the object store) with its SHA-256. The upload is checked
in a temporary file on the node's disk and stored before the caller writes its rows."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from tisheng.core import officefiles, storage_files

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_TYPE = _("Upload the material as a PDF or Word (.docx) file.")
DOCUMENT_TOO_LARGE = _("A material file may be at most 20 MB.")
DOCUMENT_EMPTY = _("The file is empty.")


@dataclass(frozen=True)
class StoredDocument:
    relative: str
    name: str
    content_type: str
    size: int
    sha256: str


def sniff_document(head: bytes, path: Path) -> tuple[str, str] | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(officefiles.list_names(path))
        except officefiles.OfficeFileRefused:
            return None
        if "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
    return None


def document_store(*, actor, upload: UploadedFile, directory: str, stem: str) -> StoredDocument:
    """Check and store one upload as `<directory>/<stem>-<hash>.<pdf|docx>` (raises ValidationError)."""
    if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(DOCUMENT_TOO_LARGE, code="material_too_large")
    fd, temp = storage_files.temporary_file(prefix=".institutions-", actor=actor)
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks(1024 * 1024):
                size += len(chunk)
                if size > MAX_DOCUMENT_BYTES:
                    raise ValidationError(DOCUMENT_TOO_LARGE, code="material_too_large")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationError(DOCUMENT_EMPTY, code="material_empty")
        with open(temp, "rb") as f:
            found = sniff_document(f.read(8), Path(temp))
        if found is None:
            raise ValidationError(DOCUMENT_TYPE, code="material_type")
        content_type, extension = found
        relative = storage_files.save_path(f"{directory}/{stem}-{digest.hexdigest()[:16]}.{extension}", temp,
                                           actor=actor)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    name = Path(upload.name or f"{stem}.{extension}").name[:128]
    return StoredDocument(relative, name, content_type, size, digest.hexdigest())
