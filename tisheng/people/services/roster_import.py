"""One roster import from a file: read, validate, preview or commit, record the history.

Used by the upload views and by `tisheng import-roster`. A file that cannot be read stores
nothing; a committed import is recorded as a RosterImport with the file's SHA-256.

An uploaded file lists national IDs in plain text, so it is stored through
`core.storage_files` (locally 0600 in a 0700 directory, or a private bucket) and kept ROSTER_RETENTION_DAYS (settings,
default 7) after its last upload: `run-periodic` calls `rosters_purge`, which deletes older
files and marks their imports `file_expired_at` (the history keeps the hash and the counts).

Two imports writing the same teachers at once: `roster_apply` locks the file's schools first
(PostgreSQL), so imports into the same schools run one after the other and the second sees the
first's teachers; imports that still collide (the same new teacher in two counties' files at
the same moment) end in RosterImportConflict with IMPORT_CONFLICT, nothing written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.roles import Cap
from tisheng.accounts.services import audit
from tisheng.core import idcard, storage_files
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import capability_paths
from tisheng.people.models import RosterImport
from tisheng.people.services.roster import (
    NAME,
    NATIONAL_ID,
    RosterCounts,
    RowError,
    TeacherRecord,
    cell_text,
    common_path,
    roster_apply,
    roster_preview,
    roster_validate,
)
from tisheng.people.services.roster_files import ParsedRoster, RosterFileError, file_extension, read_roster

if TYPE_CHECKING:
    from tisheng.accounts.models import User

# Stored on the RosterImport for the detail page and the error report; a file with more
# errors than this is beyond fixing row by row anyway.
MAX_STORED_ERRORS = 50_000
ROSTER_DIR = "roster"
PURGED = "roster_files_purged"  # audit action
IMPORT_CONFLICT = gettext_noop("Another import changed these teachers at the same time; preview the roster again")

# The template's sample row (roster_reports.roster_template_xlsx): it shows the format and is
# never imported. Schools type their teachers below it and often leave it in, so the import
# skips it (and says so) rather than refusing the file; a sheet with nothing else is refused.
# Templates handed out before the mark existed wrote the name without it: the sample's made-up
# national ID and the name 张三 together still tell it apart from a real teacher called 张三.
SAMPLE_MARK = "【示例】"
SAMPLE_NAME = "张三"
SAMPLE_NATIONAL_ID = idcard.make("350102", dt.date(1985, 3, 12), 123)
SAMPLE_ROW_SKIPPED = gettext_noop("Row %(rows)s is the template's sample row (%(name)s): it was skipped and is not "
                                  "imported.")
SAMPLE_ROW_ONLY = gettext_noop("The file holds only the template's sample row: type your teachers below it (or in "
                               "its place) and upload it again.")


class RosterImportConflict(Exception):
    """Another import wrote the same teachers at the same time; nothing of this one was written."""

    def __init__(self) -> None:
        self.message = _(IMPORT_CONFLICT)
        super().__init__(self.message)


@dataclass
class RosterOutcome:
    counts: RosterCounts
    errors: list[RowError]
    committed: bool
    parsed: ParsedRoster
    records: list[TeacherRecord] = field(default_factory=list)
    roster_import: RosterImport | None = None
    sample_rows: list[int] = field(default_factory=list)  # the template's sample row(s), skipped

    def sample_message(self) -> str:
        """What to tell the user about the skipped sample row ("" when there was none)."""
        if not self.sample_rows:
            return ""
        return _(SAMPLE_ROW_SKIPPED) % {"rows": "、".join(str(n) for n in self.sample_rows),
                                        "name": SAMPLE_MARK + SAMPLE_NAME}


def is_sample_row(row: dict) -> bool:
    """Whether a parsed roster row is the template's sample row."""
    name = cell_text(row.get(NAME)).strip()
    if name.startswith(SAMPLE_MARK):
        return True
    return name == SAMPLE_NAME and cell_text(row.get(NATIONAL_ID)).strip().upper() == SAMPLE_NATIONAL_ID


def drop_sample_rows(parsed: ParsedRoster) -> list[int]:
    """Remove the template's sample row(s) from `parsed`; returns their row numbers. Raises
    RosterFileError (SAMPLE_ROW_ONLY) when nothing else is left."""
    samples = [row["_row"] for row in parsed.rows if is_sample_row(row)]
    if samples:
        parsed.rows = [row for row in parsed.rows if not is_sample_row(row)]
        if not parsed.rows:
            raise RosterFileError(_(SAMPLE_ROW_ONLY))
    return samples


def stored_name(sha256: str, filename: str) -> str:
    """The roster file's name in the private file store: one file per content, shared by its imports."""
    return f"{ROSTER_DIR}/{sha256}.{file_extension(filename)}"


def stored_content(sha256: str, filename: str) -> bytes | None:
    """The stored file's bytes (a roster is small: the upload limit), None when it is gone."""
    try:
        with storage_files.open(stored_name(sha256, filename)) as stored:
            return stored.read()
    except FileNotFoundError:
        return None


def import_scope_path(actor: User | None) -> str:
    """Where an import is filed in the history: the actor's import subtree (the common
    ancestor when there are several), the province for the system."""
    if actor is None:
        root = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("path").values_list("path", flat=True).first()
        return root or ""
    return common_path(capability_paths(actor, Cap.ROSTER_IMPORT))


def roster_commit_of(preview: RosterImport) -> RosterImport | None:
    """The commit that followed a preview: the same file committed in the same scope since."""
    if preview.committed:
        return None
    return (
        RosterImport.objects.filter(sha256=preview.sha256, scope_path=preview.scope_path, committed=True,
                                    at__gte=preview.at)
        .order_by("at", "id").defer("errors").first()
    )


