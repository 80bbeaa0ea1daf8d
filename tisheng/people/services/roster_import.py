"""One roster import from a file: read, validate, preview or commit, record the history.

Used by the upload views and by `tisheng import-roster`. A file that cannot be read stores
nothing; a committed import is recorded as a RosterImport with the file's SHA-256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from tisheng.accounts.roles import Cap
from tisheng.orgs.models import Region, RegionLevel
from tisheng.orgs.scope import capability_paths
from tisheng.people.models import RosterImport
from tisheng.people.services.roster import (
    RosterCounts,
    RowError,
    TeacherRecord,
    common_path,
    roster_apply,
    roster_preview,
    roster_validate,
)
from tisheng.people.services.roster_files import ParsedRoster, file_extension, read_roster

if TYPE_CHECKING:
    from tisheng.accounts.models import User

# Stored on the RosterImport for the detail page and the error report; a file with more
# errors than this is beyond fixing row by row anyway.
MAX_STORED_ERRORS = 50_000


@dataclass
class RosterOutcome:
    counts: RosterCounts
    errors: list[RowError]
    committed: bool
    parsed: ParsedRoster
    records: list[TeacherRecord] = field(default_factory=list)
    roster_import: RosterImport | None = None


def stored_path(sha256: str, filename: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "roster" / f"{sha256}.{file_extension(filename)}"


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
    Raises RosterFileError for an unreadable file before anything is stored. `record` writes
    a RosterImport (a preview only when `record`, a commit always); `store` keeps the file
    under PRIVATE_MEDIA_ROOT for a later commit and the error report.
    """
    parsed = read_roster(content, filename)
    records, errors = roster_validate(parsed.rows, actor=actor, header_labels=parsed.header_labels)
    outcome = RosterOutcome(counts=RosterCounts(), errors=errors, committed=False, parsed=parsed, records=records)
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
            _store(content, sha256, filename, store)
            _fill(history, outcome.counts)
            history.save()
            outcome.roster_import = history
        return outcome
    with transaction.atomic():
        history.committed = True
        history.save()
        outcome.counts = roster_apply(records, actor=actor, source=f"import:{history.pk}")
        outcome.counts.rows = len(parsed.rows)
        _fill(history, outcome.counts)
        history.save()
    _store(content, sha256, filename, store)
    outcome.committed = True
    outcome.roster_import = history
    return outcome


def _fill(history: RosterImport, counts: RosterCounts) -> None:
    history.rows, history.created, history.updated = counts.rows, counts.created, counts.updated
    history.transferred, history.unchanged = counts.transferred, counts.unchanged


def _store(content: bytes, sha256: str, filename: str, store: bool) -> None:
    if not store:
        return
    path = stored_path(sha256, filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(content)
        tmp.replace(path)
