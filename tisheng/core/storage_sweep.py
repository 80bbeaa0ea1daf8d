"""No leftover objects (issue 20, item 4): a daily sweep removes stored private files no row refers to.

A file can outlive its row: a lesson deleted with its video, an HLS rendition cut again, a process
killed between a save and its transaction, a `discard_on_commit` the store was down for. Each app
says which stored names its rows refer to, folder by folder, from its AppConfig.ready():

    from tisheng.core.storage_sweep import Column, register_references
    register_references("evidence/", Column("practice.Submission", "file_name", prefix="evidence/"))

(`Column` streams one column of a model's rows, prefixed when the rows name files relative to the
folder; any callable that yields names will do, e.g. playback's, which adds the renditions' segments.
A reader streams: at province scale a folder has millions of names. `Column` reads with `keyset`, in
pages of REFERENCE_CHUNK rows ordered by the primary key, each starting after the last one's pk: not
`.iterator()`, which under PgBouncer in transaction mode (DISABLE_SERVER_SIDE_CURSORS, core/dbpool.py)
fetches the whole result into the client at once; a page is the same bounded read on every database
and pooler, each a walk of the pk index from where the last stopped). Several apps may
register the same folder, and a folder inside another registered one counts for it: a name any of
them returns is kept. Only the folders registered are swept, so a folder whose app has not said what
it refers to is never touched; core imports no app to find out. Every folder an app saves into is
registered (core/tests/test_storage_sweep_registry.py fails when one is not).

`sweep()` takes one top folder at a time. It reads the references into a sorted array of 64-bit
hashes of the names (8 bytes a name whatever the names' length, up to 16 while the array grows),
then streams the folder's listing (storage_files.walk: a paged listing of the object store, or a
walk of the local folder, which holds one directory's names at a time) in batches checked against
that array, so its memory is bounded by the folder's references, not by its listing, and none of it
is held once the folder is done. A listed file no reference hashes to and
older than settings.STORE_SWEEP_GRACE_HOURS (24 by default; an upload whose row is not committed yet
is never taken) is a candidate; candidates are checked once more against the references read again
after they were listed, so a row written while the folder was listed is seen, and only then removed
(at most CANDIDATES of them are held; more are removed in rounds), through storage_files.delete_many:
from the object store 1,000 in one DeleteObjects request; a file the store refuses to remove is logged
with the store's reason and counted as `failed`, not as removed. Two names with the same hash can
only keep an orphan, never remove a file a row names. Each removal is logged with its name; the count
is the Prometheus counter `tisheng_store_objects_swept_total` and the job's result, with the counts
of each folder (jobs/tasks.py runs it daily as a job, which is also how it remembers its last run)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from prometheus_client import Counter

from tisheng.core import storage_files

logger = logging.getLogger(__name__)

References = Callable[[], Iterable[str]]
REFERENCES: dict[str, list[References]] = {}
SWEPT = Counter("tisheng_store_objects_swept", "Stored private files removed by the daily sweep: no row referred to them")
REFERENCE_CHUNK = 5000  # rows a reader fetches at a time (one keyset page)
BATCH = 10_000  # listed files checked against the references at once
CANDIDATES = 50_000  # orphans held before they are checked again and removed


def register_references(folder: str, names: References) -> None:
    """`names()` yields every stored name under `folder` that a row of the caller's app refers to."""
    folder = folder.rstrip("/") + "/"
    if names not in REFERENCES.setdefault(folder, []):
        REFERENCES[folder].append(names)


def keyset(rows: QuerySet, *fields: str) -> Iterator[tuple]:
    """The `fields` of each of `rows`, read REFERENCE_CHUNK rows a query: ordered by the primary key,
    each page the rows after the last one's pk (`pk > last … LIMIT`), so memory is bounded by a page
    whatever the database and its pooler (`.iterator()` without server-side cursors fetches the whole
    result at once) and a page walks the pk index from where the last one stopped, never sorting the
    table (with `filters` that select few of a table's rows PostgreSQL may rather read them by their own
    index and sort those few, e.g. jobs' exports by kind; bench/bench_store_sweep.py prints a page's
    plan). Rows written during the read are seen when they come after the pages read; the sweep reads
    the references again before it removes anything (see the module docstring)."""
    ordered = rows.order_by("pk").values_list("pk", *fields)
    last = None
    while True:
        size = REFERENCE_CHUNK
        page = list((ordered if last is None else ordered.filter(pk__gt=last))[:size])
        for row in page:
            yield row[1:]
        if len(page) < size:
            return
        last = page[-1][0]