def _error_dicts(errors: list[RowError]) -> list[dict]:
    return [{"row": e.row, "column": e.column, "reason": e.reason} for e in errors[:MAX_STORED_ERRORS]]


def roster_file_run(
    *,
    actor: User | None,
    content: bytes,
    filename: str,
    mode: str,
    record: bool = True,
    store: bool = False,
) -> RosterOutcome:
    """Read and validate `content`, then preview (mode DRY_RUN) or commit.

    ALL_OR_NOTHING commits only when every row is valid; VALID_ONLY commits the valid rows.
    Raises RosterFileError for an unreadable file before anything is stored,
    PrivateStorageError when the file cannot be stored (nothing recorded), RosterImportConflict
    when another import wrote the same teachers meanwhile (nothing written). `record` writes
    a RosterImport (a preview only when `record`, a commit always); `store` keeps the file
    in the private file store for a later commit and the error report.
    """
    parsed = read_roster(content, filename)
    samples = drop_sample_rows(parsed)
    records, errors = roster_validate(parsed.rows, actor=actor, header_labels=parsed.header_labels)
    outcome = RosterOutcome(counts=RosterCounts(), errors=errors, committed=False, parsed=parsed, records=records,
                            sample_rows=samples)
    sha256 = hashlib.sha256(content).hexdigest()
    history = RosterImport(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.name if actor is not None else "",
        filename=Path(filename).name[:255],
        sha256=sha256,
        mode=mode,
        scope_path=import_scope_path(actor),
        error_count=len(errors),
        errors=_error_dicts(errors),
    )
    if mode == RosterImport.Mode.ALL_OR_NOTHING and errors:
        # Nothing written, and the counts say so.
        outcome.counts = RosterCounts(rows=len(parsed.rows))
        return outcome
    if mode == RosterImport.Mode.DRY_RUN:
        outcome.counts = roster_preview(records)
        outcome.counts.rows = len(parsed.rows)
        if record:
            _store(content, sha256, filename, store, actor=actor, scope_path=history.scope_path)
            _fill(history, outcome.counts)
            history.save()
            outcome.roster_import = history
        return outcome
    try:
        with transaction.atomic():
            history.committed = True
            history.save()
            outcome.counts = roster_apply(records, actor=actor, source=f"import:{history.pk}")
            outcome.counts.rows = len(parsed.rows)
            _fill(history, outcome.counts)
            history.save()
    except (IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and not _lost_a_race(exc):
            raise
        history.pk = None
        raise RosterImportConflict from exc
    _store(content, sha256, filename, store, actor=actor, scope_path=history.scope_path)
    outcome.committed = True
    outcome.roster_import = history
    return outcome


def _fill(history: RosterImport, counts: RosterCounts) -> None:
    history.rows, history.created, history.updated = counts.rows, counts.created, counts.updated
    history.transferred, history.unchanged = counts.transferred, counts.unchanged
    history.columns_stored = counts.columns_stored


def _lost_a_race(exc: OperationalError) -> bool:
    """A deadlock or serialization failure (PostgreSQL), or SQLite's write lock held by another
    import past the busy timeout: another writer, not a broken database."""
    state = getattr(exc.__cause__, "sqlstate", None)
    return state in ("40P01", "40001", "55P03") or "database is locked" in str(exc)


def _store(content: bytes, sha256: str, filename: str, store: bool, *, actor: User | None = None,
           scope_path: str = "") -> None:
    if not store:
        return
    name = stored_name(sha256, filename)
    try:
        if storage_files.exists(name):
            # The same bytes again: the retention period starts over (rosters_purge reads the time).
            storage_files.touch(name, content, actor=actor, scope_path=scope_path)
            return
    except storage_files.StorageUnavailable:
        pass  # written below, which reports what is wrong with the storage
    saved = storage_files.save(name, content, actor=actor, scope_path=scope_path)
    if saved != name:  # the same file uploaded twice at the same moment: one copy is enough
        storage_files.delete(saved)


def rosters_purge(now: dt.datetime | None = None) -> int:
    """Delete stored roster files last uploaded more than ROSTER_RETENTION_DAYS ago and mark
    their imports expired; returns how many files were deleted.

    A file is named by its SHA-256 and shared by every import of the same bytes; it goes when
    no import of it is newer than the cutoff and it was not written or uploaded again since
    (its mtime), so a preview made a minute ago never loses its file. Leftover `.part` files
    of interrupted writes older than the cutoff go too. Idempotent; one audit entry per run
    that deleted something (run-periodic runs every minute)."""
    now = now or timezone.now()
    days = settings.ROSTER_RETENTION_DAYS
    cutoff = now - dt.timedelta(days=days)
    files = sorted(storage_files.listdir(ROSTER_DIR)[1])
    if not files:
        return 0
    recent = set(RosterImport.objects.filter(at__gte=cutoff).values_list("sha256", flat=True).distinct())
    deleted: list[str] = []
    for file in files:
        name = f"{ROSTER_DIR}/{file}"
        try:
            if storage_files.modified_time(name) >= cutoff:
                continue
            sha256 = file.split(".", 1)[0]
            if file.endswith(".part"):
                storage_files.delete(name)
                continue
            if sha256 in recent:
                continue
            storage_files.delete(name)
        except FileNotFoundError:  # another purge got there first
            continue
        deleted.append(sha256)
    if not deleted:
        return 0
    marked = 0
    for start in range(0, len(deleted), 500):
        marked += RosterImport.objects.filter(sha256__in=deleted[start:start + 500],
                                              file_expired_at__isnull=True).update(file_expired_at=now)
    audit(actor=None, action=PURGED, object_type="roster", scope_path="", files=len(deleted), imports=marked,
          retention_days=days)
    return len(deleted)
