"""A teacher's evidence as one .zip, streamed: one folder per point, one per item, every
version named by its submission (第2次提交), its version and the name the teacher gave the file.

Names inside the archive are built from our own rows (the teacher's name, the point, the
item's title); the uploaded file name only contributes its last path component, with
separators, control characters and the characters Windows refuses replaced, leading dots and
trailing spaces removed and Windows' reserved device names escaped, so no entry can climb out
of the folder it is unpacked into (`../../x`, `C:\\x`, `/etc/x`). The extension is the one we
stored after sniffing the content, not the uploaded one.

The archive is written by the standard library's `zipfile` into a sink that the response
drains after every chunk of every file (an unseekable stream: zipfile writes each size in a
data descriptor after the data), so memory stays at one chunk whatever the size of the
evidence; documents are deflated, videos and images (already compressed) stored."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from tisheng.core import storage_files
from tisheng.practice.models import EvidenceKind, Review, Submission
from tisheng.practice.services.evidence import attempt_numbers, submission_name

CHUNK = 1024 * 1024
SHANGHAI = ZoneInfo("Asia/Shanghai")
FORBIDDEN = set('<>:"/\\|?*')
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
NAME_LIMIT = 80

SUBMISSION_NAME = gettext_noop("submission %(n)s")
CURRENT_MARK = pgettext_lazy("evidence version", "current")
ARCHIVE_ROOT = gettext_noop("%(teacher)s's practice evidence")


def safe_component(name: str, limit: int = NAME_LIMIT) -> str:
    """One path component that is safe on every system the archive may be unpacked on."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if ch in FORBIDDEN or not ch.isprintable() else ch for ch in name)
    name = name.strip(" .")
    if name.split(".", 1)[0].upper() in WINDOWS_RESERVED:
        name = "_" + name
    return name[:limit].rstrip(" .") or "_"


@dataclass(frozen=True)
class Entry:
    """One file of the archive: its name in the private file store and the name it is written under."""

    stored: str
    name: str
    size: int
    compress: int
    date_time: tuple[int, int, int, int, int, int]


def evidence_entries(submissions: QuerySet[Submission], root: str) -> list[Entry]:
    """The archive's entries for `submissions` (already scoped to what the actor may see),
    every version of every item, in point, item and version order. Two queries."""
    rows = list(submissions.select_related("task", "task__point_version", "task__point_version__point")
                .order_by("task__point_version__point_id", "task__order", "task_id", "version"))
    graded = set(Review.objects.filter(submission__in=[s.pk for s in rows], stage=Review.Stage.TEAM)
                 .values_list("submission_id", flat=True))
    by_task: dict[int, list[Submission]] = {}
    for s in rows:
        by_task.setdefault(s.task_id, []).append(s)
    numbers = {task_id: attempt_numbers([(s.version, s.pk in graded) for s in versions])
               for task_id, versions in by_task.items()}
    root = safe_component(root)
    entries, taken = [], set()
    for s in rows:
        task, version = s.task, s.task.point_version
        point_dir = safe_component(f"{version.point.code} {version.name}")
        task_dir = safe_component(f"{task.order}. {task.title}")
        stem = safe_component(Path(s.original_name).stem or s.original_name, 60)
        label = _(SUBMISSION_NAME) % {"n": numbers[s.task_id][s.version]}
        mark = f"（{CURRENT_MARK}）" if s.is_current else ""
        extension = Path(s.file_name).suffix.lower()
        name = f"{root}/{point_dir}/{task_dir}/{safe_component(f'{label}-v{s.version}{mark}-{stem}')}{extension}"
        while name in taken:  # two versions with the same name and number cannot happen; be safe anyway
            name = name.removesuffix(extension) + f"-{s.pk}{extension}"
        taken.add(name)
        try:
            in_store = submission_name(s)
        except PermissionDenied:
            continue
        if not storage_files.exists(in_store):
            continue
        local = s.created_at.astimezone(SHANGHAI)
        stored = s.kind in (EvidenceKind.VIDEO, EvidenceKind.IMAGE)
        entries.append(Entry(stored=in_store, name=name, size=s.size,
                             compress=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
                             date_time=(max(local.year, 1980), local.month, local.day, local.hour, local.minute,
                                        local.second)))
    return entries


class _Sink(io.RawIOBase):
    """Collects what zipfile writes until the response takes it. Not seekable, on purpose."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def zip_stream(entries: Iterable[Entry]) -> Iterator[bytes]:
    """The archive, chunk by chunk."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=entry.date_time)
            info.compress_type = entry.compress
            info.external_attr = 0o644 << 16
            with storage_files.open(entry.stored) as source, archive.open(info, "w", force_zip64=entry.size > 2**31) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