@dataclass(frozen=True)
class Column:
    """A reader of the names one column of a model's rows holds ("app_label.Model", the field, a
    JSON key too: "result__file"), `prefix` put before each, only the rows `filters` selects (pairs
    of a lookup and its value); blank values are no names. Read in keyset pages of REFERENCE_CHUNK
    rows (`keyset`), through the model's base manager (every row counts, whatever its default manager
    hides)."""

    model: str
    field: str
    prefix: str = ""
    filters: tuple[tuple[str, object], ...] = ()

    def __call__(self) -> Iterator[str]:
        from django.apps import apps

        rows = apps.get_model(self.model)._base_manager.filter(**dict(self.filters))
        for (value,) in keyset(rows, self.field):
            if value and isinstance(value, str):
                yield self.prefix + value


def grace() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "STORE_SWEEP_GRACE_HOURS", 24)))


def top_folders() -> dict[str, list[References]]:
    """Each registered folder that is not inside another, with the readers of it and of the folders
    registered inside it (a file under "institutions/registrations/" is also under "institutions/")."""
    folders = sorted(REFERENCES)
    tops = [f for f in folders if not any(f != other and f.startswith(other) for other in folders)]
    return {top: [reader for f in folders if f.startswith(top) for reader in REFERENCES[f]] for top in tops}


def _names(readers: list[References]) -> Iterator[str]:
    for names in readers:
        for name in names():
            if name:
                yield name


def _referenced(readers: list[References]) -> np.ndarray:
    """The hashes of every name the readers yield, sorted in place (a name two rows hold is there
    twice, which a binary search does not mind); hash() is the same for a name throughout one
    process, which is all a sweep needs."""
    keys = np.fromiter((hash(name) for name in _names(readers)), dtype=np.int64)
    keys.sort()
    return keys


def _named(referenced: np.ndarray, names: list[str]) -> np.ndarray:
    """For each of `names`, whether its hash is in `referenced`."""
    if not len(referenced):
        return np.zeros(len(names), dtype=bool)
    keys = np.fromiter((hash(name) for name in names), dtype=np.int64, count=len(names))
    at = np.minimum(np.searchsorted(referenced, keys), len(referenced) - 1)
    return referenced[at] == keys


def _remove(candidates: dict[str, dt.datetime], readers: list[References], removed: list[str],
            counts: dict) -> None:
    """Remove the candidates no reference names once they were listed, counted as `removed`, or as
    `failed` when the store refused (storage_files.delete_many logs each with the store's reason)."""
    for name in _names(readers):
        if candidates.pop(name, None) is not None and not candidates:
            break
    failed = storage_files.delete_many(list(candidates)) if candidates else {}
    for name, modified in candidates.items():
        if name in failed:
            continue
        logger.info("store sweep: removed %s (no row refers to it; stored %s)", name, modified.isoformat())
        if len(removed) < 100:
            removed.append(name)
    counts["removed"] += len(candidates) - len(failed)
    counts["failed"] += len(failed)
    candidates.clear()


def sweep_folder(folder: str, readers: list[References], *, before: dt.datetime, removed: list[str]) -> dict:
    """Sweep one top folder (see the module docstring); its counts."""
    referenced = _referenced(readers)
    counts = {"listed": 0, "kept": 0, "younger_than_grace": 0, "removed": 0, "failed": 0}
    candidates: dict[str, dt.datetime] = {}
    listing = storage_files.walk(folder)
    while batch := list(islice(listing, BATCH)):
        counts["listed"] += len(batch)
        for (name, modified), named in zip(batch, _named(referenced, [name for name, _m in batch]), strict=True):
            if named:
                continue
            if modified > before:
                counts["younger_than_grace"] += 1
            else:
                candidates[name] = modified
        if len(candidates) >= CANDIDATES:
            _remove(candidates, readers, removed, counts)
    if candidates:
        _remove(candidates, readers, removed, counts)
    counts["kept"] = counts["listed"] - counts["younger_than_grace"] - counts["removed"] - counts["failed"]
    return counts


def sweep(*, now: dt.datetime | None = None, progress: Callable[[int, int], None] | None = None) -> dict:
    """Remove what no row refers to (see the module docstring); the counts, each folder's, and the
    first names removed."""
    before = (now or timezone.now()) - grace()
    removed: list[str] = []
    folders = top_folders()
    each: dict[str, dict] = {}
    for done, (folder, readers) in enumerate(folders.items()):
        each[folder] = sweep_folder(folder, readers, before=before, removed=removed)
        if each[folder]["removed"]:
            SWEPT.inc(each[folder]["removed"])
        if progress is not None:
            progress(done + 1, len(folders))
    total = sum(c["removed"] for c in each.values())
    failed = sum(c["failed"] for c in each.values())
    if total:
        logger.warning("store sweep: removed %d stored files no row referred to", total)
    if failed:
        logger.warning("store sweep: the store refused to remove %d stored files no row refers to", failed)
    return {"removed": total, "failed": failed, "kept": sum(c["kept"] for c in each.values()),
            "younger_than_grace": sum(c["younger_than_grace"] for c in each.values()),
            "folders": list(folders), "each": each, "names": removed}
