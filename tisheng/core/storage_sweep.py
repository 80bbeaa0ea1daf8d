"""No leftover objects (issue 20, item 4): a daily sweep removes stored private files no row refers to.

A file can outlive its row: a lesson deleted with its video, an HLS rendition cut again, a process
killed between a save and its transaction, a `discard_on_commit` the store was down for. Each app
says which stored names its rows refer to, folder by folder, from its AppConfig.ready():

    from tisheng.core.storage_sweep import register_references
    register_references("videos/", lambda: Lesson.objects.exclude(video_file="").values_list("video_file", flat=True))

(several apps may register the same folder: a name any of them returns is kept). Only the folders
registered are swept, so a folder whose app has not said what it refers to is never touched; core
imports no app to find out.

`sweep()` lists each registered folder first (storage_files.walk: a paged listing of the object
store, or a walk of the local folder), then reads the references, so a row written while it lists
is seen; it removes a file only when no reference names it AND it is older than
settings.STORE_SWEEP_GRACE_HOURS (24 by default), so an upload whose row is not committed yet is
never taken. Each removal is logged with its name; the count is the Prometheus counter
`tisheng_store_objects_swept_total` and the job's result (jobs/tasks.py runs it daily as a job, which
is also how it remembers its last run)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import timezone
from prometheus_client import Counter

from tisheng.core import storage_files

logger = logging.getLogger(__name__)

References = Callable[[], Iterable[str]]
REFERENCES: dict[str, list[References]] = {}
SWEPT = Counter("tisheng_store_objects_swept", "Stored private files removed by the daily sweep: no row referred to them")


def register_references(folder: str, names: References) -> None:
    """`names()` returns every stored name under `folder` that a row of the caller's app refers to."""
    folder = folder.rstrip("/") + "/"
    if names not in REFERENCES.setdefault(folder, []):
        REFERENCES[folder].append(names)


def grace() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "STORE_SWEEP_GRACE_HOURS", 24)))


def sweep(*, now: dt.datetime | None = None, progress: Callable[[int, int], None] | None = None) -> dict:
    """Remove what no row refers to (see the module docstring); the counts, and the first names removed."""
    before = (now or timezone.now()) - grace()
    removed: list[str] = []
    kept = young = 0
    folders = sorted(REFERENCES)
    for done, folder in enumerate(folders):
        listed = list(storage_files.walk(folder))
        referenced: set[str] = set()
        for names in REFERENCES[folder]:
            referenced.update(name for name in names() if name)
        for name, modified in listed:
            if name in referenced:
                kept += 1
            elif modified > before:
                young += 1
            else:
                storage_files.delete(name)
                logger.info("store sweep: removed %s (no row refers to it; stored %s)", name, modified.isoformat())
                removed.append(name)
        if progress is not None:
            progress(done + 1, len(folders))
    if removed:
        SWEPT.inc(len(removed))
        logger.warning("store sweep: removed %d stored files no row referred to", len(removed))
    return {"removed": len(removed), "kept": kept, "younger_than_grace": young, "folders": folders,
            "names": removed[:100]}
